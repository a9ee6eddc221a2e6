#!/usr/bin/env bash
# Run every test: build the patched kernel and its debug variant (lockdep,
# KASAN, DEBUG_VM, DMA-API debug), boot each in the two-node NUMA VM,
# run the guest test plan, scan the kernel log; plus host-side checks of the
# series.  Prints one result per line and closes with "N passed, N failed";
# exits non-zero on any failure.  Console logs go to results/.
set -euo pipefail
cd "$(dirname "$0")"
. scripts/common.sh
. scripts/results.sh

scripts/deps.sh
mkdir -p "$RESULTS"
echo "TAP version 13"

# A series that does not apply is a failure like any other, not a crash.
if ! scripts/tree.sh; then
	result fail "series: patches/ applies to linux-source-6.12"
	summary
	exit 1
fi

# Host checks of the series itself.
patches=$(find "$REPO/patches" -name '*.patch' ! -name '0000-cover-letter.patch' | sort)
if [ -n "$patches" ]; then
	# shellcheck disable=SC2086 # one argument per patch
	check "series: checkpatch --strict clean" \
		"$LINUX/scripts/checkpatch.pl" --no-tree --strict --quiet --ignore FILE_PATH_CHANGES $patches
	# shellcheck disable=SC2086 # one argument per patch
	check "series: each patch applies to the base in order, no whitespace error" \
		series_applies_to_base $patches
	check "series: the work tree exports back to patches/ unchanged" series_round_trips
	scripts/check-series.sh >"$RESULTS/check-series.log" 2>&1 || true
	count_host_tap <"$RESULTS/check-series.log"
	check "series: check-series.sh ran to its last check" \
		grep -q 'offload=n leaves mm/migrate.o' "$RESULTS/check-series.log"
else
	result skip "series: checkpatch --strict clean (no patches yet)"
fi

# What each part of the guest plan must show on a patched kernel (patched
# and debug flavours alike), whatever the kernel offers: the number of
# results (the guest's plan does not depend on the kernel, so a feature
# that vanished fails its tests instead of shrinking the plan), and the
# series' KUnit suite with its number of cases.  Change these with the
# plan and the suite.
# The data tests run under every migrator configuration on the patched
# kernel; the debug kernel, five times slower, runs them under none, cpu
# and the default mtcopy and dcbm (the one-thread and one-channel variants
# take the same code paths), which keeps the whole run within its budget.
CONFIGS_patched=
CONFIGS_debug=none,cpu,mtcopy:threads=2,dcbm:channels=2
GUEST_PLAN_main_patched=227
GUEST_PLAN_main_debug=165
GUEST_PLAN_switch_patched=5
GUEST_PLAN_switch_debug=5
KUNIT_CASES_migrate_offload=17
# The one test a flavour may skip: the patched kernel has no DMA-API debug.
ALLOWED_SKIP_patched="drivers: no DMA mapping left behind (DMA-API debug)"

# One boot of FLAVOUR running one part of the guest plan.
boot_part() { # boot_part FLAVOUR PART
	local name="$1${2:+ ($2)}" log=$RESULTS/test-$1-${2:-main}.log \
		plan_var=GUEST_PLAN_${2:-main}_$1 skip_var=ALLOWED_SKIP_$1 configs_var=CONFIGS_$1
	local topology=--tiered
	rm -f "$log"
	# The main part also tests mtcopy with a node without CPUs (node 2).
	[ -z "${2:-}" ] || topology=
	# shellcheck disable=SC2046 # no argument, or one
	check "$name: VM booted, ran the plan and powered off" \
		scripts/vm.sh $topology "$1" test "$log" ${2:+migoff.part=$2} \
		$([ -z "${!configs_var}" ] || echo "migoff.configs=${!configs_var}")
	count_guest_tap "$name" "$log" "${!plan_var}" "${!skip_var:-}"
	[ -n "${2:-}" ] || check_kunit_cases "$name" "$log" migrate_offload "$KUNIT_CASES_migrate_offload"
	check_kernel_log "$name" "$log"
}

# The plan runs in two boots.  The main part runs on multi-threaded TCG.
# The switching part (the active migrator changes while migrations run)
# runs on single-threaded TCG: with multi-threaded TCG (QEMU 7.2) a vCPU
# can execute a stale int3 while another patches kernel text with
# text_poke_bp(), an "Oops: int3", which single-threaded TCG does not show
# (nor real CPUs); scripts/show-int3.sh shows it on the unpatched kernel.
# The main part stays on multi-threaded TCG because the mm migration
# selftest's shared-mapping cases give up after 100 busy retries when
# single-threaded TCG runs the three readers in long slices; it patches
# text only between tests (guest/plan/lib.sh, enable_batch_trace).
run_plan() { # run_plan FLAVOUR
	if ! scripts/build.sh "$1" >&2 || ! scripts/initramfs.sh "$1" >&2; then
		result fail "$1: kernel and initramfs build"
		return
	fi
	boot_part "$1"
	MIGOFF_TCG_THREAD=single boot_part "$1" switch
}

run_plan patched
run_plan debug
summary
