#!/usr/bin/env bash
# The tiering benchmark's table and plot, from its CSV.
#   tier-report.sh TIER.csv OUTDIR
# Columns: run,rep,work_ns,fill_ns,demoted,promoted,demote_ns,demote_pages,
# promote_ns,promote_pages,off_demote,off_promote,kcpu_ns,fast,slow,status
# (one tierbench run each: a working set twice the free fast memory, run to
# a fixed amount of work; demote_ns/promote_ns and their pages are the
# migrate_pages() calls of reason demotion/numa_misplaced; off_*: batches
# of each the migrator was handed; kcpu_ns: guest kernel CPU time during
# the fill and the work).  Figures are medians over the repetitions; the
# work phase is compared with REF (default vanilla, the unpatched kernel;
# natively the same kernel's none): the ratio of
# geometric means of the work time (REF / run: above 1 the run took
# less time) with a 95% interval (Welch's t-test on log time); "faster" and
# "slower" only where the interval excludes 1.  A run with a failed
# repetition or without exactly TIERREPS repetitions (when set) prints
# FAILED(<why>), as does a CSV with no run at all, and the script then
# exits 1.  A repetition that promoted nothing ("no-promotion": everything
# else held) counts: how much of the hot part the fill left on the slow
# node, and so how much there is to promote, depends on how far demotion
# kept up with the fill, and can be none.  A run none of whose repetitions
# promoted anything fails (FAILED(no-promotion)): it did not measure
# promotion at all.
set -euo pipefail

csv=${1:?tier csv}
out=${2:?output dir}
STATS_AWK=$(cat "$(dirname "$0")/stats.awk")
mkdir -p "$out"

awk -F, -v TIERREPS="${TIERREPS:-}" -v REF="${REF:-vanilla}" "$STATS_AWK"'
function rate(pages, ns) { return ns > 0 ? pages * 4096 / ns : 0 }
NR > 1 {
	k = $1
	if (!(k in n)) { order[++nk] = k; n[k] = 0; bad[k] = "" }
	if ($16 != "ok" && $16 != "no-promotion") { bad[k] = $16; next }
	if ($16 == "ok") promoted[k] = 1
	i = ++n[k]
	work[k, i] = $3 / 1e6; fill[k, i] = $4 / 1e6
	dem[k, i] = $5 * 4096 / 1048576; prom[k, i] = $6 * 4096 / 1048576
	dgb[k, i] = rate($8, $7); pgb[k, i] = rate($10, $9)
	od[k, i] = $11; op[k, i] = $12; cpu[k, i] = $13 / 1e9
	l[k] += log($3); ll[k] += log($3) * log($3)
}
function med(a, k,   j, t) { for (j = 1; j <= n[k]; j++) t[j] = a[k, j]; return median(t, n[k]) }
END {
	print "Tiering: a working set twice the free fast memory (384 MiB of 2M folios, 192 MiB free on the fast node), its newest 96 MiB read 60 times; medians over the repetitions (n each); work vs " REF " = " REF " / run time (geometric means, 95% interval; above 1 the run took less time); GB/s = pages moved / time in migrate_pages() of that reason\n"
	print "| run | n | work ms | work vs " REF " | fill ms | demoted MiB | promoted MiB | demotion GB/s | promotion GB/s | batches to the migrator (demotion/promotion) | guest kernel CPU s |"
	print "|---|---|---|---|---|---|---|---|---|---|---|"
	for (i = 1; i <= nk; i++) {
		k = order[i]
		if (TIERREPS != "" && bad[k] == "" && n[k] != TIERREPS) bad[k] = "n=" n[k] "-of-" TIERREPS
		if (bad[k] == "" && n[k] && !(k in promoted)) bad[k] = "no-promotion"
		if (bad[k] != "" || !n[k]) {
			printf "| %s | | FAILED(%s) | | | | | | | | |\n", k, bad[k] == "" ? "no-data" : bad[k]
			failed++
			continue
		}
		vs = "-"
		if (k != REF && n[REF] > 1 && bad[REF] == "" && n[k] > 1) {
			a = (ll[k] - l[k] * l[k] / n[k]) / (n[k] - 1) / n[k]
			b = (ll[REF] - l[REF] * l[REF] / n[REF]) / (n[REF] - 1) / n[REF]
			d = l[REF] / n[REF] - l[k] / n[k]; se = sqrt(a + b)
			df = a + b > 0 ? (a + b) ^ 2 / (a * a / (n[k] - 1) + b * b / (n[REF] - 1)) : 0
			t = t975(df)
			# No spread at all: no interval, no claim.
			if (df < 1) vs = sprintf("%.2f [no interval]", exp(d))
			else vs = sprintf("%.2f [%.2f, %.2f]%s", exp(d), exp(d - t * se), exp(d + t * se),
				exp(d - t * se) > 1 ? " faster" : exp(d + t * se) < 1 ? " slower" : "")
		}
		printf "| %s | %d | %.0f | %s | %.0f | %.0f | %.0f | %.2f | %.2f | %d/%d | %.2f |\n", k, n[k],
			med(work, k), vs, med(fill, k), med(dem, k), med(prom, k), med(dgb, k), med(pgb, k),
			med(od, k), med(op, k), med(cpu, k)
		printf "%s %.3f %.3f %.0f\n", k, med(dgb, k), med(pgb, k), med(work, k) >"'"$out/tier-plot.dat"'"
	}
	if (!nk) { print "| FAILED(no tiering rows) | | | | | | | | | | |"; failed++ }
	printf "\nFailed runs: %d.\n", failed
	exit (failed > 0 ? 1 : 0)
}' "$csv" >"$out/tier.md" || status=1

if [ -s "$out/tier-plot.dat" ] && command -v gnuplot >/dev/null; then
	gnuplot <<GP
set terminal pngcairo size 1400,560 noenhanced
set output '$out/tier.png'
set multiplot layout 1,2 title 'tiering benchmark: 384 MiB of 2M folios over 192 MiB of fast memory (QEMU guest)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -30
set grid ytics
set ylabel 'GB/s in migrate_pages()'
plot '$out/tier-plot.dat' using 2:xtic(1) title 'demotion', '' using 3 title 'promotion'
set ylabel 'work phase, ms (median)'
plot '$out/tier-plot.dat' using 4:xtic(1) title 'work' lc rgb '#4060a0'
unset multiplot
GP
fi
rm -f "$out/tier-plot.dat"
cat "$out/tier.md"
exit "${status:-0}"
