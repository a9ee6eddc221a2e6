# Helpers for the guest plans (busybox sh); sourced.

# The plans run as the VM's init, their parameters on the kernel command
# line, or natively (scripts/native.sh), their parameters in MIGOFF_PARAMS.
params() {
	if [ -n "${MIGOFF_PARAMS+set}" ]; then echo "$MIGOFF_PARAMS"; else cat /proc/cmdline; fi
}
param() { params | sed -n "s/.*migoff\.$1=\([^ ]*\).*/\1/p"; }

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

# Run COMMAND (as run_quoted does) with the series' batch tracepoint
# recording only COMMAND's process and the tasks it starts (set_event_pid
# with event-fork), so migrations by anyone else, kcompactd or an earlier
# test, are not counted.  The batches are left in /tmp/trace, the
# migrate_pages() calls (migrate:mm_migrate_pages) in /tmp/trace-calls.
traced_run() { # COMMAND...
	local rc
	# shellcheck disable=SC2016 # $$ is the traced shell's, which execs COMMAND
	run_quoted sh -c 'echo $$ >>'$TRACING'/set_event_pid && echo >'$TRACING'/trace && exec "$@"' \
		traced "$@"
	rc=$?
	grep 'migrate_offload_batch:' $TRACING/trace >/tmp/trace
	grep 'mm_migrate_pages:' $TRACING/trace >/tmp/trace-calls
	return $rc
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
	with_other_cpus_offline_in_vm enable_batch_trace_now $!
}

enable_batch_trace_now() { # PID
	set_knob $TRACING/options/event-fork 1 &&
		echo "$1" >$TRACING/set_event_pid && set_knob $BATCH_EVENT 1 &&
		set_knob $CALL_EVENT 1
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

# The number of batches in /tmp/trace whose line contains WORD.
traced_batches() { # WORD
	grep -cF -- "$1" /tmp/trace
}

# The number of migrate_pages() calls of REASON in /tmp/trace-calls that
# migrated something.
traced_calls_that_moved() { # REASON
	grep -F " reason=$1" /tmp/trace-calls | grep -vc 'nr_succeeded=0 '
}

# The number of batches in /tmp/trace in which the migrator left folios to
# the CPU (copied fewer than it was handed).
traced_fallback_batches() {
	sed -n 's/.* folios=\([0-9]*\) copied=\([0-9]*\) .*/\1 \2/p' /tmp/trace |
		awk '$1 != $2 { n++ } END { print n + 0 }'
}
