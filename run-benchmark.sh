#!/usr/bin/env bash
# The main job: build the kernels, boot each in the two-node NUMA VM, run the
# move_pages() benchmark per folio size, and print one table comparing them.
# Writes results/bench.csv (raw), results/summary.csv, results/bench.md and
# results/bench.png, and the latency counterparts.  Size and repetitions:
# MIGOFF_TOTAL (256M), MIGOFF_REPS (5), MIGOFF_LATREPS (11).
set -euo pipefail
cd "$(dirname "$0")"
. scripts/common.sh

# label:flavour:extra kernel arguments.  A patched kernel measures every
# migrator of migoff.migrators in one boot, taking turns; its rows are
# <label>+<migrator>.
RUNS=(
	"vanilla:vanilla:"
	"patched:patched:migoff.migrators=none,cpu,mtcopy:threads=1,mtcopy:threads=2,dcbm:channels=1,dcbm:channels=2"
)

# The guest's TAG rows of a console log, labelled LABEL (or LABEL+migrator).
guest_rows() { # guest_rows LOG TAG LABEL
	tr -d '\r' <"$1" | grep "^$2," |
		sed "s/^$2,default,/$3,/; s/^$2,\([^,]*\),/$3+\1,/"
}

scripts/deps.sh
scripts/tree.sh
mkdir -p "$RESULTS"
raw=$RESULTS/bench.csv
echo "run,kind,param,rep,bytes,ns,cpu_ns,status" >"$raw"
lat=$RESULTS/latency.csv
echo "run,folio,nfolios,rep,first_ns,total_ns,batches,copy_ns,status" >"$lat"

for spec in "${RUNS[@]}"; do
	IFS=: read -r label flavour args <<<"$spec"
	log=$RESULTS/bench-$label.log
	scripts/build.sh "$flavour"
	scripts/initramfs.sh "$flavour"
	# shellcheck disable=SC2086 # extra kernel arguments split on purpose
	scripts/vm.sh "$flavour" bench "$log" migoff.total="${MIGOFF_TOTAL:-256M}" \
		migoff.reps="${MIGOFF_REPS:-5}" migoff.latreps="${MIGOFF_LATREPS:-11}" $args
	guest_rows "$log" MIGBENCH "$label" >>"$raw"
	guest_rows "$log" MIGLAT "$label" >>"$lat"
	tr -d '\r' <"$log" | grep '^# .* statistics: ' || true
done

scripts/report.sh "$raw" "$RESULTS"
echo
scripts/latency-report.sh "$lat" "$RESULTS"
echo
echo "raw: $raw $lat  tables: $RESULTS/bench.md $RESULTS/latency.md  plots: $RESULTS/bench.png $RESULTS/latency.png"
