#!/usr/bin/env bash
# Turn the benchmark's raw CSVs into Markdown tables, a summary CSV and a
# PNG plot.
#   report.sh DIR     (reads DIR/bench.csv, DIR/limit.csv, DIR/vmstat.csv)
# Environment: RUNS, the run labels every folio size must have (e.g.
# "vanilla patched+none ..."; the first is the reference), and REPS, the
# repetitions each must have; MOVES, from which node to which the moves
# went ("0->1", the default; native mode's MIGNATIVE line says).
# bench.csv:  run,kind,param,rep,bytes,ns,cpu_ns,guest_cpu_ns,batches,batch_bytes,copy_ns,status
# limit.csv:  run,primitive,threads,rep,bytes,ns,status
# vmstat.csv: run,folio,rep,counter=delta;...
#
# A cell (run, folio size) is FAILED(<why>) instead of a figure when any
# repetition failed (its status says why), or it has not exactly REPS
# repetitions; so is a copy limit that failed or is missing, and the whole
# report when bench.csv has no move or limit.csv no limit.  The script
# exits 1 when anything failed.
#
# Statistics: a migrator's run LABEL+MIGRATOR is compared with LABEL+none,
# the same kernel in the same boot with no migrator active: the migrators
# take turns within each repetition, so the comparison is paired per
# repetition (the geometric mean of the per-repetition ratios of GB/s, a
# 95% interval from the t distribution on their logs, n-1 degrees of
# freedom).  LABEL+none, and any run without a +none beside it, is
# compared with the reference run (the first of RUNS, another boot) by the
# ratio of geometric means with Welch's interval on log(GB/s): that
# interval also holds whatever differs between the two boots.  "faster"
# or "slower" is said only where Holm's step-down procedure over every
# comparison of the table keeps the p-value below 0.05 (family-wise), and
# the interval then excludes 1 as well.
set -euo pipefail

dir=${1:?results dir}
STATS_AWK=$(cat "$(dirname "$0")/stats.awk")
raw=$dir/bench.csv
: "${RUNS:?RUNS: the expected run labels}" "${REPS:?REPS: the expected repetitions}"

# summary.csv: one line per cell, with the statistics every table uses.
# The copy phase is each repetition's own (its batch bytes / its copy
# time): the best and the median of them, which the copy-phase table holds
# against the limit's best and median.
# run,param,n,mean_gbps,sd_gbps,mean_log,var_log,cpu_ms_per_gib,guest_cpu_ms_per_gib,copy_best_gbps,status,batch_kib,copy_median_gbps
awk -F, -v RUNS="$RUNS" -v REPS="$REPS" "$STATS_AWK"'
NR == 1 { next }
$2 == "move" {
	k = $1 SUBSEP $3
	if (!($3 in seen_size)) { seen_size[$3] = 1; sizes[++ns] = $3 }
	reps[k]++
	if ($12 != "ok") { if (!(k in bad)) bad[k] = $12; next }
	g = $5 / $6; gib = $5 / 1073741824
	n[k]++; s[k] += g; ss[k] += g * g; l[k] += log(g); ll[k] += log(g) * log(g)
	cpu[k] += $7 / 1e6 / gib; gcpu[k] += $8 / 1e6 / gib
	cb[k] += $10; nb[k] += $9
	if ($11 > 0) rc[k, ++nrc[k]] = $10 / $11
}
END {
	print "run,param,n,mean_gbps,sd_gbps,mean_log,var_log,cpu_ms_per_gib,guest_cpu_ms_per_gib,copy_best_gbps,status,batch_kib,copy_median_gbps"
	nr = split(RUNS, runs, " ")
	for (i = 1; i <= nr; i++)
		for (j = 1; j <= ns; j++) {
			k = runs[i] SUBSEP sizes[j]
			pre = runs[i] "," sizes[j] ","
			if (k in bad) { print pre "0,,,,,,,," bad[k]; continue }
			if (reps[k] != REPS) { print pre "0,,,,,,,,n=" reps[k] + 0 "-of-" REPS; continue }
			m = s[k] / n[k]; v = n[k] > 1 ? (ss[k] - n[k] * m * m) / (n[k] - 1) : 0
			lm = l[k] / n[k]; lv = n[k] > 1 ? (ll[k] - n[k] * lm * lm) / (n[k] - 1) : 0
			best = 0
			for (x = 1; x <= nrc[k]; x++) { rv[x] = rc[k, x]; if (rv[x] > best) best = rv[x] }
			printf "%s%d,%.4f,%.4f,%.6f,%.8f,%.1f,%.1f,%s,ok,%s,%s\n", pre, n[k], m, sqrt(v > 0 ? v : 0),
				lm, (lv > 0 ? lv : 0), cpu[k] / n[k], gcpu[k] / n[k],
				(nrc[k] ? sprintf("%.3f", best) : ""),
				(nb[k] > 0 ? sprintf("%.0f", cb[k] / nb[k] / 1024) : ""),
				(nrc[k] ? sprintf("%.3f", median(rv, nrc[k])) : "")
		}
}' "$raw" >"$dir/summary.csv"

# compare.csv: one line per comparison of the ratio table, with Holm's
# adjusted p-value and the verdict it allows.
# run,param,ref,test,n,ratio,lo,hi,p,p_holm,verdict
awk -F, -v RUNS="$RUNS" "$STATS_AWK"'
# The run R is compared with: LABEL+none when R is LABEL+MIGRATOR and that
# run exists (paired), else the reference run.
function reference_of(r,   boot) {
	boot = r; sub(/\+.*/, "", boot)
	return (r != boot "+none" && r ~ /\+/ && ((boot "+none") in is_run)) ? boot "+none" : runs[1]
}
function boot_of(r) { sub(/\+.*/, "", r); return r }
function same_boot(r, ref) { return r ~ /\+/ && ref ~ /\+/ && boot_of(r) == boot_of(ref) }
FILENAME ~ /summary/ {
	if (FNR > 1) {
		k = $1 SUBSEP $2; st[k] = $11; n[k] = $3; lm[k] = $6; lv[k] = $7
		if (!($2 in seen)) { seen[$2] = 1; sizes[++ns] = $2 }
	}
	next
}
FNR > 1 && $2 == "move" && $12 == "ok" { lg[$1, $3, $4] = log($5 / $6); reps[$1, $3] = reps[$1, $3] " " $4 }
END {
	nr = split(RUNS, runs, " ")
	for (i = 1; i <= nr; i++) is_run[runs[i]] = 1
	for (i = 2; i <= nr; i++)
		for (j = 1; j <= ns; j++) {
			r = runs[i]; s = sizes[j]; ref = reference_of(r)
			if (st[r, s] != "ok" || st[ref, s] != "ok") continue
			if (same_boot(r, ref)) {
				test = "paired"; m = split(substr(reps[r, s], 2), rr, " "); np = sd = sdd = 0
				for (x = 1; x <= m; x++)
					if ((ref, s, rr[x]) in lg) { dd = lg[r, s, rr[x]] - lg[ref, s, rr[x]]; np++; sd += dd; sdd += dd * dd }
				d = np ? sd / np : 0; v = np > 1 ? (sdd - np * d * d) / (np - 1) : 0
				se = np > 1 ? sqrt((v > 0 ? v : 0) / np) : 0; df = np - 1; nn = np
			} else {
				test = "welch"; d = lm[r, s] - lm[ref, s]
				a = lv[r, s] / n[r, s]; b = lv[ref, s] / n[ref, s]; se = sqrt(a + b)
				df = (a + b) > 0 && n[r, s] > 1 && n[ref, s] > 1 ? (a + b) ^ 2 / (a * a / (n[r, s] - 1) + b * b / (n[ref, s] - 1)) : 0
				nn = n[r, s]
			}
			c = ++nc; cr[c] = r; cs[c] = s; cref[c] = ref; ctest[c] = test; cn[c] = nn; cd[c] = d
			if (df >= 1 && se > 0) {
				clo[c] = exp(d - t975(df) * se); chi[c] = exp(d + t975(df) * se)
				cp[c] = t_pvalue(d / se, df)
			} else {
				clo[c] = chi[c] = ""; cp[c] = 1	# no interval: no claim
			}
		}
	# Holm: the k-th smallest of the m p-values is compared with 0.05 / (m - k + 1),
	# and the first that fails stops the rejections; adjusted p-values are
	# the running maximum of (m - k + 1) * p, capped at 1.
	for (c = 1; c <= nc; c++) order[c] = c
	for (x = 2; x <= nc; x++)
		for (y = x; y > 1 && cp[order[y - 1]] > cp[order[y]]; y--) { t = order[y]; order[y] = order[y - 1]; order[y - 1] = t }
	running = 0
	for (x = 1; x <= nc; x++) {
		c = order[x]; adj = (nc - x + 1) * cp[c]; if (adj > 1) adj = 1
		if (adj > running) running = adj
		cadj[c] = running
	}
	print "run,param,ref,test,n,ratio,lo,hi,p,p_holm,verdict"
	for (c = 1; c <= nc; c++) {
		verdict = cadj[c] < 0.05 ? (cd[c] > 0 ? "faster" : "slower") : ""
		printf "%s,%s,%s,%s,%d,%.4f,%s,%s,%.4g,%.4g,%s\n", cr[c], cs[c], cref[c], ctest[c], cn[c], exp(cd[c]),
			clo[c] == "" ? "" : sprintf("%.4f", clo[c]), chi[c] == "" ? "" : sprintf("%.4f", chi[c]),
			cp[c], cadj[c], verdict
	}
}' "$dir/summary.csv" "$raw" >"$dir/compare.csv"

# The limit table's summary: run,primitive,threads,n,best_gbps,median_gbps,status
# A limit is what the primitive reaches: the best repetition, with the
# median beside it (the emulator's slow mode pulls single repetitions far
# down, so a mean would mix two things).
awk -F, "$STATS_AWK"'
NR > 1 {
	k = $1 "," $2 "," $3
	if (!(k in n)) { order[++nk] = k; n[k] = 0 }
	if ($7 != "ok") { bad[k] = $7; next }
	g[k, ++n[k]] = $5 / $6
}
END {
	for (i = 1; i <= nk; i++) {
		k = order[i]
		if ((k in bad) || !n[k]) { print k ",0,,," ((k in bad) ? bad[k] : "no-data"); continue }
		best = 0
		for (j = 1; j <= n[k]; j++) { v[j] = g[k, j]; if (v[j] > best) best = v[j] }
		printf "%s,%d,%.3f,%.3f,ok\n", k, n[k], best, median(v, n[k])
	}
}' "$dir/limit.csv" >"$dir/limit-summary.csv"

moves=${MOVES:-0->1}
awk -F, -v RUNS="$RUNS" -v FROM="${moves%->*}" -v TO="${moves#*->}" "$STATS_AWK"'
function size_name(b) { return b >= 1048576 ? b / 1048576 "M" : b / 1024 "K" }
# The threads a migrator spec copies with (the built-in cpu copier: 1).
function threads_of(r,   m) {
	if (match(r, /(threads|channels)=[0-9]+/)) { m = substr(r, RSTART, RLENGTH); sub(/.*=/, "", m); return m }
	return r ~ /\+cpu$/ ? 1 : 0
}
function header(corner,   j) {
	printf "| %s |", corner
	for (j = 1; j <= ns; j++) printf " %s |", size_name(sizes[j])
	printf "\n|---|"
	for (j = 1; j <= ns; j++) printf "---|"
	print ""
}
function table(caption, what,   i, j, r) {
	print caption "\n"
	header("run")
	for (i = 1; i <= nr; i++) {
		r = runs[i]; printf "| %s |", r
		for (j = 1; j <= ns; j++) printf " %s |", cell(what, r, sizes[j])
		print ""
	}
	print ""
}
function cell(what, r, s,   k, lk, frac, th, boot) {
	k = r SUBSEP s
	if (st[k] != "ok") return "FAILED(" st[k] ")"
	if (what == "gbps") return sprintf("%.2f ± %.2f", mean[k], sd[k])
	if (what == "cpu") return sprintf("%.0f / %.0f", cpu[k], gcpu[k])
	if (what == "batch") return batch[k] == "" ? "-" : batch[k] >= 1024 ? sprintf("%.2gM", batch[k] / 1024) : sprintf("%dK", batch[k])
	if (what == "copy") {
		if (copy_best[k] == "") return "-"
		# The limit per folio where the copylimit module measured it, else per page.
		th = threads_of(r); boot = r; sub(/\+.*/, "", boot); lk = boot SUBSEP "copy_mc/" size_name(s) SUBSEP th
		if (!(lk in limit)) lk = boot SUBSEP "copy_mc" SUBSEP th
		frac = !(lk in limit) ? "" : sprintf(": %.0f%% (%.0f%%)", 100 * copy_best[k] / limit[lk], 100 * copy_median[k] / lmed[lk])
		return sprintf("%.2f (%.2f)%s", copy_best[k], copy_median[k], frac)
	}
	# what == "ratio": against the run compare.csv names
	if (!(k in cmp_ref)) return r == runs[1] ? "reference" : "-"
	if (cmp_lo[k] == "") return sprintf("%.2fx [no interval, n=%d]%s", cmp_ratio[k], cmp_n[k], vs(k))
	return sprintf("%.2fx [%.2f, %.2f]%s%s", cmp_ratio[k], cmp_lo[k], cmp_hi[k], vs(k),
		cmp_verdict[k] == "" ? "" : " " cmp_verdict[k])
}
# " vs none" for a paired comparison (the reference run needs no mention).
function vs(k) { return cmp_test[k] == "paired" ? " vs none" : "" }
FILENAME ~ /compare/ {
	if (FNR > 1) {
		k = $1 SUBSEP $2; cmp_ref[k] = $3; cmp_test[k] = $4; cmp_n[k] = $5; cmp_ratio[k] = $6
		cmp_lo[k] = $7; cmp_hi[k] = $8; cmp_verdict[k] = $11
		if ($11 != "") verdict[k] = $11
	}
	next
}
FILENAME ~ /limit-summary/ {
	if ($7 == "ok") { limit[$1, $2, $3] = $5; lmed[$1, $2, $3] = $6 }
	else limit_bad[$1, $2, $3] = $7
	if (!(($1, $2) in lrow)) { lrow[$1, $2] = 1; lrows[++nl] = $1 SUBSEP $2 }
	if (!($3 in lt)) { lt[$3] = 1; lthreads[++nlt] = $3 }
	next
}
FNR == 1 { next }
{
	k = $1 SUBSEP $2
	if (!($2 in seen)) { seen[$2] = 1; sizes[++ns] = $2 }
	st[k] = $11; n[k] = $3; mean[k] = $4; sd[k] = $5; lmean[k] = $6; lvar[k] = $7
	cpu[k] = $8; gcpu[k] = $9; copy_best[k] = $10; batch[k] = $12; copy_median[k] = $13
	if ($11 != "ok") failed++
}
END {
	nr = split(RUNS, runs, " ")
	if (!ns) { print "FAILED(no-data): no move in bench.csv\n"; failed++ }
	if (!nl) { print "FAILED(no-limit): no copy limit in limit.csv\n"; failed++ }
	n_ = n[runs[1] SUBSEP sizes[1]]
	table(sprintf("Throughput of move_pages() node %s -> node %s, GB/s (mean ± sd of %s repetitions)", FROM, TO, n_ == "" ? "the" : n_), "gbps")
	table("Ratio of GB/s with its 95% confidence interval. A migrator (\"vs none\"): against the same boot with no migrator, paired per repetition (the geometric mean of the per-repetition ratios; t interval on their logs)." (runs[1] ~ /\+/ ? "" : " The others: against " runs[1] ", another boot, by the ratio of geometric means (Welch interval on log GB/s, which also holds the boot-to-boot difference).") " \"faster\"/\"slower\" only where Holm'"'"'s step-down over every comparison of this table keeps p < 0.05 (compare.csv has the p-values)", "ratio")
	faster = slower = ""
	for (i = 2; i <= nr; i++)
		for (j = 1; j <= ns; j++) {
			k = runs[i] SUBSEP sizes[j]
			if (verdict[k] == "faster") faster = faster (faster == "" ? "" : ", ") runs[i] " at " size_name(sizes[j])
			if (verdict[k] == "slower") slower = slower (slower == "" ? "" : ", ") runs[i] " at " size_name(sizes[j])
		}
	printf "Faster than its reference (Holm, family-wise 5%%): %s.\n\n", faster == "" ? "none" : faster
	printf "Slower than its reference (Holm, family-wise 5%%): %s.\n\n", slower == "" ? "none" : slower
	# What two boots differ by with the kernel doing the same work: each
	# copy primitive at one thread, median GB/s, in every boot against the
	# reference run'"'"'s boot.
	ref_boot = runs[1]; sub(/\+.*/, "", ref_boot)
	boots = ""
	for (i = 1; i <= nl; i++) {
		split(lrows[i], p, SUBSEP)
		if (p[1] == ref_boot || !((ref_boot, p[2], 1) in limit) || !((p[1], p[2], 1) in limit)) continue
		boots = boots (boots == "" ? "" : "; ") sprintf("%s %.2f GB/s in the %s boot, %.2f in the %s boot (%.2fx)", p[2],
			lmed[ref_boot, p[2], 1], ref_boot, lmed[p[1], p[2], 1], p[1], lmed[p[1], p[2], 1] / lmed[ref_boot, p[2], 1])
	}
	if (boots != "")
		printf "The boots differ by themselves: the same copy primitive, one thread, medians: %s. A comparison with %s spans two boots and holds that difference.\n\n", boots, runs[1]
	if (nl) {
		printf "Copy primitives node %s -> node %s in the guest kernel (copylimit module, one call per 4K page, or with /64K and /2M one per folio of that size, threads on node %s), GB/s: best of the repetitions (median), by thread count\n\n", FROM, TO, FROM
		printf "| boot, primitive |"; for (t = 1; t <= nlt; t++) printf " %s |", lthreads[t] == 1 ? "1 thread" : lthreads[t] " threads"
		printf "\n|---|"; for (t = 1; t <= nlt; t++) printf "---|"
		print ""
		for (i = 1; i <= nl; i++) {
			split(lrows[i], p, SUBSEP); printf "| %s, %s |", p[1], p[2]
			for (t = 1; t <= nlt; t++) {
				lk = p[1] SUBSEP p[2] SUBSEP lthreads[t]
				if (!(lk in limit)) failed++
				printf " %s |", (lk in limit) ? sprintf("%.2f (%.2f)", limit[lk], lmed[lk]) : "FAILED(" ((lk in limit_bad) ? limit_bad[lk] : "missing") ")"
			}
			print ""
		}
		print ""
	}
	table("Batch each migrator was handed (its statistics over the moves: batch bytes / batches; no migrator: the core migrates 512 pages at a time)", "batch")
	table("Copy phase: GB/s of each migrator while it copied (its statistics, batch bytes / copy_ns of each repetition): the best repetition (the median), and as a fraction of the copy_mc limit above (the primitive every migrator copies with) at the same thread count in the same boot, best to best (median to median); the limit per folio at 64K and 2M, per 4K page at the other sizes", "copy")
	table("CPU time per GiB moved, ms (mean): the migrating task (getrusage) / the whole guest (the non-idle time of every CPU, /proc/stat: the task, copy threads, kworkers, interrupts)", "cpu")
	printf "Failed cells: %d.\n", failed
	exit (failed > 0 ? 1 : 0)
}' "$dir/limit-summary.csv" "$dir/compare.csv" "$dir/summary.csv" >"$dir/bench.md" || status=1

# The emulator's slow mode: in some repetitions the same work takes
# several times as long, on every kernel alike (see docs/results.md).
# Counted per run: repetitions below a third of the fastest repetition of
# the same run and folio size.
awk -F, -v RUNS="$RUNS" 'NR > 1 && $2 == "move" && $12 == "ok" {
	k = $1 SUBSEP $3; g = $5 / $6; v[k, ++n[k]] = g; if (g > max[k]) max[k] = g
}
END {
	for (k in n) { split(k, p, SUBSEP); for (i = 1; i <= n[k]; i++) { all[p[1]]++; if (v[k, i] < max[k] / 3) slow[p[1]]++ } }
	nr = split(RUNS, runs, " ")
	printf "Repetitions in the slow mode (below a third of the fastest of the same run and folio size):"
	for (i = 1; i <= nr; i++) printf "%s %s %d of %d", (i > 1 ? ";" : ""), runs[i], slow[runs[i]], all[runs[i]]
	print ".\n"
}' "$raw" >>"$dir/bench.md"

# The kernel's work per move, from the /proc/vmstat counters that moved
# during it (means over the repetitions): the same work takes the same
# counts whatever the emulator's speed, so two runs whose counts agree did
# the same work, and a difference in their times is not the kernel's.
awk -F, -v RUNS="$RUNS" '
function size_name(b) { return b >= 1048576 ? b / 1048576 "M" : b / 1024 "K" }
NR == 1 { next }
{
	k = $1 SUBSEP $2; n[k]++
	if (!($2 in seen)) { seen[$2] = 1; sizes[++ns] = $2 }
	m = split($4, kv, ";")
	for (i = 1; i <= m; i++) { split(kv[i], p, "="); sum[k, p[1]] += p[2] }
}
END {
	split("pgmigrate_success thp_migration_success thp_migration_split compact_stall pgmigrate_fail migrate_offload_folios", c, " ")
	print "Kernel work per move (/proc/vmstat, mean over the repetitions): base pages migrated / THPs migrated / THPs split on the way / direct compaction stalls / pages that failed to migrate / folios handed to a migrator\n"
	printf "| run |"; for (j = 1; j <= ns; j++) printf " %s |", size_name(sizes[j])
	printf "\n|---|"; for (j = 1; j <= ns; j++) printf "---|"
	print ""
	nr = split(RUNS, runs, " ")
	for (i = 1; i <= nr; i++) {
		printf "| %s |", runs[i]
		for (j = 1; j <= ns; j++) {
			k = runs[i] SUBSEP sizes[j]
			if (!n[k]) { printf " - |"; continue }
			printf " "
			for (x = 1; x <= 6; x++) printf "%s%g", (x > 1 ? " / " : ""), sum[k, c[x]] / n[k]
			printf " |"
		}
		print ""
	}
	print ""
}' "$dir/vmstat.csv" >>"$dir/bench.md"

# The DMA engine work per GiB moved under dcbm, from its counters that
# the guest added to the vmstat rows (means over the repetitions; GiB from
# pgmigrate_success): what the engine and the IOMMU are asked to do
# besides copying the bytes.
awk -F, -v RUNS="$RUNS" '
function size_name(b) { return b >= 1048576 ? b / 1048576 "M" : b / 1024 "K" }
NR == 1 { next }
{
	k = $1 SUBSEP $2
	if (!($2 in seen)) { seen[$2] = 1; sizes[++ns] = $2 }
	m = split($4, kv, ";")
	for (i = 1; i <= m; i++) { split(kv[i], p, "="); c[p[1]] = p[2] }
	if ("dcbm_descriptors" in c) {
		dma[$1] = 1; n[k]++; gib[k] += c["pgmigrate_success"] * 4096 / 1073741824
		for (x in c) if (x ~ /^dcbm_/) sum[k, x] += c[x]
	}
	delete c
}
END {
	nr = split(RUNS, runs, " ")
	for (i = 1; i <= nr; i++) if (runs[i] in dma) any = 1
	if (!any) exit
	print "DMA engine work per GiB moved (the dcbm counters, over the repetitions): descriptors / DMA mappings / interrupts asked for\n"
	printf "| run |"; for (j = 1; j <= ns; j++) printf " %s |", size_name(sizes[j])
	printf "\n|---|"; for (j = 1; j <= ns; j++) printf "---|"
	print ""
	for (i = 1; i <= nr; i++) {
		if (!(runs[i] in dma)) continue
		printf "| %s |", runs[i]
		for (j = 1; j <= ns; j++) {
			k = runs[i] SUBSEP sizes[j]
			if (!n[k] || gib[k] <= 0) { printf " - |"; continue }
			printf " %.0f / %.0f / %.0f |", sum[k, "dcbm_descriptors"] / gib[k],
				sum[k, "dcbm_mappings"] / gib[k], sum[k, "dcbm_interrupts"] / gib[k]
		}
		print ""
	}
	print ""
}' "$dir/vmstat.csv" >>"$dir/bench.md"

# Plot what the ratio table tests: each run's ratio to its reference (the
# geometric mean, log axis) with its 95% interval, one line per run, the
# runs side by side at each folio size.  A ratio cannot go below zero,
# where mean +- sd of GB/s did.
awk -F, -v RUNS="$RUNS" 'BEGIN { nr = split(RUNS, runs, " "); for (i = 1; i <= nr; i++) idx[runs[i]] = i }
NR > 1 && $7 != "" {
	print log($2) / log(2) + (idx[$1] - nr / 2) * 0.06, $6, $7, $8 > (dir "/plot-" $1 ".dat")
}' dir="$dir" "$dir/compare.csv"
plots=""
for run in $RUNS; do
	f=$dir/plot-$run.dat
	[ -e "$f" ] || continue
	ref=$(awk -F, -v r="$run" '$1 == r { print $3; exit }' "$dir/compare.csv")
	plots+="${plots:+, }'$f' using 1:2:3:4 with yerrorlines title '$run / $ref'"
done
if [ -n "$plots" ] && command -v gnuplot >/dev/null; then
	gnuplot <<GP
set terminal pngcairo size 1150,560 noenhanced
set output '$dir/bench.png'
set title 'move_pages() GB/s against the reference, 95% intervals'
set xlabel 'folio size'
set ylabel 'ratio of GB/s (geometric means)'
set logscale y 2
set xrange [11.5:21.5]
set xtics ('4K' 12, '16K' 14, '64K' 16, '256K' 18, '1M' 20, '2M' 21)
set grid
set key outside right top
plot $plots, 1 with lines lc rgb 'black' dt 2 notitle
GP
fi
rm -f "$dir"/plot-*.dat
cat "$dir/bench.md"
exit "${status:-0}"
