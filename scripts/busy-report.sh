#!/usr/bin/env bash
# The busy-machine table: the benchmark's moves at 64K and 2M folios made
# while every vCPU ran a stress-ng CPU worker at the mover's priority (rows
# of kind "busy" in DIR/bench.csv), compared as report.sh compares the
# moves of an idle machine: each migrator against patched+none of the same
# boot, paired per repetition, patched+none against vanilla across boots,
# verdicts under Holm's correction over this table, and the goal: the
# migrators shown more than MARGIN (default 0.10) slower than none.
#   busy-report.sh DIR     (RUNS and BUSYREPS as report.sh's RUNS and REPS)
# Writes DIR/busy.md (and DIR/busy/, report.sh's output for these rows);
# a cell that failed or has not BUSYREPS repetitions prints FAILED(<why>),
# as does a run without busy rows, and the script then exits 1.
set -euo pipefail

dir=${1:?results dir}
: "${RUNS:?RUNS: the expected run labels}" "${BUSYREPS:?BUSYREPS: the expected repetitions}"
sub=$dir/busy
rm -rf "$sub"
mkdir -p "$sub"

# report.sh reads move rows: the busy rows become them, on their own.
awk -F, -v OFS=, 'NR == 1 { print; next } $2 == "busy" { $2 = "move"; print }' \
	"$dir/bench.csv" >"$sub/bench.csv"
cp "$dir/limit.csv" "$sub/limit.csv"
echo "run,folio,rep,counters" >"$sub/vmstat.csv"
status=0
RUNS=$RUNS REPS=$BUSYREPS "$(dirname "$0")/report.sh" "$sub" >/dev/null || status=1

# The tables of report.sh's output that answer the question, captioned anew.
. "$(dirname "$0")/template.sh"
section() { # PREFIX: the caption starting with PREFIX and its table
	RESULTS=$sub template_table bench.md "$1"
}
{
	echo "Busy machine: every vCPU runs a stress-ng CPU worker at the mover's priority while it moves; the same moves as above at 64K and 2M folios, $BUSYREPS repetitions."
	echo
	section "Throughput of move_pages()" | sed '1s/^/Busy machine: /'
	echo
	section "Ratio of GB/s" | sed '1s/^/Busy machine: /'
	echo
	grep -m1 '^Faster than' "$sub/bench.md" | sed 's/^/Busy machine: /'
	echo
	grep -m1 '^Slower than' "$sub/bench.md" | sed 's/^/Busy machine: /'
	echo
	# The goal: no migrator more than MARGIN slower than none on a busy
	# machine; shown where the paired interval lies wholly below 1 - MARGIN.
	awk -F, -v m="${MARGIN:-0.10}" 'NR > 1 && $4 == "paired" && $8 != "" && $8 < 1 - m {
		size = $2 >= 1048576 ? $2 / 1048576 "M" : $2 / 1024 "K"
		list = list (list == "" ? "" : ", ") sprintf("%s at %s (%.2fx [%.2f, %.2f])", $1, size, $6, $7, $8)
	}
	END {
		printf "Busy machine: migrators shown slower than no migrator by more than %d%% (the paired interval wholly below %.2f): %s.\n",
			m * 100, 1 - m, list == "" ? "none" : list
	}' "$sub/compare.csv"
	echo
	section "CPU time per GiB" | sed '1s/^/Busy machine: /'
	echo
	grep -m1 '^Failed cells' "$sub/bench.md" || echo "FAILED(no-report): report.sh gave no table"
	echo
} >"$dir/busy.md"
grep -q ',move,' "$sub/bench.csv" ||
	echo "FAILED(no-data): no busy rows in $dir/bench.csv" >>"$dir/busy.md"
# What report.sh failed, if it did, said where it is seen.
[ $status = 0 ] || grep -o 'FAILED([^)]*)' "$sub/bench.md" | sort | uniq -c |
	sed 's/^ */Busy machine: failed cells: /' >>"$dir/busy.md"
grep -q 'FAILED(' "$dir/busy.md" && status=1
cat "$dir/busy.md"
exit $status
