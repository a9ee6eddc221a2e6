# Helpers for the guest plans (busybox sh); sourced.

# The plans run as the VM's init, their parameters on the kernel command
# line, or natively (scripts/native.sh), their parameters in MIGOFF_PARAMS.
params() {
	if [ -n "${MIGOFF_PARAMS+set}" ]; then echo "$MIGOFF_PARAMS"; else cat /proc/cmdline; fi
}
param() { params | sed -n "s/.*migoff\.$1=\([^ ]*\).*/\1/p"; }

# The nodes the plan works with.  NEAR_NODE and FAR_NODE: the guest
# programs fault their buffers on the near node and move them to the far
# one (MIGTEST_NODES, see guest/src/migtest.h).  FAST_NODE and SLOW_NODE:
# the tiering tests demote from the fast node to the slow one, which has
# memory, no CPUs and a lower memory tier, and promote back; mtcopy's test
# of a node without CPUs moves between them.  In the VM: 0 and 1, 1 and 2
# (vm.sh --tiered); natively what scripts/native.sh found
# (migoff.nodes=NEAR,FAR, migoff.tiernodes=FAST,SLOW, empty without a slow
# node).
plan_nodes() {
	local nodes tiernodes=1,2
	nodes=$(param nodes)
	[ -n "$nodes" ] || nodes=0,1
	case " $(params) " in *" migoff.tiernodes="*) tiernodes=$(param tiernodes) ;; esac
	NEAR_NODE=${nodes%,*} FAR_NODE=${nodes#*,}
	FAST_NODE=${tiernodes%,*} SLOW_NODE=${tiernodes#*,}
	MIGTEST_NODES=$nodes
	export MIGTEST_NODES
}

# Natively (scripts/native.sh test: migoff.native=1) the plan runs on a
# machine someone uses.  A test that would damage it (memory failure
# injection: on real hardware the pages are gone for good; zram swap added;
# the software engine reloaded; DAMON moving the whole node's cold memory)
# runs only with migoff.destructive=1; the software engine's fault
# injection only where native mode loaded swdma (no real DMA engine:
# migoff.swdma=1; with one, dcbm takes the real channels first); a test
# that needs a slow node (see plan_nodes) only where there is one.  Such a
# test reports "ok N NAME # SKIP why", why being one of the NATIVE_SKIP_*
# reasons below (the host reads them from here: it accepts no other): the
# plan keeps its size.  In the VM every test runs.
native_plan() { [ -n "${MIGOFF_PARAMS+set}" ] && [ "$(param native)" = 1 ]; }

NATIVE_SKIP_destructive="destructive: run with --destructive"
NATIVE_SKIP_swdma="needs swdma, loaded only where no real DMA engine is"
NATIVE_SKIP_slow_node="no node without CPUs in a lower memory tier"
NATIVE_SKIP_kunit="not built into this kernel"
NATIVE_SKIP_cma_area="no CMA area on the slow node: boot with numa_cma=NODE:SIZE"

# The CMA area that numa_cma=NODE:SIZE (or cma_pernuma=) reserves on NODE.
cma_area_of() { # NODE
	echo "numa$1"
}

# Why this run may not run a test that needs NEEDS (comma-separated);
# nothing when it may.
why_not() { # NEEDS
	local need
	native_plan || return 0
	for need in $(echo "$1" | tr ',' ' '); do
		case $need in
		destructive) [ "$(param destructive)" = 1 ] ||
			{ echo "$NATIVE_SKIP_destructive"; return; } ;;
		swdma) [ "$(param swdma)" = 1 ] || { echo "$NATIVE_SKIP_swdma"; return; } ;;
		slow-node) [ -n "$SLOW_NODE" ] || { echo "$NATIVE_SKIP_slow_node"; return; } ;;
		cma-area) [ -d "/sys/kernel/debug/cma/$(cma_area_of "$SLOW_NODE")" ] ||
			{ echo "$NATIVE_SKIP_cma_area"; return; } ;;
		kunit:*) [ -d "/sys/kernel/debug/kunit/${need#kunit:}" ] ||
			{ echo "$NATIVE_SKIP_kunit"; return; } ;;
		*) echo "unknown need '$need'"; return ;;
		esac
	done
}

# A test that needs NEEDS (see why_not): run as ktap_test_result runs it,
# or reported skipped with the reason.
test_needing() { # NEEDS NAME COMMAND...
	local why
	why=$(why_not "$1")
	shift
	if [ -z "$why" ]; then
		ktap_test_result "$@"
		return
	fi
	__ktap_test ok "$1" "SKIP $why"
	KTAP_CNT_SKIP=$((KTAP_CNT_SKIP + 1))
}

# The kernel's log for the host's scan for reports: all of it in the VM;
# natively, from the line scripts/native.sh wrote to /dev/kmsg at the start.
kernel_log() {
	if [ -n "${MIGOFF_KMSG_MARK:-}" ]; then
		dmesg | sed -n "/$MIGOFF_KMSG_MARK/,\$p"
	else
		dmesg
	fi
}

# Section markers the host looks for in the console log.
begin_section() { echo "=== migoff $1 begin ==="; }
end_section() { echo "=== migoff $1 end ==="; }

# Run a command, show its output as KTAP diagnostics, keep its exit status.
# The "# " prefix keeps a tool's own TAP lines from counting as ours.
run_quoted() {
	"$@" >/tmp/run.out 2>&1
	local rc=$?
	sed 's/^/# /' /tmp/run.out
	return $rc
}

# Report one KTAP result from a kselftest exit status (0 pass, 4 skip, else fail).
report() {
	case $1 in
	0) ktap_test_pass "$2" ;;
	4) ktap_test_skip "$2" ;;
	*) ktap_test_fail "$2" ;;
	esac
}

# Settings the migration tests need: THP on, a few hugetlb pages per node,
# no proactive compaction (kcompactd migrating in the background while a
# test switches the active migrator would run the code being patched).
setup_mm() {
	echo always >/sys/kernel/mm/transparent_hugepage/enabled
	echo 32 >/proc/sys/vm/nr_hugepages
	echo 0 >/proc/sys/vm/compaction_proactiveness
	quiet_khugepaged
}

# khugepaged collapses small folios into larger ones on a node of its own
# choosing (since 7.x also into mTHP sizes from 16K: the 4K pages a test's
# split 16K folios left), behind the back of a test that checks the node
# of every page after its moves: once, a 16K integrity test under a
# writer found 72 pages on the other node after move_pages() had placed
# them all.  It scans once a day here (the setting, not khugepaged, is
# what native mode restores).
quiet_khugepaged() {
	echo 86400000 >/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs
}

# Swap on a 256M zram device, for the swap-cache tests.
setup_swap() {
	modprobe zram && echo 256M >/sys/block/zram0/disksize &&
		mkswap /dev/zram0 >/dev/null && swapon /dev/zram0 &&
		grep -q '^/dev/zram0 ' /proc/swaps
}

# ksmd merging every 20 ms (it sleeps while no process asks for merging).
setup_ksm() {
	set_knob /sys/kernel/mm/ksm/pages_to_scan 1000 &&
		set_knob /sys/kernel/mm/ksm/sleep_millisecs 20 &&
		set_knob /sys/kernel/mm/ksm/run 1
}

# One KTAP result from a shell function's kselftest status (0 pass, 4 skip).
report_quoted_status() { # FUNCTION NAME
	"$1"
	report $? "$2"
}

# Write VALUE to FILE and read it back: a knob that refused or ignored the
# write is an error, not a test that silently ran with the old setting.
set_knob() { # FILE VALUE
	echo "$2" >"$1" || { echo "# write '$2' to $1 failed"; return 1; }
	[ "$(cat "$1")" = "$2" ] || { echo "# $1 reads '$(cat "$1")' after writing '$2'"; return 1; }
}

TRACING=/sys/kernel/tracing
BATCH_EVENT=$TRACING/events/migrate_offload/migrate_offload_batch/enable
CALL_EVENT=$TRACING/events/migrate/mm_migrate_pages/enable
# Where a compaction pass of a zone ended and why (kcompactd_test prints
# kcompactd's: a pass kswapd cut short ends "partial_skipped").
COMPACTION_EVENT=$TRACING/events/compaction/mm_compaction_end/enable

# Run COMMAND (as run_quoted does) with the series' batch tracepoint
# recording only COMMAND's process and the tasks it starts (set_event_pid
# with event-fork), so migrations by anyone else, kcompactd or an earlier
# test, are not counted.  The batches are left in /tmp/trace, the
# migrate_pages() calls (migrate:mm_migrate_pages) in /tmp/trace-calls.
traced_run() { # COMMAND...
	local rc
	echo >$TRACING/trace
	run_quoted traced_exec "$@"
	rc=$?
	collect_trace
	return $rc
}

# Exec COMMAND in a process the trace's pid filter records (traced_run).
traced_exec() { # COMMAND...
	# shellcheck disable=SC2016 # $$ is the traced shell's, which execs COMMAND
	sh -c 'echo $$ >>'$TRACING'/set_event_pid && exec "$@"' traced "$@"
}

# The batches and the migrate_pages() calls traced since the trace was
# emptied into /tmp/trace and /tmp/trace-calls; not kcompactd's, which
# joins the pid filter for kcompactd_test for good.
collect_trace() {
	grep -v '^ *kcompactd' $TRACING/trace >/tmp/trace-all
	grep 'migrate_offload_batch:' /tmp/trace-all >/tmp/trace
	grep 'mm_migrate_pages:' /tmp/trace-all >/tmp/trace-calls
}

# The pid of the kernel thread named NAME.
kthread_pid() { # NAME
	local comm
	for comm in /proc/[0-9]*/comm; do
		[ "$(cat "$comm" 2>/dev/null)" != "$1" ] || { comm=${comm%/comm}; echo "${comm#/proc/}"; return 0; }
	done
	echo "# no kernel thread $1"
	return 1
}

# Turn the batch event and the pid filter on, once for the whole plan.
# Switching either on or off patches kernel text (tracepoint static keys
# and calls, the scheduler's pid-filter probes): done while tests run, that
# is what trips multi-threaded TCG (see scripts/show-int3.sh).  So the pid
# list is never emptied: it starts with a process that never forks, and
# traced_run appends (">>", which adds to the list without re-registering
# the probes).
# In the VM this is done with CPUs 1-3 offline: the pid filter hooks the
# scheduler's tracepoints, code every vCPU runs all the time, and patching
# it under multi-threaded TCG is the likeliest way to an "Oops: int3" that
# panics the guest (an Oops in ttwu_do_activate() was seen).  Natively the
# CPUs stay as they are.
enable_batch_trace() {
	sleep 1000000 >/dev/null 2>&1 &
	TRACE_PID_HOLDER=$!
	with_other_cpus_offline_in_vm enable_batch_trace_now $TRACE_PID_HOLDER
}

# Natively the pid list's first process goes when the plan ends (native.sh
# puts the list back as it was).
end_batch_trace() {
	[ -z "${TRACE_PID_HOLDER:-}" ] || kill "$TRACE_PID_HOLDER" 2>/dev/null || true
	# Natively the workers' instance goes too; in the VM it stays on, as
	# turning it off would patch text with every vCPU running.
	if [ -n "${MIGOFF_PARAMS+set}" ] && [ -d $WORKERS_TRACE ]; then
		echo 0 >$WORKERS_TRACE/events/workqueue/workqueue_execute_start/enable
		rmdir $WORKERS_TRACE
	fi
}

# The trace instance that records which CPU ran each work item (mtcopy's
# helpers are work items), for the whole plan: the tests read it and never
# switch its event, since switching a tracepoint patches the text of
# process_one_work(), which every vCPU's kworkers run (multi-threaded TCG
# died of an Oops: int3 there when a test switched it itself).
WORKERS_TRACE=$TRACING/instances/workers

enable_batch_trace_now() { # PID
	set_knob $TRACING/options/event-fork 1 &&
		echo "$1" >$TRACING/set_event_pid && set_knob $BATCH_EVENT 1 &&
		set_knob $CALL_EVENT 1 && set_knob $COMPACTION_EVENT 1 && mkdir -p $WORKERS_TRACE &&
		set_knob $WORKERS_TRACE/events/workqueue/workqueue_execute_start/enable 1
}

# Run COMMAND with every CPU but CPU 0 offline (in the VM; natively, or if
# a CPU will not go offline, as they are), and bring them back.
with_other_cpus_offline_in_vm() { # COMMAND...
	local c offlined='' rc
	if [ -z "${MIGOFF_PARAMS+set}" ]; then
		for c in /sys/devices/system/cpu/cpu[1-9]*/online; do
			if [ "$(cat "$c")" = 1 ] && echo 0 >"$c"; then offlined="$offlined $c"; fi
		done
	fi
	"$@"
	rc=$?
	for c in $offlined; do
		echo 1 >"$c" || { echo "# could not bring ${c%/online} back online"; rc=1; }
	done
	return $rc
}

# The value of COUNTER in /proc/vmstat.
vmstat_of() { # COUNTER
	awk -v c="$1" '$1 == c { print $2 }' /proc/vmstat
}

# The number of batches in /tmp/trace whose line contains WORD.
traced_batches() { # WORD
	grep -cF -- "$1" /tmp/trace
}

# The batches in /tmp/trace that returned RET (0 or a negative errno).
traced_batches_returning() { # RET
	grep -c " ret=$1\$" /tmp/trace
}

# The number of migrate_pages() calls of REASON in /tmp/trace-calls that
# migrated something.
traced_calls_that_moved() { # REASON
	grep -F " reason=$1" /tmp/trace-calls | grep -vc 'nr_succeeded=0 '
}

# The batches in TRACE_FILE (default /tmp/trace) in which the migrator
# left folios to the CPU (copied fewer than it was handed): their lines,
# and their number.
traced_fallback_lines() { # [TRACE_FILE]
	awk '{ f = c = "" }
	     match($0, / folios=[0-9]+ /) { f = substr($0, RSTART + 8, RLENGTH - 9) }
	     match($0, / copied=[0-9]+ /) { c = substr($0, RSTART + 8, RLENGTH - 9) }
	     f != "" && c != "" && f != c' "${1:-/tmp/trace}"
}

traced_fallback_batches() { # [TRACE_FILE]
	traced_fallback_lines "$@" | wc -l
}

plan_nodes
