#!/bin/sh
# The guest test plan.  Prints KTAP as it goes, then repeats the whole
# report between markers with kernel console messages held back, so the host
# parses lines no printk was interleaved with.
. /plan/ktap_helpers.sh
. /plan/lib.sh
. /plan/offload.sh
. /plan/drivers.sh

SIZES="4K 16K 64K 256K 1M 2M"

kunit_suites() {
	ls -d /sys/kernel/debug/kunit/*/ 2>/dev/null | xargs -r -n1 basename
}

# A KUnit suite that ran at boot passes if its results end in "ok N <suite>".
test_kunit_suite() {
	local results=/sys/kernel/debug/kunit/$1/results
	sed 's/^/# /' "$results"
	grep -qE "^ok [0-9]+ $1\$" "$results"
}

test_numa_topology() {
	run_quoted numactl --hardware || return 1
	grep -q '^available: 2 nodes (0-1)' /tmp/run.out
}

# The kernel's own mm migration selftest: all six cases must pass, none skip.
test_mm_migration() {
	run_quoted migration
	grep -q 'Totals: pass:6 fail:0 xfail:0 xpass:0 skip:0 error:0' /tmp/run.out
}

# The main part: everything but the switching tests.
main_plan() {
	local suites n s offload_tests=0 driver_tests=0
	# KUnit suites built as modules run when loaded.
	modprobe -q migrate_offload_test 2>/dev/null
	suites=$(kunit_suites)
	n=$(echo "$suites" | grep -c .)
	offload_present && offload_tests=$OFFLOAD_TESTS
	offload_present && drivers_present && driver_tests=$DRIVER_TESTS

	ktap_print_header
	ktap_set_plan $((n + 3 + 2 * $(echo $SIZES | wc -w) + offload_tests + driver_tests))
	setup_mm

	ktap_test_result "kunit: suites ran at boot ($n)" [ "$n" -gt 0 ]
	for s in $suites; do
		ktap_test_result "kunit: $s" test_kunit_suite "$s"
	done
	ktap_test_result "numa: two nodes with memory" test_numa_topology
	ktap_test_result "selftests: mm: migration" test_mm_migration
	for s in $SIZES; do
		run_quoted migrate_integrity -s "$s"
		report $? "integrity: move_pages $s folios, every page and byte"
		run_quoted migrate_integrity -s "$s" -w
		report $? "integrity: move_pages $s folios under a concurrent writer"
	done
	offload_present && offload_plan
	[ "$driver_tests" = 0 ] || drivers_plan
	ktap_print_totals
}

# The switching part: the active migrator changes (static call patched)
# while migrations run.
switch_plan() {
	local tests=0
	offload_present && tests=$OFFLOAD_SWITCH_TESTS
	offload_present && drivers_present && tests=$((tests + DRIVER_SWITCH_TESTS))

	ktap_print_header
	[ $tests -gt 0 ] || { ktap_skip_all "no copy offload in this kernel"; return; }
	ktap_set_plan $tests
	setup_mm
	offload_switch_plan
	[ $tests = "$OFFLOAD_SWITCH_TESTS" ] || drivers_switch_plan
	ktap_print_totals
}

plan() {
	case $(sed -n 's/.*migoff\.part=\([a-z]*\).*/\1/p' /proc/cmdline) in
	switch) switch_plan ;;
	*) main_plan ;;
	esac
}

plan 2>&1 | tee /tmp/plan.tap
dmesg -n 1
begin_section tap
cat /tmp/plan.tap
end_section tap
