#!/usr/bin/env bash
# Run every test: build the patched kernel and its debug variant (lockdep,
# KASAN, DEBUG_VM, DMA-API debug), boot each in the two-node NUMA VM,
# run the guest test plan, scan the kernel log; plus host-side checks of the
# series.  Prints one result per line and closes with "N passed, N failed";
# exits non-zero on any failure.  Console logs go to results/.
#
# --native [--destructive]: no VM; the test plan's main part runs on this
# machine, which must run a kernel with the series (scripts/native.sh
# test), skipping, each with its reason, what would damage the machine
# unless --destructive is given (see docs/hardware.md).
# MIGOFF_CONFIGS narrows the migrator configurations of its data tests
# (e.g. "nodata", or "none,dcbm:channels=2").
set -euo pipefail
cd "$(dirname "$0")"
native_mode=
destructive=
case ${1:-}:${2:-} in
:) ;;
--native:) native_mode=1 ;;
--native:--destructive) native_mode=1 destructive=--destructive ;;
*) echo "usage: $0 [--native [--destructive]]" >&2; exit 2 ;;
esac
. scripts/common.sh
. scripts/results.sh

scripts/deps.sh
mkdir -p "$RESULTS"
echo "TAP version 13"
# A series that does not apply is a failure like any other, not a crash.
if ! scripts/tree.sh; then
	result fail "series: patches/ applies to linux-source-$KVER"
	summary
	exit 1
fi

# Host checks of the series itself; the patch-by-patch builds
# (check-series.sh) run in the background (series_build_checks).
series_checks() {
	local patches
	patches=$(find "$REPO/patches" -name '*.patch' ! -name '0000-cover-letter.patch' | sort)
	if [ -n "$patches" ]; then
		# shellcheck disable=SC2086 # one argument per patch
		check "series: checkpatch --strict clean" \
			"$LINUX/scripts/checkpatch.pl" --no-tree --strict --quiet --ignore FILE_PATH_CHANGES $patches
		# shellcheck disable=SC2086 # one argument per patch
		check "series: each patch applies to the base in order, no whitespace error" \
			series_applies_to_base $patches
		check "series: the work tree exports back to patches/ unchanged" series_round_trips
	else
		result skip "series: checkpatch --strict clean (no patches yet)"
	fi
}

# What each part of the guest plan must show on a patched kernel (patched
# and debug flavours alike), whatever the kernel offers: the number of
# results (the guest's plan does not depend on the kernel, so a feature
# that vanished fails its tests instead of shrinking the plan), and the
# series' KUnit suite with its number of cases.  Change these with the
# plan and the suite.
# The data tests run under every migrator configuration on the patched
# kernel.  The debug kernel runs them under dcbm on two channels of a
# swdma that offers DMA_MEMCPY_SG, the migrator with the most code on the
# batch path (DMA mapping of lists and of segments, channel sharing,
# completion callbacks, the lost/poisoned protocol), with the
# move_pages integrity tests at two folio sizes of the six (64K: many
# folios per batch; 2M: a THP split across both channels): all of them
# under every migrator took the debug main part past 30 minutes.
# Lockdep, KASAN, DEBUG_VM and DMA-API debug also see the batch path in
# the drivers' tests (dcbm under every injected fault, mtcopy with a node
# without CPUs), the tiering tests at the shipped minimums, and the
# switching boot (all migrators switched and reloaded under stress-ng,
# mtcopy across CPU hotplug).
CONFIGS_patched=
SIZES_patched=
CONFIGS_debug=dcbm:sg-channels=2
SIZES_debug=64K,2M
# The main part: 59 tests, and per migrator configuration 24 more plus
# two per folio size of the move_pages integrity tests.
GUEST_PLAN_nodata=59
per_config_tests() { echo $((24 + 2 * $1)); } # NUMBER_OF_SIZES
GUEST_PLAN_per_config=$(per_config_tests 6)
GUEST_PLAN_main_patched=$((GUEST_PLAN_nodata + 6 * GUEST_PLAN_per_config))
GUEST_PLAN_main_debug=$((GUEST_PLAN_nodata + $(per_config_tests 2)))
GUEST_PLAN_switch_patched=6
GUEST_PLAN_switch_debug=6
KUNIT_CASES_migrate_offload=20
# The one test a flavour may skip: the patched kernel has no DMA-API debug.
ALLOWED_SKIP_patched="drivers: no DMA mapping left behind (DMA-API debug)"

# Native mode (--native): the plan's main part on this machine.  Its size
# follows the configurations it ran (MIGNATIVE_PARAMS in its log); beyond
# the test above it may skip only for native mode's reasons (read from
# NATIVE_SKIP_* in guest/plan/lib.sh, which prints them); it must have put
# the machine's settings back.
# MIGOFF_NATIVE_LOG: check a log made elsewhere (CI: inside the VM).
native_skip_reasons() { sed -n 's/^NATIVE_SKIP_[a-z_]*="\(.*\)"$/\1/p' guest/plan/lib.sh; }
native_plan_size() { # LOG
	local configs
	configs=$(sed -n 's/^MIGNATIVE_PARAMS,.*migoff\.configs=\([^ ]*\).*/\1/p' "$1")
	case $configs in
	'') echo "$GUEST_PLAN_main_patched" ;;
	nodata) echo "$GUEST_PLAN_nodata" ;;
	*) echo $((GUEST_PLAN_nodata + $(tr ',' '\n' <<<"$configs" | wc -l) * GUEST_PLAN_per_config)) ;;
	esac
}

run_native_tests() {
	local log=$RESULTS/test-native.log
	if [ -n "${MIGOFF_NATIVE_LOG:-}" ]; then
		cp "$MIGOFF_NATIVE_LOG" "$log"
	else
		# shellcheck disable=SC2086 # no argument, or one
		scripts/native.sh test "$log" $destructive || true
	fi
	grep '^MIGNATIVE' "$log" | sed 's/^/# /'
	check "native: the plan ran and put the machine's settings back" \
		grep -qx 'native: plan exit 0; settings restored' "$log"
	SKIP_REASONS="$(native_skip_reasons)" count_guest_tap native "$log" "$(native_plan_size "$log")" \
		"$ALLOWED_SKIP_patched"
	check_kunit_cases native "$log" migrate_offload "$KUNIT_CASES_migrate_offload"
	check_kernel_log native "$log"
}

# movablecore=512M puts the top of the memory above 4 GiB in ZONE_MOVABLE,
# where memory that is meant to go offline is onlined: the slow node's top
# 340M and node 1's top 168M.  The memory hotplug test offlines a block of
# the slow node there, which only movable pages (and what early boot
# reserved at the node's top) can occupy, and the kcompactd test fragments
# that zone.  The benchmark's tiering phase, with its working set sized to
# the fast node's free memory, found nothing to promote or demote with it.
# numa_cma reserves a CMA area of 64M on the slow node, which lends its
# pages to movable allocations until the contiguous allocation test takes
# it whole.
MAIN_PART_ARGS="movablecore=512M numa_cma=2:64M"

# One boot of FLAVOUR running one part of the guest plan.
boot_part() { # boot_part FLAVOUR PART
	local name="$1${2:+ ($2)}" log=$RESULTS/test-$1-${2:-main}.log \
		plan_var=GUEST_PLAN_${2:-main}_$1 skip_var=ALLOWED_SKIP_$1 configs_var=CONFIGS_$1 \
		sizes_var=SIZES_$1
	rm -f "$log"
	# Both parts boot with node 2 (memory, no CPUs, a lower tier): the main
	# part's tiering tests and mtcopy's test of a node without CPUs need it,
	# and native mode in the switching part must find it as the slow node.
	# The main part's memory above 4 GiB ends in ZONE_MOVABLE
	# (MAIN_PART_ARGS); not the switching part's, whose native benchmark
	# measures tiering as the benchmark does, on the VM as it is.
	# shellcheck disable=SC2046 # no argument, or some
	check "$name: VM booted, ran the plan and powered off" \
		scripts/vm.sh --tiered "$1" test "$log" ${2:+migoff.part=$2} \
		$([ -n "${2:-}" ] || echo "$MAIN_PART_ARGS") \
		$([ -z "${!configs_var}" ] || echo "migoff.configs=${!configs_var}") \
		$([ -z "${!sizes_var}" ] || echo "migoff.sizes=${!sizes_var}") \
		$([ "${2:-}" != switch ] || native_args "$1")
	count_guest_tap "$name" "$log" "${!plan_var}" "${!skip_var:-}"
	check_test_names "$name" "$log" "$REPO/guest/plan/expected/$1-${2:-main}.txt"
	[ -n "${2:-}" ] || check_kunit_cases "$name" "$log" migrate_offload "$KUNIT_CASES_migrate_offload"
	check_kernel_log "$name" "$log"
	[ "${2:-}" != switch ] || native_checks "$1" "$log"
}

# Native mode runs inside a flavour's switching boot when NATIVE_FLAVOUR
# (the benchmark: moved total and repetitions) or NATIVE_TESTS_FLAVOUR
# (the test plan: its data tests' configurations, as migoff.configs) is
# set: the kernel arguments that ask for them, and their checks.
native_args() { # FLAVOUR
	local bench_var=NATIVE_$1 tests_var=NATIVE_TESTS_$1 bench
	bench=${!bench_var:-}
	# TOTAL REPS TIERREPS: TOTAL,REPS,LATREPS=REPS,SPANREPS=0,TIERREPS
	[ -z "$bench" ] || echo "migoff.native=$(awk '{ print $1 "," $2 "," $2 ",0," $3 }' <<<"$bench")"
	[ -z "${!tests_var:-}" ] || echo "migoff.nativetests=${!tests_var} migoff.nativenodes=$NATIVE_TEST_NODES"
}

native_checks() { # FLAVOUR SWITCH_LOG
	local bench_var=NATIVE_$1 tests_var=NATIVE_TESTS_$1
	[ -z "${!bench_var:-}" ] || check_native "$2" "${!bench_var}"
	[ -z "${!tests_var:-}" ] || check_native_tests "$2" "$RESULTS/test-$1-main.log"
}

# Native mode (scripts/native.sh, which ./run-benchmark.sh --native runs on
# a machine booted into the series) with the VM as the machine: the guest's
# init runs it before the plan of the patched kernel's switching boot (on
# single-threaded TCG: putting the trace events back as they were patches
# kernel text, which multi-threaded TCG can trip over, see below), moving
# NATIVE_patched's total with its repetitions, no batch-span part, and the
# tiering part (--tiering) with its repetitions.  The host makes its tables
# as run-benchmark.sh --native does: every cell must be ok, the tiering
# table's too; it must have found what the VM has (4 CPUs: mtcopy with 1, 2 and
# 4 threads; no real DMA engine: dcbm on swdma, labelled so; the moves
# from node 0 to node 1, tiering from node 1 to node 2); and the settings
# and modules must be as before it ran.
NATIVE_patched="16M 1 1"
check_native() { # LOG "TOTAL REPS TIERREPS"
	local dir=$RESULTS/native total reps tierreps
	read -r total reps tierreps <<<"$2"
	mkdir -p "$dir"
	native_section "$1" native >"$dir/native.log"
	grep '^MIGNATIVE,' "$dir/native.log" | sed 's/^/# /'
	# The reports are then fed this run's CSVs, broken (check-reports.sh).
	if env MIGOFF_NATIVE_LOG="$dir/native.log" MIGOFF_RESULTS="$dir" MIGOFF_REPS="$reps" \
		MIGOFF_LATREPS="$reps" MIGOFF_SPANREPS=0 bash -c './run-benchmark.sh --native >"$0/report.txt" 2>&1' "$dir"; then
		result pass "native: ./run-benchmark.sh --native with the VM as the machine: every cell ok (tables in results/native)"
		scripts/check-reports.sh "$dir" | count_host_tap
	else
		result fail "native: ./run-benchmark.sh --native with the VM as the machine: every cell ok (tables in results/native)"
		result fail "reports: fail on broken input (no passing run's CSVs to break)"
	fi
	check "native: found the VM's 4 CPUs and no real DMA engine (mtcopy 1, 2, 4 threads; dcbm on swdma, labelled)" \
		grep -q '^MIGNATIVE_PARAMS,.* migoff.migrators=none,cpu,mtcopy:threads=1,mtcopy:threads=2,mtcopy:threads=4,dcbm:channels=1,dcbm:channels=2 migoff.swdma=1' \
		"$dir/native.log"
	check "native: found the VM's nodes (moves from node 0 to node 1; tiering from node 1 to node 2 without CPUs)" \
		grep -q '^MIGNATIVE,.*,moves=0->1,tiering=1->2,' "$dir/native.log"
	check "native: its tiering part (--tiering) ran under none, cpu, mtcopy and dcbm, each row ok (results/native/tier.md)" \
		native_tier_rows "$dir/tier.md" "$tierreps"
	check "native: leaves the migration settings and the loaded modules as it found them" \
		cmp <(log_section "$1" settings-before) <(log_section "$1" settings-after)
}

# The native tiering table has a row of REPS repetitions for each migrator
# the tiering part runs under, and no failed one.
native_tier_rows() { # TIER_MD REPS
	local run
	for run in none cpu mtcopy:threads=2 'dcbm(swdma):channels=2'; do
		grep -qF "| native+$run | $2 | " "$1" || { echo "# no tiering row for native+$run"; return 1; }
	done
	! grep -q FAILED "$1"
}

# A native run's log as the guest's init printed it (its own sections
# renamed, not to be taken for the boot's).
native_section() { # LOG NAME
	log_section "$1" "$2" | sed 's/^=== migoff-native /=== migoff /'
}

# And ./run-tests.sh --native with the VM as the machine, in the same boot,
# its data tests left out (NATIVE_TESTS_patched, as migoff.configs), moving
# from node 1 to node 0 (NATIVE_TEST_NODES, as MIGOFF_NODES: the plan and
# its programs must take the nodes they are given, not nodes 0 and 1): it
# must pass as the host's native mode counts it; it must have moved
# between the nodes it was given; every test it ran must have the result
# the same test had in the main part (VM mode, same kernel), and every
# test it skipped must have passed there (native mode skips for its own
# reasons, never to hide a failure); and the machine's settings, modules
# and swap must be as before.
NATIVE_TESTS_patched=nodata
NATIVE_TEST_NODES=1,0
check_native_tests() { # SWITCH_LOG MAIN_LOG
	local dir=$RESULTS/native
	mkdir -p "$dir"
	native_section "$1" native-test >"$dir/native-test.log"
	check "native: ./run-tests.sh --native with the VM as the machine passes (results/native/tests.txt)" \
		env MIGOFF_NATIVE_LOG="$dir/native-test.log" MIGOFF_RESULTS="$dir" \
		bash -c './run-tests.sh --native >"$0/tests.txt" 2>&1' "$dir"
	grep -E '^(not ok|# )' "$dir/tests.txt" | head -n 20
	check "native: the test plan moved between the nodes it was given ($NATIVE_TEST_NODES), never between nodes 0 and 1" \
		moved_between "$dir/native-test.log" "${NATIVE_TEST_NODES%,*}" "${NATIVE_TEST_NODES#*,}"
	check "native: the test plan's results natively are the VM mode's (each test run natively has its result in the VM)" \
		same_results_as_vm "$dir/native-test.log" "$2"
	check "native: the test plan leaves the settings, the loaded modules and swap as it found them" \
		cmp <(log_section "$1" test-settings-before) <(log_section "$1" test-settings-after)
}

# The plan's tests named NEAR and FAR as its nodes, and their buffers went
# between them (migrate_integrity says between which nodes it moved), not
# between nodes 0 and 1.
moved_between() { # LOG NEAR FAR
	grep -q "^# near node $2, far node $3," "$1" &&
		grep -q "between node $2 and node $3\$" "$1" && ! grep -q 'between node 0 and node 1$' "$1"
}

# A plan's results: "NAME<TAB>ok|not ok|skip", sorted by name.
tap_results() { # LOG
	tap_lines "$1" | awk -F'\t' '{ print $2 "\t" $1 }' | sort -t $'\t' -k1,1
}

same_results_as_vm() { # NATIVE_LOG VM_LOG
	local missing differ
	missing=$(join -t $'\t' -v1 <(tap_results "$1") <(tap_results "$2") | cut -f1)
	differ=$(join -t $'\t' <(tap_results "$1") <(tap_results "$2") |
		awk -F'\t' '$2 != $3 && !($2 == "skip" && $3 == "ok") { print $1 ": native " $2 ", VM " $3 }')
	[ -z "$missing" ] || sed 's/^/# not in the VM'"'"'s plan: /' <<<"$missing"
	[ -z "$differ" ] || sed 's/^/# /' <<<"$differ"
	[ -z "$missing" ] && [ -z "$differ" ] && [ -n "$(tap_results "$1")" ]
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
# While its boots run, a build no boot waits for runs in the background
# (BUILD: a name, then the command).
run_plan() { # run_plan FLAVOUR [BUILD COMMAND...]
	local flavour=$1 built=1
	shift
	scripts/build.sh "$flavour" >&2 && scripts/initramfs.sh "$flavour" >&2 || built=
	[ $# -eq 0 ] || start_in_background "$@"
	if [ -z "$built" ]; then
		result fail "$flavour: kernel and initramfs build"
		return
	fi
	boot_part "$flavour"
	MIGOFF_TCG_THREAD=single boot_part "$flavour" switch
}

# Builds no boot waits for (make deb, the series' patch-by-patch builds)
# run in the background while a flavour's VM boots, at idle priority
# (SCHED_IDLE, idle I/O class): the guest keeps every cycle it asks for,
# and the build gets what the guest leaves idle (see docs/workbench.md, Build times).
# Output in $RESULTS/NAME.log, exit status in $RESULTS/NAME.status;
# finish_background waits and gives the status.
declare -A BACKGROUND
start_in_background() { # NAME COMMAND...
	local name=$1
	shift
	msg "$name: building in the background ($RESULTS/$name.log)"
	rm -f "$RESULTS/$name.status"
	{
		local rc=0
		chrt --idle 0 ionice -c 3 "$@" >"$RESULTS/$name.log" 2>&1 || rc=$?
		echo $rc >"$RESULTS/$name.status"
	} &
	BACKGROUND[$name]=$!
}

# The status is the one the job wrote, not wait's: in a pre-check
# (2026-12-06) bash had lost the status of a make deb that had succeeded
# 25 minutes before ("wait: pid N is not a child of this shell"; pids,
# at most 32768 here, had wrapped around meanwhile; the loss could not be
# made to happen again in a small script), and counted it failed.  wait
# still waits for a job that is running.
finish_background() { # NAME
	local pid=${BACKGROUND[$1]:-}
	[ -n "$pid" ] || { echo "# $1: never started" >&2; return 1; }
	wait "$pid" 2>/dev/null || true
	if [ "$(cat "$RESULTS/$1.status" 2>/dev/null)" != 0 ]; then
		echo "# $1 failed; the end of $RESULTS/$1.log:"
		tail -n 20 "$RESULTS/$1.log" | sed 's/^/# /'
		return 1
	fi
}

# The patch-by-patch build checks (scripts/check-series.sh): its own results.
series_build_checks() {
	finish_background check-series || true
	count_host_tap <"$RESULTS/check-series.log"
	check "series: check-series.sh ran to its last check" \
		grep -q 'offload=n leaves mm/migrate.o' "$RESULTS/check-series.log"
}

# make deb from the lean config: the packaging a distribution config gets
# (which takes hours on two cores), built from the patched kernel's objects
# in ccache, and the packages' contents checked.
deb_packages() {
	if finish_background deb; then
		result pass "deb: make deb builds the patched kernel's packages (lean config)"
		check "deb: the packages hold the kernel, the series' modules and the offload options" \
			deb_holds_the_series
	else
		result fail "deb: make deb builds the patched kernel's packages (lean config)"
		result fail "deb: the packages hold the kernel, the series' modules and the offload options"
	fi
}

if [ -n "$native_mode" ]; then
	run_native_tests
else
	series_checks
	run_plan patched deb env DEB_CONFIG=lean scripts/deb.sh
	run_plan debug check-series scripts/check-series.sh
	deb_packages
	series_build_checks
fi
summary
