#!/usr/bin/env bash
# First-folio latency and whole-call tables, and a plot, from the
# benchmark's latency CSV; and, per run, the smallest batch from which on
# offloading is never slower than vanilla (the data behind each migrator's
# default min_batch_bytes).
#   latency-report.sh LATENCY.csv OUTDIR
# Columns: run,folio,nfolios,rep,first_ns,total_ns,batches,copy_ns,status
# (batches: how many of the call's batches the migrator was handed, from the
# series' migrate_offload_batch tracepoint; copy_ns: their copy time).
# Figures are medians over the repetitions (a wake-up in the emulator can
# take milliseconds).  A point with any failed repetition, without
# exactly LATREPS repetitions (when set), or missing where another run has
# it, or (a run with /min=0) with a call none of whose batches reached the
# migrator prints FAILED(<why>), as does an input without points or without
# the reference run; the script then exits 1.  The whole-call comparison
# takes REF (default vanilla, the unpatched kernel; natively the same
# kernel's none) as its one reference: the ratio of geometric means of
# the call times with a 95% interval (Welch's t-test on log time).  A
# batch size is slower when the whole interval lies below 1 - NOISE
# (default 0.10), and shown not slower when the whole interval lies above
# 1 - NOISE; the break-even is the smallest batch from which on every
# batch is shown not slower.  (Not "from which on none is shown slower":
# noisier data would then give smaller break-evens.)
set -euo pipefail

csv=${1:?latency csv}
out=${2:?output dir}
noise=${NOISE:-0.10}
STATS_AWK=$(cat "$(dirname "$0")/stats.awk")
mkdir -p "$out"

# run,folio,nfolios,first_us,total_us,batches,copy_us,n,mean_log_total,var_log_total,status
# (medians, and the statistics of log(total) for the comparison)
awk -F, -v LATREPS="${LATREPS:-}" "$STATS_AWK"'
NR > 1 {
	k = $1 "," $2 "," $3
	if (!(k in n)) { order[++nk] = k; n[k] = 0; bad[k] = "" }
	if ($9 != "ok") { bad[k] = $9; next }
	# A run whose minimum was set to 0 must have had every call offloaded.
	if ($1 ~ /\/min=0$/ && $7 == 0) { bad[k] = "not-offloaded"; next }
	i = ++n[k]
	first[k, i] = $5 / 1000; total[k, i] = $6 / 1000; batches[k, i] = $7; copy[k, i] = $8 / 1000
	l[k] += log($6); ll[k] += log($6) * log($6)
}
END {
	for (i = 1; i <= nk; i++) {
		k = order[i]
		if (LATREPS != "" && bad[k] == "" && n[k] != LATREPS) bad[k] = "n=" n[k] "-of-" LATREPS
		if (bad[k] != "" || !n[k]) { print k ",,,,,,,," (bad[k] == "" ? "no-data" : bad[k]); continue }
		for (j = 1; j <= n[k]; j++) { f[j] = first[k, j]; t[j] = total[k, j]; b[j] = batches[k, j]; c[j] = copy[k, j] }
		m = l[k] / n[k]; v = n[k] > 1 ? (ll[k] - n[k] * m * m) / (n[k] - 1) : 0
		printf "%s,%.0f,%.0f,%.0f,%.0f,%d,%.6f,%.8f,ok\n", k, median(f, n[k]), median(t, n[k]),
			median(b, n[k]), median(c, n[k]), n[k], m, (v > 0 ? v : 0)
	}
}' "$csv" >"$out/latency-summary.csv"

awk -F, -v NOISE="$noise" -v REF="${REF:-vanilla}" "$STATS_AWK"'
function size_name(b) { return b >= 1048576 ? b / 1048576 "M" : b / 1024 "K" }
{
	if (!($2 in fs)) { fs[$2] = 1; folios[++nf] = $2 }
	if (!(($2, $1) in rs)) { rs[$2, $1] = 1; runs[$2, ++nr[$2]] = $1 }
	if (!(($2, $3) in cs)) { cs[$2, $3] = 1; cols[$2, ++nc[$2]] = $3 }
	seen_run[$1] = 1
	if ($11 != "ok") { cell[$1, $2, $3] = "FAILED(" $11 ")"; failed++; next }
	cell[$1, $2, $3] = $4 " (" $5 ")" ($6 > 0 ? "*" : "")
	total[$1, $2, $3] = $5; n[$1, $2, $3] = $8; lm[$1, $2, $3] = $9; lv[$1, $2, $3] = $10
}
# Vanilla time / R time (geometric means) for F folios of C per call, and
# the upper end of its 95% interval in HI (-1: no interval, from one
# repetition or no spread at all).
function ratio(R, F, C,   a, b, d, df, se) {
	a = lv[R, F, C] / n[R, F, C]; b = lv[REF, F, C] / n[REF, F, C]
	d = lm[REF, F, C] - lm[R, F, C]; se = sqrt(a + b)
	df = 0
	if (a + b > 0 && n[R, F, C] > 1 && n[REF, F, C] > 1)
		df = (a + b) ^ 2 / (a * a / (n[R, F, C] - 1) + b * b / (n[REF, F, C] - 1))
	HI = df < 1 ? -1 : exp(d + t975(df) * se)
	LO = df < 1 ? -1 : exp(d - t975(df) * se)
	return exp(d)
}
function header(F, extra,   c) {
	printf "| run |"
	for (c = 1; c <= nc[F]; c++) printf " %s |", cols[F, c]
	print extra
	printf "|---|"; for (c = 1; c <= nc[F]; c++) printf "---|"
	print extra == "" ? "" : "---|"
}
END {
	if (!nf) { print "FAILED(no-data): no point in the input\n"; failed++ }
	else if (!(REF in seen_run)) { print "FAILED(no-" REF "): the reference run is missing\n"; failed++ }
	# One table per folio size: rows are runs, columns the folios per call.
	for (f = 1; f <= nf; f++) {
		F = folios[f]
		printf "First-folio latency, %s folios: median us from migrate_pages() start to the first folio remapped (whole call in brackets; * = handed to the migrator), by folios per move_pages() call\n\n", size_name(F)
		header(F, "")
		for (r = 1; r <= nr[F]; r++) {
			R = runs[F, r]; printf "| %s |", R
			for (c = 1; c <= nc[F]; c++) {
				if (!((R, F, cols[F, c]) in cell)) { cell[R, F, cols[F, c]] = "FAILED(missing)"; failed++ }
				printf " %s |", cell[R, F, cols[F, c]]
			}
			print ""
		}
		print ""
	}
	# Whole call against REF, and the break-even batch: the smallest
	# batch (bytes) from which on every measured batch of this folio size
	# is shown not slower than REF by more than NOISE.
	for (f = 1; f <= nf; f++) {
		F = folios[f]
		if (nc[F] < 2) continue
		printf "Whole call, %s folios: %s time / run time (geometric means; below 1: slower) and its 95%% interval, by folios per call; ! = slower by more than %d%% (the whole interval below %.2f); break-even = smallest batch from which on every one is shown not slower by more than that (the whole interval above %.2f)\n\n", size_name(F), REF, NOISE * 100, 1 - NOISE, 1 - NOISE
		header(F, " break-even |")
		for (r = 1; r <= nr[F]; r++) {
			R = runs[F, r]
			if (R == REF) continue
			printf "| %s |", R
			be = ""
			for (c = 1; c <= nc[F]; c++) {
				C = cols[F, c]
				if (!((R, F, C) in total) || !((REF, F, C) in total)) { printf " - |"; be = "-"; continue }
				x = ratio(R, F, C)
				if (HI < 0) { printf " %.2f (-) |", x; be = "-"; continue }
				printf " %.2f [%.2f, %.2f]%s |", x, LO, HI, HI < 1 - NOISE ? "!" : ""
				if (be == "-") continue
				if (LO < 1 - NOISE) be = ""
				else if (be == "") be = F * C
			}
			print " " (be == "" ? "not shown" : be == "-" ? "-" : size_name(be)) " |"
			# The minimum a migrator needs: the largest break-even over folio sizes.
			if (R ~ /\/min=0$/) {
				if (!(R in need)) { order[++nneed] = R; need[R] = 0 }
				if (be == "") never[R] = 1
				else if (be == "-") unknown[R] = 1
				else if (be > need[R]) need[R] = be
			}
		}
		print ""
	}
	if (nneed) {
		print "Minimum batch the data supports (the largest break-even over the folio sizes above), per migrator:\n"
		print "| migrator | min_batch_bytes |"
		print "|---|---|"
		for (i = 1; i <= nneed; i++) {
			R = order[i]; sub(/\/min=0$/, "", R)
			N = order[i]
			printf "| %s | %s |\n", R, N in never ? "not shown at any batch" : N in unknown ? "-" : size_name(need[N]) " (" need[N] ")"
		}
		print ""
	}
	printf "Failed points: %d.\n", failed
	exit (failed > 0 ? 1 : 0)
}' "$out/latency-summary.csv" >"$out/latency.md" || status=1

# Plot: 4K folios, first-folio latency against folios per call, per run.
plots=""
while IFS= read -r run; do
	dat=$out/lat-$(echo "$run" | tr -c 'A-Za-z0-9+=.\n-' '_').dat
	awk -F, -v r="$run" '$1 == r && $2 == 4096 && $11 == "ok" { print $3, $4 }' \
		"$out/latency-summary.csv" >"$dat"
	[ -s "$dat" ] && plots+="${plots:+, }'$dat' using 1:2 with linespoints title '$run'"
done < <(cut -d, -f1 "$out/latency-summary.csv" | awk '!seen[$0]++')
if [ -n "$plots" ] && command -v gnuplot >/dev/null; then
	gnuplot <<GP
set terminal pngcairo size 1150,560 noenhanced
set output '$out/latency.png'
set title 'first-folio latency, 4K folios (QEMU guest)'
set xlabel 'folios per move_pages() call (batch cap: 512 base pages)'
set ylabel 'microseconds to the first folio remapped'
set logscale x 2
set logscale y
set grid
set key outside right top
plot $plots
GP
fi
rm -f "$out"/lat-*.dat
cat "$out/latency.md"
exit "${status:-0}"
