#!/usr/bin/env bash
# Turn the benchmark CSV into a Markdown table, a summary CSV and a PNG plot.
#   report.sh RAW.csv OUTDIR
# RAW.csv columns: run,kind,param,rep,bytes,ns,cpu_ns,status  (kind: move|memcpy)
# A (run, folio size) with any failed repetition gets no figure: "FAILED(<why>)".
set -euo pipefail

raw=${1:?raw csv}
out=${2:?output dir}
mkdir -p "$out"

# summary.csv: run,kind,param,n,mean_gbps,sd_gbps,cpu_ms_mean,status
awk -F, 'NR > 1 {
	key = $1 "," $2 "," $3
	if (!(key in n)) { order[++keys] = key; n[key] = 0; bad[key] = "" }
	if ($8 != "ok") { bad[key] = $8; next }
	g = $5 / $6			# bytes per ns = GB/s
	n[key]++; s[key] += g; ss[key] += g * g; cpu[key] += $7 / 1e6
}
END {
	print "run,kind,param,n,mean_gbps,sd_gbps,cpu_ms_mean,status"
	for (i = 1; i <= keys; i++) {
		k = order[i]
		if (bad[k] != "" || n[k] == 0) { print k ",0,,,," (bad[k] == "" ? "no-data" : bad[k]); continue }
		m = s[k] / n[k]; v = n[k] > 1 ? (ss[k] - n[k] * m * m) / (n[k] - 1) : 0
		printf "%s,%d,%.3f,%.3f,%.1f,ok\n", k, n[k], m, sqrt(v > 0 ? v : 0), cpu[k] / n[k]
	}
}' "$raw" >"$out/summary.csv"

# Markdown: one row per run, one column per folio size; ratio to the first
# run (the reference kernel) and to the guest's single-thread memcpy.  Then
# the cells slower than the reference beyond noise: more than NOISE (default
# 10%) below it, with the mean ± sd ranges apart.  A run named "<x>+none"
# (the patched kernel with no migrator active) takes the reference's code
# path in the other kernel's boot, interleaved with the migrators: a
# migrator counts as slower only if it is slower than both measurements of
# that path.
awk -F, -v NOISE="${NOISE:-0.10}" '
function size_name(b) { return b >= 1048576 ? b / 1048576 "M" : b / 1024 "K" }
NR == 1 { next }
$2 == "memcpy" { if ($8 == "ok") memcpy[$3] = $5; next }
{
	if (!($1 in seen)) { seen[$1] = 1; runs[++nr] = $1 }
	if ($1 ~ /\+none$/) none = $1
	if (!($3 in sseen)) { sseen[$3] = 1; sizes[++ns] = $3 }
	cell[$1, $3] = $8 == "ok" ? sprintf("%.2f ± %.2f", $5, $6) : "FAILED(" $8 ")"
	mean[$1, $3] = $8 == "ok" ? $5 : 0
	sd[$1, $3] = $6
	cpu[$1, $3] = $7
}
function print_table(corner, tab,   i, j) {
	printf "| %s |", corner
	for (j = 1; j <= ns; j++) printf " %s |", size_name(sizes[j])
	printf "\n|---|"
	for (j = 1; j <= ns; j++) printf "---|"
	print ""
	for (i = 1; i <= nr; i++) {
		printf "| %s |", runs[i]
		for (j = 1; j <= ns; j++) printf " %s |", tab[runs[i], sizes[j]]
		print ""
	}
}
END {
	for (i = 1; i <= nr; i++) {
		for (j = 1; j <= ns; j++) {
			r = runs[i]; s = sizes[j]; ref = mean[runs[1], s]
			gbps[r, s] = cell[r, s]
			if (i > 1 && mean[r, s] > 0 && ref > 0)
				gbps[r, s] = gbps[r, s] sprintf(" (%.2fx)", mean[r, s] / ref)
			frac[r, s] = (mean[r, s] > 0 && (1 in memcpy)) ? sprintf("%.0f%%", 100 * mean[r, s] / memcpy[1]) : "-"
			cpums[r, s] = cpu[r, s] != "" ? cpu[r, s] : "-"
		}
	}
	printf "Throughput of move_pages() node 0 -> node 1, GB/s (mean ± sd; ratio to %s)\n\n", runs[1]
	print_table("GB/s (mean ± sd)", gbps)
	slower = ""
	for (i = 2; i <= nr; i++)
		for (j = 1; j <= ns; j++) {
			r = runs[i]; s = sizes[j]; ref = runs[1]
			if (r !~ /\+none$/ && (none, s) in mean && mean[none, s] > 0 && mean[none, s] < mean[ref, s])
				ref = none
			if (mean[r, s] > 0 && mean[r, s] < (1 - NOISE) * mean[ref, s] &&
			    mean[r, s] + sd[r, s] < mean[ref, s] - sd[ref, s])
				slower = slower sprintf("%s%s at %s (%.2fx)", slower == "" ? "" : "; ", r, size_name(s), mean[r, s] / mean[runs[1], s])
		}
	printf "\nSlower than %s beyond noise (more than %d%% slower, mean ± sd ranges apart%s): %s.\n",
		runs[1], NOISE * 100, none == "" ? "" : ", for a migrator from " runs[1] " and from " none,
		slower == "" ? "none" : slower
	if (1 in memcpy) {
		printf "\nReference: the guest\x27s memcpy node 0 -> node 1: %.2f GB/s with 1 thread", memcpy[1]
		if (2 in memcpy) printf ", %.2f GB/s with 2 threads", memcpy[2]
		print ".\n\nFraction of 1-thread memcpy bandwidth:\n"
		print_table("run", frac)
	}
	print "\nCaller CPU time per move (ms, mean):\n"
	print_table("run", cpums)
}' "$out/summary.csv" >"$out/bench.md"

# Plot: GB/s per folio size, one line per run, error bars = stdev.
awk -F, 'NR > 1 && $2 == "move" && $8 == "ok" { print > (dir "/plot-" $1 ".dat") }' \
	dir="$out" "$out/summary.csv"
plots=""
for f in "$out"/plot-*.dat; do
	[ -e "$f" ] || continue
	run=$(basename "$f" .dat); run=${run#plot-}
	tr ',' ' ' <"$f" >"$f.tmp" && mv "$f.tmp" "$f"
	plots+="${plots:+, }'$f' using (log(\$3)/log(2)):5:6 with yerrorlines title '$run'"
done
if [ -n "$plots" ] && command -v gnuplot >/dev/null; then
	gnuplot <<GP
set terminal pngcairo size 1150,560 noenhanced
set output '$out/bench.png'
set title 'move_pages() throughput between two NUMA nodes (QEMU guest)'
set xlabel 'folio size'
set ylabel 'GB/s'
set xtics ('4K' 12, '16K' 14, '64K' 16, '256K' 18, '1M' 20, '2M' 21)
set grid
set key outside right top
plot $plots
GP
fi
rm -f "$out"/plot-*.dat
cat "$out/bench.md"
