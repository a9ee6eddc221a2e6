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
scripts/tree.sh

mkdir -p "$RESULTS"
echo "TAP version 13"

# Host checks of the series itself.
patches=$(find "$REPO/patches" -name '*.patch' ! -name '0000-cover-letter.patch' | sort)
if [ -n "$patches" ]; then
	# shellcheck disable=SC2086 # one argument per patch
	check "series: checkpatch --strict clean" \
		"$LINUX/scripts/checkpatch.pl" --no-tree --strict --quiet --ignore FILE_PATH_CHANGES $patches
	check "series: the work tree exports back to patches/ unchanged" series_round_trips
	count_host_tap < <(scripts/check-series.sh 2>&1)
else
	result skip "series: checkpatch --strict clean (no patches yet)"
fi

run_plan() { # run_plan FLAVOUR
	local flavour=$1 log=$RESULTS/test-$1.log
	scripts/build.sh "$flavour" >&2
	scripts/initramfs.sh "$flavour" >&2
	check "$flavour: VM booted, ran the plan and powered off" scripts/vm.sh "$flavour" test "$log"
	count_guest_tap "$flavour" "$log"
	check_kernel_log "$flavour" "$log"
}

run_plan patched
run_plan debug
summary
