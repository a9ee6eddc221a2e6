#!/usr/bin/env bash
# First-folio latency table and plot from the benchmark's latency CSV.
#   latency-report.sh LATENCY.csv OUTDIR
# Columns: run,folio,nfolios,rep,first_ns,total_ns,status.  A point with any
# failed repetition prints FAILED(<why>) instead of a figure.
set -euo pipefail

csv=${1:?latency csv}
out=${2:?output dir}
mkdir -p "$out"

# run,folio,nfolios,first_us_mean,total_us_mean,status
awk -F, 'NR > 1 {
	k = $1 "," $2 "," $3
	if (!(k in n)) { order[++nk] = k; n[k] = 0; bad[k] = "" }
	if ($7 != "ok") { bad[k] = $7; next }
	n[k]++; first[k] += $5 / 1000; total[k] += $6 / 1000
}
END {
	for (i = 1; i <= nk; i++) {
		k = order[i]
		if (bad[k] != "" || !n[k]) print k ",,," (bad[k] == "" ? "no-data" : bad[k])
		else printf "%s,%.0f,%.0f,ok\n", k, first[k] / n[k], total[k] / n[k]
	}
}' "$csv" >"$out/latency-summary.csv"

# One table per folio size: rows are runs, columns the folios per call.
awk -F, '
function size_name(b) { return b >= 1048576 ? b / 1048576 "M" : b / 1024 "K" }
{
	if (!($2 in fs)) { fs[$2] = 1; folios[++nf] = $2 }
	if (!(($2, $1) in rs)) { rs[$2, $1] = 1; runs[$2, ++nr[$2]] = $1 }
	if (!(($2, $3) in cs)) { cs[$2, $3] = 1; cols[$2, ++nc[$2]] = $3 }
	cell[$1, $2, $3] = $6 == "ok" ? $4 " (" $5 ")" : "FAILED(" $6 ")"
}
END {
	for (f = 1; f <= nf; f++) {
		F = folios[f]
		printf "First-folio latency, %s folios: us from migrate_pages() start to the first folio remapped (whole call in brackets), by folios per move_pages() call\n\n| run |", size_name(F)
		for (c = 1; c <= nc[F]; c++) printf " %s |", cols[F, c]
		print ""
		printf "|---|"; for (c = 1; c <= nc[F]; c++) printf "---|"; print ""
		for (r = 1; r <= nr[F]; r++) {
			R = runs[F, r]; printf "| %s |", R
			for (c = 1; c <= nc[F]; c++) printf " %s |", cell[R, F, cols[F, c]]
			print ""
		}
		print ""
	}
}' "$out/latency-summary.csv" >"$out/latency.md"

# Plot: 4K folios, first-folio latency against folios per call, per run.
plots=""
while IFS= read -r run; do
	dat=$out/lat-$(echo "$run" | tr -c 'A-Za-z0-9+=.\n-' '_').dat
	awk -F, -v r="$run" '$1 == r && $2 == 4096 && $6 == "ok" { print $3, $4 }' \
		"$out/latency-summary.csv" >"$dat"
	[ -s "$dat" ] && plots+="${plots:+, }'$dat' using 1:2 with linespoints title '$run'"
done < <(cut -d, -f1 "$out/latency-summary.csv" | awk '!seen[$0]++')
if [ -n "$plots" ] && command -v gnuplot >/dev/null; then
	gnuplot <<GP
set terminal pngcairo size 900,560 noenhanced
set output '$out/latency.png'
set title 'first-folio latency, 4K folios (QEMU guest)'
set xlabel 'folios per move_pages() call (batch cap: 512)'
set ylabel 'microseconds to the first folio remapped'
set logscale x 2
set logscale y
set grid
set key top left
plot $plots
GP
fi
rm -f "$out"/lat-*.dat
cat "$out/latency.md"
