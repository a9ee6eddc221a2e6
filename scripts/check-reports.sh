#!/usr/bin/env bash
# The benchmark's reports must fail on input they cannot vouch for.  Each
# is fed what a real run gave (DIR: the CSVs of a run-benchmark.sh --native
# run whose reports passed) with something taken away or broken: nothing
# but the header, a point or a copy limit missing, the reference run
# missing, a repetition failed.  Every case must exit non-zero and say
# FAILED.  Prints "ok - ..." / "not ok - ..." per case.
#   check-reports.sh DIR
set -uo pipefail

dir=${1:?directory with bench.csv, limit.csv, vmstat.csv, latency.csv, tier.csv}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The run labels of bench.csv in the order they first appear: the first is
# the reference, as run-benchmark.sh passes them to report.sh.
runs=$(tail -n +2 "$dir/bench.csv" | cut -d, -f1 | awk '!seen[$0]++' | tr '\n' ' ')
ref=${runs%% *}

# expect_failure NAME COMMAND...: COMMAND must exit non-zero and print FAILED.
expect_failure() {
	local name=$1 out=$tmp/out
	shift
	if "$@" >"$out" 2>&1; then
		echo "# exited 0"
		echo "not ok - reports: $name"
	elif ! grep -q 'FAILED(' "$out"; then
		echo "# exited non-zero without a FAILED cell"
		echo "not ok - reports: $name"
	else
		echo "# $(grep -o 'FAILED([^)]*)' "$out" | sort | uniq -c | tr -s ' \n' ' ')"
		echo "ok - reports: $name"
	fi
}

# A copy of DIR's benchmark CSVs in $tmp/NAME, for one case to break.
bench_copy() { # NAME
	mkdir -p "$tmp/$1"
	cp "$dir/bench.csv" "$dir/limit.csv" "$dir/vmstat.csv" "$tmp/$1/"
	echo "$tmp/$1"
}

report() { # DIR
	RUNS="$runs" REPS=1 "$here/report.sh" "$1"
}

latency() { # CSV
	REF=$ref LATREPS=1 "$here/latency-report.sh" "$1" "$tmp/latency-out"
}

# Every row of CSV but those whose first fields are PREFIX, with the header.
without() { # CSV PREFIX
	awk -v p="$2" 'NR == 1 || index($0, p) != 1' "$1"
}

# CSV with the status (last field) of its first data row of run RUN set to "error".
failing_row() { # CSV RUN
	awk -F, -v OFS=, -v r="$2" 'NR > 1 && $1 == r && !done { $NF = "error"; done = 1 } 1' "$1"
}

d=$(bench_copy empty)
for f in bench limit vmstat; do head -1 "$dir/$f.csv" >"$d/$f.csv"; done
expect_failure "report.sh fails on CSVs with nothing but their headers" report "$d"

d=$(bench_copy nolimit)
head -1 "$dir/limit.csv" >"$d/limit.csv"
expect_failure "report.sh fails without copy limits" report "$d"

d=$(bench_copy limitgap)
second=$(sed -n 2p "$dir/limit.csv" | cut -d, -f1-3)
without "$dir/limit.csv" "$second," >"$d/limit.csv"
expect_failure "report.sh fails on a copy limit missing ($second)" report "$d"

d=$(bench_copy failedrep)
last=${runs% }; last=${last##* }
failing_row "$dir/bench.csv" "$last" >"$d/bench.csv"
expect_failure "report.sh fails on a failed repetition ($last)" report "$d"

head -1 "$dir/latency.csv" >"$tmp/latency-empty.csv"
expect_failure "latency-report.sh fails on a CSV with nothing but its header" latency "$tmp/latency-empty.csv"

point=$(awk -F, -v r="$ref" 'NR > 1 && $1 != r { print $1 "," $2 "," $3 ","; exit }' "$dir/latency.csv")
without "$dir/latency.csv" "$point" >"$tmp/latency-gap.csv"
expect_failure "latency-report.sh fails on a point missing (${point%,})" latency "$tmp/latency-gap.csv"

without "$dir/latency.csv" "$ref," >"$tmp/latency-noref.csv"
expect_failure "latency-report.sh fails without its reference run ($ref)" latency "$tmp/latency-noref.csv"

failing_row "$dir/latency.csv" "$ref" >"$tmp/latency-failed.csv"
expect_failure "latency-report.sh fails on a failed repetition" latency "$tmp/latency-failed.csv"

min0=$(awk -F, 'NR > 1 && $1 ~ /\/min=0$/ { print $1; exit }' "$dir/latency.csv")
if [ -n "$min0" ]; then
	awk -F, -v OFS=, -v r="$min0" 'NR > 1 && $1 == r && !done { $7 = 0; done = 1 } 1' \
		"$dir/latency.csv" >"$tmp/latency-unoffloaded.csv"
	expect_failure "latency-report.sh fails on a /min=0 call not offloaded ($min0)" \
		latency "$tmp/latency-unoffloaded.csv"
else
	echo "not ok - reports: latency-report.sh fails on a /min=0 call not offloaded (no /min=0 run in $dir)"
fi

echo "run,span,folio,nfolios,rep,first_ns,total_ns,batches,copy_ns,status" >"$tmp/span-empty.csv"
expect_failure "span-report.sh fails on a CSV with nothing but its header" \
	"$here/span-report.sh" "$tmp/span-empty.csv" "$tmp/span-out"

head -1 "$dir/tier.csv" >"$tmp/tier-empty.csv"
expect_failure "tier-report.sh fails on a CSV with nothing but its header" \
	env REF="$ref" TIERREPS=1 "$here/tier-report.sh" "$tmp/tier-empty.csv" "$tmp/tier-out"

# Two runs of two repetitions each, made up (the VM's native run has no
# tiering part): a failed repetition fails its run; a repetition that
# promoted nothing counts, but a run that never promoted fails.
tier_rows() { # PROMOTED STATUS: the second run's first repetition
	head -1 "$dir/tier.csv"
	printf '%s,%d,2000000000,1500000000,40000,%d,900000000,40000,300000000,%d,80,%d,2000000000,35000,60000,%s\n' \
		ref 0 8000 8000 18 ok ref 1 6000 6000 12 ok \
		run 0 "$1" "$1" 20 "$2" run 1 0 4 0 no-promotion
}
tier_rows 9000 ok >"$tmp/tier-promoted.csv"
if env REF=ref TIERREPS=2 "$here/tier-report.sh" "$tmp/tier-promoted.csv" "$tmp/tier-out" >"$tmp/out" 2>&1; then
	echo "ok - reports: tier-report.sh passes a run with a repetition that promoted nothing"
else
	sed 's/^/# /' "$tmp/out" | tail -n 5
	echo "not ok - reports: tier-report.sh passes a run with a repetition that promoted nothing"
fi
failing_row "$tmp/tier-promoted.csv" ref >"$tmp/tier-failed.csv"
expect_failure "tier-report.sh fails on a failed repetition" \
	env REF=ref TIERREPS=2 "$here/tier-report.sh" "$tmp/tier-failed.csv" "$tmp/tier-out"
tier_rows 0 no-promotion >"$tmp/tier-nopromo.csv"
expect_failure "tier-report.sh fails on a run that never promoted" \
	env REF=ref TIERREPS=2 "$here/tier-report.sh" "$tmp/tier-nopromo.csv" "$tmp/tier-out"

# busy-report.sh: the native run has no busy phase, so its 64K and 2M
# move rows stand in for busy ones.
busy() { # DIR
	RUNS="$runs" BUSYREPS=1 "$here/busy-report.sh" "$1"
}
d=$(bench_copy busy-none)
expect_failure "busy-report.sh fails without busy rows" busy "$d"
d=$(bench_copy busy-ok)
awk -F, -v OFS=, 'NR > 1 && ($3 == 65536 || $3 == 2097152) && $2 == "move" { $2 = "busy"; print }' \
	"$dir/bench.csv" >>"$d/bench.csv"
if busy "$d" >"$tmp/out" 2>&1; then
	echo "ok - reports: busy-report.sh passes the run's 64K and 2M moves taken as busy ones"
else
	sed 's/^/# /' "$tmp/out" | tail -n 5
	echo "not ok - reports: busy-report.sh passes the run's 64K and 2M moves taken as busy ones"
fi
awk -F, -v OFS=, -v r="$last" 'NR > 1 && $1 == r && $2 == "busy" && !done { $NF = "error"; done = 1 } 1' \
	"$d/bench.csv" >"$tmp/busy-failed.csv"
mv "$tmp/busy-failed.csv" "$d/bench.csv"
expect_failure "busy-report.sh fails on a failed repetition ($last)" busy "$d"

# icount-report.sh reads bench.csv's columns: the native run's move rows
# stand in for an instruction-count run, with a copy of the reference's
# rows labelled vanilla (the disabled path's reference).
icount() { # CSV
	REF=vanilla REF_NONE=$ref REPS=1 RUNS="vanilla $runs" "$here/icount-report.sh" "$1" "$tmp/icount-out"
}
# bench.csv plus the reference's rows as vanilla's, their counts times FACTOR.
with_vanilla() { # FACTOR
	cat "$dir/bench.csv"
	awk -F, -v OFS=, -v r="$ref" -v f="$1" 'NR > 1 && $1 == r { $1 = "vanilla"; $6 = int($6 * f); print }' "$dir/bench.csv"
}

head -1 "$dir/bench.csv" >"$tmp/icount-empty.csv"
expect_failure "icount-report.sh fails on a CSV with nothing but its header" icount "$tmp/icount-empty.csv"

with_vanilla 1 >"$tmp/icount-same.csv"
failing_row "$tmp/icount-same.csv" "$last" >"$tmp/icount-failed.csv"
expect_failure "icount-report.sh fails on a failed repetition ($last)" icount "$tmp/icount-failed.csv"

with_vanilla 0.95 >"$tmp/icount-off.csv"
expect_failure "icount-report.sh fails when the disabled path costs 5% more than vanilla" \
	icount "$tmp/icount-off.csv"
if icount "$tmp/icount-same.csv" >"$tmp/out" 2>&1; then
	echo "ok - reports: icount-report.sh passes the same rows with the disabled path equal to vanilla"
else
	sed 's/^/# /' "$tmp/out" | tail -n 5
	echo "not ok - reports: icount-report.sh passes the same rows with the disabled path equal to vanilla"
fi

# The results page: written only from a run that succeeded and has every
# table; otherwise it fails and leaves the page as it was.
page_dir() { # NAME: a results directory with what the page needs
	local d=$tmp/page-$1
	mkdir -p "$d"
	echo ok >"$d/status"
	echo "One run of the report checks." >"$d/run.md"
	for f in bench latency span tier; do
		echo "| table $f |" >"$d/$f.md"
		echo "plot" >"$d/$f.png"
	done
	echo "| table busy |" >"$d/busy.md"
	echo "$d"
}
page() { # RESULTS-DIR
	MIGOFF_RESULTS=$1 MIGOFF_DOCS=$tmp/docs "$here/results-page.sh"
}
# expect_refusal NAME RESULTS-DIR: results-page.sh must fail and leave the page.
expect_refusal() {
	echo "the page before" >"$tmp/docs/results.md"
	if page "$2" >"$tmp/out" 2>&1; then
		echo "# exited 0"
		echo "not ok - reports: $1"
	elif [ "$(cat "$tmp/docs/results.md")" != "the page before" ]; then
		echo "# the page changed"
		echo "not ok - reports: $1"
	else
		echo "# $(tail -n 1 "$tmp/out")"
		echo "ok - reports: $1"
	fi
}
mkdir -p "$tmp/docs"
d=$(page_dir failed)
echo "failed: patched: the VM did not finish its plan" >"$d/status"
expect_refusal "results-page.sh refuses a run that failed" "$d"
d=$(page_dir notable)
rm "$d/tier.md"
expect_refusal "results-page.sh refuses a run with a table missing" "$d"
d=$(page_dir whole)
if page "$d" >"$tmp/out" 2>&1 && grep -q "^One run of the report checks" "$tmp/docs/results.md" &&
	grep -q "^| table tier |" "$tmp/docs/results.md" && [ -f "$tmp/docs/tier.png" ]; then
	echo "ok - reports: results-page.sh writes the page and its plots from a whole run"
else
	sed 's/^/# /' "$tmp/out" | tail -n 5
	echo "not ok - reports: results-page.sh writes the page and its plots from a whole run"
fi
