#!/bin/sh
# The guest test plan.  Prints KTAP as it goes, then repeats the whole
# report between markers with kernel console messages held back, so the host
# parses lines no printk was interleaved with; then the whole kernel log, so
# the host also scans what was printed while console messages were held back.
#
# The plan is the same whatever the kernel under test offers: a feature that
# is missing fails its tests, it does not shrink the plan.  The host knows
# how many results each part must print (run-tests.sh, GUEST_PLAN).
# The plan's directory: /plan in the VM, MIGOFF_PLAN natively.
P=${MIGOFF_PLAN:-/plan}
. "$P/ktap_helpers.sh"
. "$P/lib.sh"
. "$P/offload.sh"
. "$P/drivers.sh"
. "$P/workloads.sh"
. "$P/tiering.sh"

SIZES="4K 16K 64K 256K 1M 2M"
# The KUnit suites the kernel must have run: the series' own (a module,
# loaded here) and the kernel's list suites (built in, run at boot).
KUNIT_SUITES="migrate_offload list-kunit-test hlist klist"

# A KUnit suite that ran passes if its results end in "ok N <suite>".  The
# results go to a section of their own for the host to count the cases.
test_kunit_suite() {
	local results=/sys/kernel/debug/kunit/$1/results
	[ -f "$results" ] || { echo "# no results for suite $1"; return 1; }
	sed 's/^/# /' "$results"
	grep -qE "^ok [0-9]+ $1\$" "$results"
}

kunit_sections() {
	local s
	for s in $KUNIT_SUITES; do
		begin_section "kunit-$s"
		cat "/sys/kernel/debug/kunit/$s/results" 2>/dev/null
		end_section "kunit-$s"
	done
}

# Nodes 0 and 1 with CPUs and memory; with migoff.tiered (vm.sh --tiered)
# also node 2, memory without CPUs, which the kernel put in a lower memory
# tier than nodes 0 and 1 from the firmware's HMAT.  Natively: the nodes
# native mode found (plan_nodes in lib.sh), whatever else there is: the
# near node with CPUs, the far one with memory, a slow node without CPUs.
test_numa_topology() {
	local d tier01 tier2
	run_quoted numactl --hardware || return 1
	if native_plan; then
		echo "# near node $NEAR_NODE, far node $FAR_NODE, fast and slow node ${FAST_NODE:-none} ${SLOW_NODE:-none}"
		grep -q "^node $NEAR_NODE cpus: [0-9]" /tmp/run.out &&
			grep -q "^node $FAR_NODE size: [1-9]" /tmp/run.out &&
			{ [ -z "$SLOW_NODE" ] || grep -qx "node $SLOW_NODE cpus: *" /tmp/run.out; }
		return
	fi
	if ! grep -q 'migoff\.tiered' /proc/cmdline; then
		grep -q '^available: 2 nodes (0-1)' /tmp/run.out
		return
	fi
	for d in /sys/devices/virtual/memory_tiering/memory_tier*; do
		echo "# ${d##*/}: nodes $(cat "$d/nodelist")"
		case $(cat "$d/nodelist") in
		0-1) tier01=${d##*memory_tier} ;;
		2) tier2=${d##*memory_tier} ;;
		esac
	done
	grep -q '^available: 3 nodes (0-2)' /tmp/run.out && grep -qx 'node 2 cpus: *' /tmp/run.out &&
		[ -n "$tier01" ] && [ -n "$tier2" ] && [ "$tier2" -gt "$tier01" ]
}

# The main part: everything but the switching tests.
main_plan() {
	local s
	ktap_print_header
	ktap_set_plan $((2 + $(echo $KUNIT_SUITES | wc -w) + 3 + OFFLOAD_TESTS +
		DRIVER_TESTS + $(workloads_tests) + TIERING_TESTS + DRIVER_FINAL_TESTS))
	setup_mm

	ktap_test_result "kunit: module migrate_offload_test loads" modprobe migrate_offload_test
	for s in $KUNIT_SUITES; do
		test_needing "kunit:$s" "kunit: $s" test_kunit_suite "$s"
	done
	ktap_test_result "numa: two nodes with CPUs and memory (tiered: and a slower node without CPUs)" test_numa_topology
	test_needing destructive "swap: on, on zram" setup_swap
	ktap_test_result "ksm: ksmd running" setup_ksm
	ktap_test_result "trace: batch and migrate_pages events on, recording only the processes of each test" enable_batch_trace
	offload_plan
	drivers_plan
	workloads_plan
	tiering_plan
	drivers_final_plan
	offload_stats
	ktap_print_totals
}

# The switching part: the active migrator changes (static call and static
# key patched) while migrations run.
switch_plan() {
	ktap_print_header
	ktap_set_plan $((OFFLOAD_SWITCH_TESTS + DRIVER_SWITCH_TESTS))
	setup_mm
	enable_batch_trace
	set_largest_batch
	offload_switch_plan
	drivers_switch_plan
	ktap_print_totals
}

# migoff.configs (comma-separated) narrows the migrator configurations the
# data tests run under (default: all of MIGRATOR_CONFIGS; "nodata": none,
# the data tests are left out); the host sets it for the debug kernel and
# knows the plan size that follows.
configs=$(param configs | tr ',' ' ')
case $configs in
'') ;;
nodata) MIGRATOR_CONFIGS= ;;
*) MIGRATOR_CONFIGS=$configs ;;
esac

# migoff.sizes (comma-separated) narrows SIZES, the folio sizes of the
# move_pages integrity tests; the host sets it for the debug kernel too.
sizes=$(param sizes | tr ',' ' ')
[ -z "$sizes" ] || SIZES=$sizes

# A developer's part, never run by run-tests.sh: the data tests alone, e.g.
# scripts/vm.sh patched test LOG migoff.part=workloads migoff.configs=none,cpu
workloads_only_plan() {
	ktap_print_header
	ktap_set_plan $((3 + $(workloads_tests)))
	setup_mm
	ktap_test_result "trace: batch and migrate_pages events on" enable_batch_trace
	set_largest_batch
	ktap_test_result "swap: on, on zram" setup_swap
	ktap_test_result "ksm: ksmd running" setup_ksm
	modprobe swdma channels=2 && modprobe mtcopy && modprobe dcbm channels=2
	workloads_plan
	ktap_print_totals
}

# A developer's part, never run by run-tests.sh: the KUnit suites alone.
# The tiering tests alone, under every configuration (boot vm.sh --tiered).
tiering_only_plan() {
	local c s
	ktap_print_header
	ktap_set_plan $((2 + 4 * $(echo $MIGRATOR_CONFIGS | wc -w) + TIERING_TESTS))
	setup_mm
	ktap_test_result "trace: batch and migrate_pages events on" enable_batch_trace
	ktap_test_result "swap: on, on zram" setup_swap
	set_largest_batch
	modprobe swdma channels=2 && modprobe mtcopy && modprobe dcbm channels=2
	for c in $MIGRATOR_CONFIGS; do
		ktap_test_result "$c: configured" use_config "$c"
		for s in 4K 2M; do
			ktap_test_result "$c: tiering: $s folios demoted, promoted" tier_test "$s" 30
		done
		ktap_test_result "$c: tiering: DAMON moves 2M folios cold and back hot" tier_damon_test 2M
	done
	tiering_plan
	ktap_print_totals
}

kunit_only_plan() {
	local s
	ktap_print_header
	ktap_set_plan $((1 + $(echo $KUNIT_SUITES | wc -w)))
	ktap_test_result "kunit: module migrate_offload_test loads" modprobe migrate_offload_test
	for s in $KUNIT_SUITES; do
		ktap_test_result "kunit: $s" test_kunit_suite "$s"
	done
	ktap_print_totals
}

# A developer's part, never run by run-tests.sh: the drivers' tests alone.
drivers_only_plan() {
	ktap_print_header
	ktap_set_plan $((1 + DRIVER_TESTS))
	setup_mm
	ktap_test_result "trace: batch and migrate_pages events on" enable_batch_trace
	set_largest_batch
	drivers_plan
	ktap_print_totals
}

# A developer's part, never run by run-tests.sh: one test function of the
# drivers' plan, migoff.repeat times (default 10), to chase a rare failure:
# scripts/vm.sh patched test LOG migoff.part=repeat migoff.test=test_dcbm_busy_channel
# With migoff.config, a data test under that configuration of the workloads:
# scripts/vm.sh --tiered patched test LOG migoff.part=repeat \
#	migoff.config=dcbm:channels=1 migoff.test=offline_test movablecore=512M
repeat_plan() {
	local fn=$(param test) n=$(param repeat) config=$(param config) i
	n=${n:-10}
	ktap_print_header
	ktap_set_plan $((1 + n))
	setup_mm
	ktap_test_result "trace: batch and migrate_pages events on" enable_batch_trace
	set_largest_batch
	modprobe swdma channels=2 && modprobe mtcopy && load_dcbm 2
	set_knob $MIGRATORS/dcbm/timeout_ms 300
	[ -z "$config" ] || { set_knob $MIGRATORS/dcbm/timeout_ms $WORKLOAD_TIMEOUT_MS &&
		use_config "$config"; }
	for i in $(seq $n); do
		test_needing swdma "$fn, run $i of $n" $fn
	done
	ktap_print_totals
}

# A developer's part, never run by run-tests.sh: the emulator's slow mode,
# shown by guest/kmod/tlbalias.c: 64 MiB copied with copy_mc_to_kernel() in
# 2M blocks to a 2M-aligned destination and to one a page past it, on two
# CPUs, three times; rows TLBALIAS,<offset pages>,<cpu>,<bytes>,<ns>,<status>.
# scripts/vm.sh patched test LOG migoff.part=tlbalias
tlbalias_plan() {
	local dbg=/sys/kernel/debug/tlbalias round cpu offset row bad=0
	ktap_print_header
	ktap_set_plan 1
	modprobe tlbalias || bad=1
	for round in 1 2 3; do
		for cpu in 0 1; do
			for offset in 0 1; do
				echo "$offset $cpu" >$dbg && row=$(cat $dbg) || row=failed
				echo "TLBALIAS,$row"
				case $row in *,ok) ;; *) bad=1 ;; esac
			done
		done
	done
	rmmod tlbalias
	ktap_test_result "tlbalias: every copy made and every byte checked" test $bad = 0
	ktap_print_totals
}

plan() {
	case $(param part) in
	tlbalias) tlbalias_plan ;;
	drivers) drivers_only_plan ;;
	repeat) repeat_plan ;;
	switch) switch_plan ;;
	workloads) workloads_only_plan ;;
	kunit) kunit_only_plan ;;
	tiering) tiering_only_plan ;;
	*) main_plan ;;
	esac
}

{
	plan
	end_batch_trace
} 2>&1 | tee /tmp/plan.tap
dmesg -n 1
begin_section tap
cat /tmp/plan.tap
end_section tap
kunit_sections
dmesg -n 7
begin_section dmesg
kernel_log
end_section dmesg
