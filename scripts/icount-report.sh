#!/usr/bin/env bash
# The work a move costs, counted: guest instructions per GiB moved, from
# the benchmark's move rows of boots under QEMU's instruction counting
# (run-benchmark.sh --icount: -icount shift=0, where guest time advances by
# one ns per instruction any vCPU executes and skips idle time).  A move's
# time is then the instructions every vCPU executed while it ran: the
# caller's, mtcopy's helpers', swdma's, and whatever else the guest did
# meanwhile.  Unlike seconds under emulation, the count is close to equal on
# every run, whatever the host is doing.
#   icount-report.sh ICOUNT.csv OUTDIR
# Columns as bench.csv: run,kind,param,rep,bytes,ns,cpu_ns,guest_cpu_ns,
# batches,batch_bytes,copy_ns,status (param: the folio size in bytes).
# Per run and folio size: the median over the repetitions, in millions of
# instructions per GiB (a repetition now and then costs a few percent more:
# the median keeps it from moving the figure), and the spread ((max - min)
# / median).  The disabled
# path (REF_NONE, default patched+none) must cost what vanilla (REF,
# default vanilla) costs within TOL (default 0.02) at every folio size, in
# every run of this script.  A cell with a failed repetition or without
# exactly REPS repetitions (when set) prints FAILED(<why>), as does a
# disabled path outside the tolerance or an input without rows; the
# script then exits 1.  Writes OUTDIR/icount.md.
set -euo pipefail

csv=${1:?icount csv}
out=${2:?output dir}
STATS_AWK=$(cat "$(dirname "$0")/stats.awk")
mkdir -p "$out"

awk -F, -v REPS="${REPS:-}" -v TOL="${TOL:-0.02}" -v REF="${REF:-vanilla}" \
	-v REF_NONE="${REF_NONE:-patched+none}" -v RUNS="${RUNS:-}" "$STATS_AWK"'
function size_name(b) { return b >= 1048576 ? b / 1048576 "M" : b / 1024 "K" }
function cell(r, f) {
	if (bad[r, f] != "") return "FAILED(" bad[r, f] ")"
	if (!n[r, f]) return "FAILED(no-data)"
	return sprintf("%.1f (%.1f%%)", mid[r, f] / 1e6, 100 * (hi[r, f] - lo[r, f]) / mid[r, f])
}
NR > 1 && $2 == "move" {
	r = $1; f = $3
	if (!(r in rs)) { rs[r] = 1; if (RUNS == "") runs[++nr] = r }
	if (!(f in fs)) { fs[f] = 1; folios[++nf] = f }
	if ($12 != "ok") { bad[r, f] = $12; next }
	per_gib = $6 * 1073741824 / $5
	if (!n[r, f] || per_gib < lo[r, f]) lo[r, f] = per_gib
	if (!n[r, f] || per_gib > hi[r, f]) hi[r, f] = per_gib
	count[r, f, ++n[r, f]] = per_gib
}
END {
	if (RUNS != "") nr = split(RUNS, runs, " ")
	if (!nf) { print "FAILED(no-data): no move row in the input"; exit 1 }
	for (i = 1; i <= nf; i++) for (j = 1; j <= nr; j++) {
		f = folios[i]; r = runs[j]
		if (bad[r, f] == "" && REPS != "" && n[r, f] && n[r, f] != REPS)
			bad[r, f] = "n=" n[r, f] "-of-" REPS
		for (k = 1; k <= n[r, f]; k++) c[k] = count[r, f, k]
		if (n[r, f]) mid[r, f] = median(c, n[r, f])
		if (bad[r, f] != "" || !n[r, f]) failed++
	}
	print "Guest instructions per GiB moved, millions (QEMU -icount shift=0: every vCPU, idle time skipped);"
	print "median of " (REPS != "" ? REPS : "the") " repetitions, spread (max - min) / median in brackets"
	print ""
	printf "| folio |"
	for (j = 1; j <= nr; j++) printf " %s |", runs[j]
	printf " %s / %s |\n|---|", REF_NONE, REF
	for (j = 1; j <= nr + 1; j++) printf "---:|"
	print ""
	for (i = 1; i <= nf; i++) {
		f = folios[i]
		printf "| %s |", size_name(f)
		for (j = 1; j <= nr; j++) printf " %s |", cell(runs[j], f)
		if (bad[REF, f] != "" || bad[REF_NONE, f] != "" || !n[REF, f] || !n[REF_NONE, f]) {
			printf " FAILED(no-reference) |\n"; failed++; continue
		}
		q = mid[REF_NONE, f] / mid[REF, f]
		if (q < 1 - TOL || q > 1 + TOL) {
			printf " FAILED(disabled-path: %.4f, outside 1 +- %s) |\n", q, TOL; failed++
		} else {
			printf " %.4f |\n", q
		}
	}
	print ""
	printf "Each migrator against %s, the same boot (instructions per GiB, ratio of medians):\n\n", REF_NONE
	printf "| folio |"
	for (j = 1; j <= nr; j++) if (runs[j] != REF && runs[j] != REF_NONE) printf " %s |", runs[j]
	printf "\n|---|"
	for (j = 1; j <= nr; j++) if (runs[j] != REF && runs[j] != REF_NONE) printf "---:|"
	print ""
	for (i = 1; i <= nf; i++) {
		f = folios[i]
		printf "| %s |", size_name(f)
		for (j = 1; j <= nr; j++) {
			r = runs[j]
			if (r == REF || r == REF_NONE) continue
			if (n[r, f] && bad[r, f] == "" && n[REF_NONE, f] && bad[REF_NONE, f] == "")
				printf " %.3f |", mid[r, f] / mid[REF_NONE, f]
			else
				printf " FAILED |"
		}
		print ""
	}
	exit failed > 0
}' "$csv" | tee "$out/icount.md"
