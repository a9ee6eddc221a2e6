#!/usr/bin/env bash
# Throughput and first-folio latency against max_batch_bytes (the span of a
# batch while a migrator is active), from the benchmark's span CSV: the
# data the default of max_batch_bytes is chosen from.
#   span-report.sh SPAN.csv OUTDIR
# Columns: run,span,folio,nfolios,rep,first_ns,total_ns,batches,copy_ns,status
# One row per move_pages() call of nfolios folios (64 MiB); span 0 is the
# run without a migrator (batches as without the series).
# Figures are medians over the repetitions.  Throughput is the call's bytes
# over its time from migrate_pages() start to the last folio remapped;
# first is the time to the first folio remapped.  Each span is compared
# with the smallest span of its run: the ratio of the geometric means of
# the throughput with a 95% interval (Welch's t-test on log throughput);
# "faster"/"slower" only where the interval excludes 1.  The span the data
# supports, per run and folio size, is the smallest whose throughput is
# shown within NOISE (default 0.10) of every larger span's: each larger
# span's ratio to it has its whole interval below 1 + NOISE.  (Not "the
# smallest that no larger span is shown to beat": noisier data would then
# give smaller spans.)  A point with a
# failed repetition, without exactly SPANREPS repetitions (when set), or
# (a migrator's run) with a call whose batches did not reach the migrator
# prints FAILED(<why>), as does an input without points; the script then
# exits 1.
set -euo pipefail

csv=${1:?span csv}
out=${2:?output dir}
STATS_AWK=$(cat "$(dirname "$0")/stats.awk")
mkdir -p "$out"

# run,span,folio,gbps,first_ms,total_ms,batches,n,mean_log_gbps,var_log_gbps,status
awk -F, -v SPANREPS="${SPANREPS:-}" "$STATS_AWK"'
NR > 1 {
	k = $1 "," $2 "," $3
	if (!(k in n)) { order[++nk] = k; n[k] = 0; bad[k] = "" }
	if ($10 != "ok") { bad[k] = $10; next }
	if ($2 != 0 && $8 == 0) { bad[k] = "not-offloaded"; next }
	i = ++n[k]
	rate = $3 * $4 / $7
	gbps[k, i] = rate; first[k, i] = $6 / 1e6; total[k, i] = $7 / 1e6; batches[k, i] = $8
	l[k] += log(rate); ll[k] += log(rate) * log(rate)
}
END {
	for (i = 1; i <= nk; i++) {
		k = order[i]
		if (SPANREPS != "" && bad[k] == "" && n[k] != SPANREPS) bad[k] = "n=" n[k] "-of-" SPANREPS
		if (bad[k] != "" || !n[k]) { print k ",,,,,,,," (bad[k] == "" ? "no-data" : bad[k]); continue }
		for (j = 1; j <= n[k]; j++) { g[j] = gbps[k, j]; f[j] = first[k, j]; t[j] = total[k, j]; b[j] = batches[k, j] }
		m = l[k] / n[k]; v = n[k] > 1 ? (ll[k] - n[k] * m * m) / (n[k] - 1) : 0
		printf "%s,%.3f,%.2f,%.2f,%.0f,%d,%.6f,%.8f,ok\n", k, median(g, n[k]), median(f, n[k]),
			median(t, n[k]), median(b, n[k]), n[k], m, (v > 0 ? v : 0)
	}
}' "$csv" >"$out/span-summary.csv"

awk -F, -v NOISE="${NOISE:-0.10}" "$STATS_AWK"'
function size_name(b) { return b >= 1048576 ? b / 1048576 "M" : b / 1024 "K" }
# Geometric-mean throughput of span A over span B (run R, folio F), with
# its 95% interval in LO and HI.
function ratio(R, F, A, B,   a, b, d, df, se, t) {
	a = lv[R, F, A] / n[R, F, A]; b = lv[R, F, B] / n[R, F, B]
	d = lm[R, F, A] - lm[R, F, B]; se = sqrt(a + b); df = 0
	if (a + b > 0 && n[R, F, A] > 1 && n[R, F, B] > 1)
		df = (a + b) ^ 2 / (a * a / (n[R, F, A] - 1) + b * b / (n[R, F, B] - 1))
	# No interval from one repetition (or none with no spread): LO = HI = -1.
	if (df < 1) { LO = HI = -1; return exp(d) }
	t = t975(df); LO = exp(d - t * se); HI = exp(d + t * se)
	return exp(d)
}
{
	if (!($3 in fs)) { fs[$3] = 1; folios[++nf] = $3 }
	if (!(($3, $1) in rs)) { rs[$3, $1] = 1; runs[$3, ++nr[$3]] = $1 }
	if (!(($3, $1, $2) in ss)) { ss[$3, $1, $2] = 1; spans[$3, $1, ++ns[$3, $1]] = $2 }
	if ($11 != "ok") { cell[$1, $3, $2] = "FAILED(" $11 ")"; failed++; next }
	ok[$1, $3, $2] = 1
	gbps[$1, $3, $2] = $4; first[$1, $3, $2] = $5; total[$1, $3, $2] = $6; batches[$1, $3, $2] = $7
	n[$1, $3, $2] = $8; lm[$1, $3, $2] = $9; lv[$1, $3, $2] = $10
}
END {
	if (!nf) { print "FAILED(no-data): no point in the input\n"; failed++ }
	for (f = 1; f <= nf; f++) {
		F = folios[f]
		printf "Batch span, %s folios: one move_pages() call of 64 MiB per point, medians of %s; vs smallest = throughput against the run'"'"'s smallest span (geometric means, 95%% interval)\n\n", size_name(F), "the repetitions"
		print "| run | max_batch_bytes | GB/s | vs smallest | first folio ms | whole call ms | batches per call |"
		print "|---|---|---|---|---|---|---|"
		for (r = 1; r <= nr[F]; r++) {
			R = runs[F, r]; S0 = spans[F, R, 1]
			for (s = 1; s <= ns[F, R]; s++) {
				S = spans[F, R, s]
				printf "| %s | %s |", R, S == 0 ? "-" : size_name(S)
				if (!((R, F, S) in ok)) { print " " cell[R, F, S] " | | | | |"; continue }
				vs = "-"
				if (s > 1 && S != 0 && ((R, F, S0) in ok)) {
					x = ratio(R, F, S, S0)
					if (LO < 0)
						vs = sprintf("%.2f [no interval]", x)
					else
						vs = sprintf("%.2f [%.2f, %.2f]%s", x, LO, HI, LO > 1 ? " faster" : HI < 1 ? " slower" : "")
				}
				printf " %.3f | %s | %.1f | %.1f | %d |\n", gbps[R, F, S], vs, first[R, F, S], total[R, F, S], batches[R, F, S]
			}
		}
		print ""
	}
	# Per run and folio size: the smallest span shown within NOISE of every
	# larger span (with one repetition nothing is shown, and the largest
	# span is the answer); the default the data supports is the largest
	# of these.
	printf "Smallest span within %d%% of every larger span'"'"'s throughput (the 95%% interval of each larger span'"'"'s ratio to it wholly below %.2f), per run and folio size:\n\n", NOISE * 100, 1 + NOISE
	print "| run | folio | span | its first folio ms (smallest span: ms) |"
	print "|---|---|---|---|"
	need = 0
	for (f = 1; f <= nf; f++) {
		F = folios[f]
		for (r = 1; r <= nr[F]; r++) {
			R = runs[F, r]; S0 = spans[F, R, 1]
			if (S0 == 0) continue
			best = ""
			for (s = 1; s <= ns[F, R] && best == ""; s++) {
				S = spans[F, R, s]
				if (!((R, F, S) in ok)) { best = "-"; break }
				beaten = 0
				for (u = s + 1; u <= ns[F, R]; u++) {
					U = spans[F, R, u]
					if (!((R, F, U) in ok)) { beaten = -1; break }
					ratio(R, F, U, S)
					if (HI < 0 || HI >= 1 + NOISE) beaten = 1
				}
				if (beaten < 0) { best = "-"; break }
				if (!beaten) best = S
			}
			if (best == "-" || best == "") { printf "| %s | %s | - | |\n", R, size_name(F); unknown = 1; continue }
			printf "| %s | %s | %s | %.1f (%.1f) |\n", R, size_name(F), size_name(best), first[R, F, best], first[R, F, S0]
			if (best > need) need = best
		}
	}
	print ""
	if (need && !unknown) printf "max_batch_bytes the data supports: %s (%d)\n\n", size_name(need), need
	printf "Failed points: %d.\n", failed
	exit (failed > 0 ? 1 : 0)
}' "$out/span-summary.csv" >"$out/span.md" || status=1

# Plot: throughput and first-folio latency against the span, per run and
# folio size.
tp="" fp=""
while IFS=, read -r run folio; do
	dat=$out/span-$(echo "$run-$folio" | tr -c 'A-Za-z0-9+=.\n-' '_').dat
	awk -F, -v r="$run" -v f="$folio" '$1 == r && $3 == f && $2 > 0 && $11 == "ok" { print $2 / 1048576, $4, $5 }' \
		"$out/span-summary.csv" >"$dat"
	[ -s "$dat" ] || continue
	title="$run, $([ "$folio" -ge 1048576 ] && echo $((folio / 1048576))M || echo $((folio / 1024))K)"
	tp+="${tp:+, }'$dat' using 1:2 with linespoints title '$title'"
	fp+="${fp:+, }'$dat' using 1:3 with linespoints title '$title'"
done < <(awk -F, '$2 > 0 { print $1 "," $3 }' "$out/span-summary.csv" | awk '!seen[$0]++')
if [ -n "$tp" ] && command -v gnuplot >/dev/null; then
	gnuplot <<GP
set terminal pngcairo size 1400,560 noenhanced
set output '$out/span.png'
set multiplot layout 1,2 title 'batch span (max_batch_bytes), 64 MiB per move_pages() call (QEMU guest)'
set logscale x 2
set grid
set xlabel 'max_batch_bytes (MiB)'
set key bottom right
set ylabel 'GB/s'
plot $tp
set ylabel 'ms to the first folio remapped'
set key top left
plot $fp
unset multiplot
GP
fi
rm -f "$out"/span-*.dat
cat "$out/span.md"
exit "${status:-0}"
