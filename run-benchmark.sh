#!/usr/bin/env bash
# The main job: build the kernels, boot each in the two-node NUMA VM, run the
# move_pages() benchmark per folio size, and print one table comparing them.
# Writes results/bench.csv, limit.csv, vmstat.csv, latency.csv, span.csv and
# tier.csv (raw), the summaries, the tables results/bench.md, busy.md,
# latency.md, span.md and tier.md, the plots, results/status ("ok", or
# what failed) and results/run.md (when, what, how long).  Exits 1 when a
# boot failed, a kernel report appeared or any cell of the tables failed
# (make cover-letter refuses such results); otherwise it writes
# docs/results.md and its plots (scripts/results-page.sh), to be
# committed.  Size and repetitions: MIGOFF_TOTAL (256M), MIGOFF_REPS (8),
# MIGOFF_LATREPS (11), MIGOFF_SPANREPS (10), MIGOFF_TIERREPS (8),
# MIGOFF_BUSYREPS (5: the busy-machine phase, VM runs only; 0 leaves it
# out).  The VM is the tiered one (vm.sh --tiered): node 2, memory without
# CPUs in a lower tier, is the slow node of the tiering benchmark; the
# move_pages() figures move between nodes 0 and 1.  The VM's CPU has no
# ERMS and no FSRM (scripts/vm.sh: the guest kernel then copies with
# 8-byte moves, which the emulator runs about ten times as fast as rep
# movsb, and without its slow mode); MIGOFF_ERMS=on gives them back.
#
# --native: no VM; the benchmark runs on this machine, which must run a
# kernel with the series (make deb, install, reboot), against that kernel's
# own "none" (offload off) as the reference, with the migrators and sizes
# the machine offers (scripts/native.sh); the tiering part only with
# --tiering (it pins the fast node's free memory but 192 MiB while it
# runs).  MIGOFF_SPANREPS=0 leaves the batch-span part out.
# --report: no build, no boot; the tables again from the console logs of
# the last run (results/bench-*.log), e.g. after a fix to a report script.
# --icount: the work a move costs, counted instead of timed: both kernels
# boot under QEMU's instruction counting (scripts/vm.sh, MIGOFF_ICOUNT=0)
# and move MIGOFF_ICOUNT_TOTAL (64M) per folio size of MIGOFF_ICOUNT_SIZES
# (4K,64K,2M), MIGOFF_ICOUNT_REPS (5) times under every migrator; nothing
# else.  scripts/icount-report.sh prints guest instructions per GiB moved
# and fails unless patched+none costs what vanilla costs (within 2%).
# Writes results/icount.csv, results/icount.md, results/icount-status and
# the console logs results/icount-*.log; the other results are left as
# they are.
set -euo pipefail
cd "$(dirname "$0")"
native=
report_only=
tiering=
icount=
case ${1:-}:${2:-} in
--icount:) icount=1 ;;
--native:) native=1 ;;
--native:--tiering) native=1 tiering=--tiering ;;
--report:) report_only=1 ;;
:) ;;
*) echo "usage: $0 [--native [--tiering] | --report | --icount]" >&2; exit 2 ;;
esac
. scripts/common.sh
. scripts/results.sh
TOTAL=${MIGOFF_TOTAL:-256M}
REPS=${MIGOFF_REPS:-8}

# label:flavour:extra kernel arguments.  A patched kernel measures every
# migrator of migoff.migrators in one boot, taking turns; its rows are
# <label>+<migrator>.
RUNS=(
	"vanilla:vanilla:"
	"patched:patched:migoff.migrators=none,cpu,mtcopy:threads=1,mtcopy:threads=2,dcbm:channels=1,dcbm:channels=2,dcbm:channels=2:sg=1"
)

# The guest's TAG rows of a console log, labelled LABEL (or LABEL+migrator).
guest_rows() { # guest_rows LOG TAG LABEL
	tr -d '\r' <"$1" | { grep "^$2," || true; } |
		sed "s/^$2,default,/$3,/; s/^$2,\([^,]*\),/$3+\1,/"
}

# The run labels a boot must produce rows for: LABEL alone, or LABEL+spec
# for each migrator of its migoff.migrators.
expected_runs() { # expected_runs LABEL ARGS
	local specs
	specs=$(sed -n 's/.*migoff\.migrators=\([^ ]*\).*/\1/p' <<<"$2" | tr ',' ' ')
	[ -n "$specs" ] || { echo "$1"; return; }
	# shellcheck disable=SC2086 # one line per migrator spec
	printf "$1+%s\n" $specs
}

# A boot's rows are failures when its console log holds a kernel report:
# every move row of that boot gets the status "kernel-report".
mark_kernel_reports() { # LOG LABEL
	local hits
	hits=$(tr -d '\r' <"$1" | grep -nE "$KERNEL_REPORTS" | head -n 5 || true)
	[ -z "$hits" ] && return 0
	echo "error: kernel reports in $1:" >&2
	sed 's/^/  /' <<<"$hits" >&2
	sed -i -E "/^$2(\+[^,]*)?,(move|busy),/s/,[^,]*\$/,kernel-report/" "$raw"
	return 1
}

# --icount: each kernel's move rows under instruction counting (see above).
icount_run() {
	local reps=${MIGOFF_ICOUNT_REPS:-5} spec label flavour args log failures=() runs=()
	raw=$RESULTS/icount.csv
	rm -f "$RESULTS"/icount*
	echo "run,kind,param,rep,bytes,ns,cpu_ns,guest_cpu_ns,batches,batch_bytes,copy_ns,status" >"$raw"
	for spec in "${RUNS[@]}"; do
		IFS=: read -r label flavour args <<<"$spec"
		log=$RESULTS/icount-$label.log
		mapfile -t -O "${#runs[@]}" runs < <(expected_runs "$label" "$args")
		scripts/build.sh "$flavour"
		scripts/initramfs.sh "$flavour"
		# shellcheck disable=SC2086 # extra kernel arguments split on purpose
		MIGOFF_ICOUNT=0 MIGOFF_TIMEOUT=${MIGOFF_TIMEOUT:-3600} scripts/vm.sh --tiered "$flavour" bench "$log" \
			migoff.total="${MIGOFF_ICOUNT_TOTAL:-64M}" migoff.reps="$reps" \
			migoff.sizes="${MIGOFF_ICOUNT_SIZES:-4K,64K,2M}" migoff.latreps=0 migoff.spanreps=0 \
			migoff.tierreps=0 $args || failures+=("$label: the VM did not finish its plan ($log)")
		guest_rows "$log" MIGBENCH "$label" >>"$raw"
		mark_kernel_reports "$log" "$label" || failures+=("$label: kernel reports in $log")
	done
	RUNS="${runs[*]}" REPS=$reps scripts/icount-report.sh "$raw" "$RESULTS" ||
		failures+=("failed cells in the instruction-count table (FAILED(...) above)")
	echo "raw: $raw; table: $RESULTS/icount.md"
	if [ ${#failures[@]} -gt 0 ]; then
		printf 'failed: %s\n' "${failures[@]}" | tee "$RESULTS/icount-status" >&2
		return 1
	fi
	echo ok >"$RESULTS/icount-status"
}

scripts/deps.sh
scripts/tree.sh
mkdir -p "$RESULTS"
if [ -n "$icount" ]; then
	icount_run
	exit
fi
# A failed run must not leave an earlier run's tables behind (nor, unless
# they are what --report reads, its console logs).
keep=()
[ -z "$report_only" ] || keep=(! -name 'bench-*.log' ! -name run.md)
find "$RESULTS" -maxdepth 1 -type f \( -name 'bench*' -o -name 'busy*' -o -name 'latency*' -o -name 'limit*' \
	-o -name 'vmstat*' -o -name 'span*' -o -name 'tier*' -o -name summary.csv -o -name status \
	-o -name run.md \) "${keep[@]}" -delete
raw=$RESULTS/bench.csv
echo "run,kind,param,rep,bytes,ns,cpu_ns,guest_cpu_ns,batches,batch_bytes,copy_ns,status" >"$raw"
lat=$RESULTS/latency.csv
echo "run,folio,nfolios,rep,first_ns,total_ns,batches,copy_ns,status" >"$lat"
limit=$RESULTS/limit.csv
echo "run,primitive,threads,rep,bytes,ns,status" >"$limit"
vmstat=$RESULTS/vmstat.csv
echo "run,folio,rep,counters" >"$vmstat"
span=$RESULTS/span.csv
echo "run,span,folio,nfolios,rep,first_ns,total_ns,batches,copy_ns,status" >"$span"
tier=$RESULTS/tier.csv
echo "run,rep,work_ns,fill_ns,demoted,promoted,demote_ns,demote_pages,promote_ns,promote_pages,off_demote,off_promote,kcpu_ns,fast,slow,status" >"$tier"

# The rows of one boot's (or the native run's) LOG, labelled LABEL, into
# the raw CSVs; its kernel reports fail its rows.
collect_rows() { # LOG LABEL
	local log=$1 label=$2
	guest_rows "$log" MIGBENCH "$label" >>"$raw"
	guest_rows "$log" MIGLAT "$label" >>"$lat"
	guest_rows "$log" MIGVMSTAT "$label" >>"$vmstat"
	guest_rows "$log" MIGSPAN "$label" >>"$span"
	guest_rows "$log" MIGTIER "$label" >>"$tier"
	tr -d '\r' <"$log" | grep '^MIGLIMIT,' | sed "s/^MIGLIMIT,/$label,/" >>"$limit"
	tr -d '\r' <"$log" | grep '^# .* statistics: ' || true
	mark_kernel_reports "$log" "$label" || failures+=("$label: kernel reports in $log")
}

# What the run was, for the results page: when, on what, from which
# commit, how long.
run_record() {
	local commit
	commit=$(git rev-parse --short HEAD)
	git diff --quiet HEAD -- . ':!results' ':!docs' || commit+=" with uncommitted changes"
	echo "One \`./run-benchmark.sh\` run, $(date -u -d "@$run_start" '+%Y-%m-%d %H:%M') UTC, of commit $commit:"
	echo "$(( ($(date +%s) - run_start + 30) / 60 )) minutes ($(IFS=,; echo "${boot_minutes[*]}" | sed 's/,/, /g'));"
	echo "$(nproc) host CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)),"
	echo "$(qemu-system-x86_64 --version | head -n 1), MIGOFF_TOTAL=$TOTAL, MIGOFF_REPS=$REPS, MIGOFF_ERMS=${MIGOFF_ERMS:-off}."
}

failures=()
runs=()
boot_minutes=()
run_start=$(date +%s)
if [ -n "$native" ]; then
	log=$RESULTS/bench-native.log
	if [ -n "${MIGOFF_NATIVE_LOG:-}" ]; then
		# A native run's log made elsewhere (CI: inside the VM).
		cp "$MIGOFF_NATIVE_LOG" "$log"
	else
		# shellcheck disable=SC2086 # no argument, or one
		scripts/native.sh bench "$log" $tiering || true
	fi
	grep -qx 'native: plan exit 0; settings restored' "$log" ||
		failures+=("native: the plan failed or left settings changed ($log)")
	# Rows of dcbm on the software engine say so (and so do the runs the
	# parameters line names).
	dcbm=$(sed -n 's/^MIGNATIVE_DCBM,//p' "$log")
	sed -i "/^MIG/s/dcbm:/${dcbm:-dcbm}:/g" "$log"
	mapfile -t runs < <(expected_runs native "$(sed -n 's/^MIGNATIVE_PARAMS,//p' "$log")")
	collect_rows "$log" native
	export REF=native+none
	MOVES=$(sed -n 's/^MIGNATIVE,.*,moves=\([0-9]*->[0-9]*\),.*/\1/p' "$log")
	export MOVES
	# The tiering part, when the run had one (--tiering).
	native_tierreps=$(sed -n 's/^MIGNATIVE_PARAMS,.*migoff\.tierreps=\([0-9]*\).*/\1/p' "$log")
else
	for spec in "${RUNS[@]}"; do
		IFS=: read -r label flavour args <<<"$spec"
		log=$RESULTS/bench-$label.log
		mapfile -t -O "${#runs[@]}" runs < <(expected_runs "$label" "$args")
		if [ -n "$report_only" ]; then
			tr -d '\r' <"$log" | grep -q '^migoff: guest done' ||
				failures+=("$label: the VM did not finish its plan ($log)")
			collect_rows "$log" "$label"
			continue
		fi
		scripts/build.sh "$flavour"
		scripts/initramfs.sh "$flavour"
		boot_start=$(date +%s)
		# A benchmark boot runs long by design (the patched one took over
		# half an hour on a 2-core machine): an hour and a half before it
		# counts as hung, unless MIGOFF_TIMEOUT says otherwise.
		# shellcheck disable=SC2086 # extra kernel arguments split on purpose
		MIGOFF_TIMEOUT=${MIGOFF_TIMEOUT:-5400} scripts/vm.sh --tiered "$flavour" bench "$log" migoff.total="$TOTAL" \
			migoff.reps="$REPS" migoff.latreps="${MIGOFF_LATREPS:-11}" \
			migoff.spanreps="${MIGOFF_SPANREPS:-10}" migoff.tierreps="${MIGOFF_TIERREPS:-8}" \
			migoff.busyreps="${MIGOFF_BUSYREPS:-5}" $args ||
			failures+=("$label: the VM did not finish its plan ($log)")
		boot_minutes+=("$label boot $(( ($(date +%s) - boot_start + 30) / 60 ))")
		collect_rows "$log" "$label"
	done
	[ -n "$report_only" ] || run_record >"$RESULTS/run.md"
fi

RUNS="${runs[*]}" REPS=$REPS scripts/report.sh "$RESULTS" ||
	failures+=("failed cells in the throughput tables (FAILED(...) above)")
echo
# The busy-machine phase (VM runs: native mode has no such phase yet).
if [ -z "$native" ] && [ "${MIGOFF_BUSYREPS:-5}" -gt 0 ]; then
	RUNS="${runs[*]}" BUSYREPS=${MIGOFF_BUSYREPS:-5} scripts/busy-report.sh "$RESULTS" ||
		failures+=("failed cells in the busy-machine table (FAILED(...) above)")
	echo
fi
LATREPS=${MIGOFF_LATREPS:-11} scripts/latency-report.sh "$lat" "$RESULTS" ||
	failures+=("failed points in the latency tables (FAILED(...) above)")
echo
[ "${MIGOFF_SPANREPS:-10}" = 0 ] || SPANREPS=${MIGOFF_SPANREPS:-10} scripts/span-report.sh "$span" "$RESULTS" ||
	failures+=("failed points in the batch-span table (FAILED(...) above)")
echo
if [ -z "$native" ] || [ "${native_tierreps:-0}" -gt 0 ]; then
	TIERREPS=${native_tierreps:-${MIGOFF_TIERREPS:-8}} scripts/tier-report.sh "$tier" "$RESULTS" ||
		failures+=("failed runs in the tiering table (FAILED(...) above)")
fi
echo
echo "raw: $raw $lat $limit $vmstat $span $tier"
echo "tables: $RESULTS/bench.md $RESULTS/busy.md $RESULTS/latency.md $RESULTS/span.md $RESULTS/tier.md"
echo "plots: $RESULTS/bench.png $RESULTS/latency.png $RESULTS/span.png $RESULTS/tier.png"
if [ ${#failures[@]} -gt 0 ]; then
	printf 'failed: %s\n' "${failures[@]}" | tee "$RESULTS/status" >&2
	exit 1
fi
echo ok >"$RESULTS/status"
# The results page (docs/results.md) is made from a VM run that succeeded.
[ -n "$native" ] || scripts/results-page.sh
