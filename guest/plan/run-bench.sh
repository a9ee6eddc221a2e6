#!/bin/sh
# Benchmark plan: the copy-primitive limit table, then move_pages()
# throughput per folio size and first-folio latency per batch size, for
# each migrator asked for.  Parameters come from the kernel command line:
#   migoff.total=256M migoff.reps=5 migoff.sizes=4K,16K,... migoff.latreps=11
#   migoff.migrators=none,cpu,mtcopy:threads=2,dcbm:channels=1
#       patched kernels: every migrator, a module's parameters after the
#       colon (dcbm's sg=1: over swdma offering DMA_MEMCPY_SG); absent
#       (or no copy offload in the kernel): the kernel as booted,
#       labelled "default"
# The migrators take turns: every repetition of every folio size runs each
# migrator once, so the emulator's drift over minutes (seen as 40% between
# passes of one code path) falls on all of them alike.
#   migoff.busyreps=5     the busy-machine phase (busy_bench below)
# Output rows (the host's report reads them):
#   MIGLIMIT,<primitive>,<threads>,<rep>,<bytes>,<ns>,<status>
#   MIGBENCH,<spec>,move,<folio>,<rep>,<bytes>,<ns>,<caller cpu ns>,
#            <guest cpu ns>,<batches>,<batch bytes>,<copy ns>,<status>
#   MIGVMSTAT,<spec>,<folio>,<rep>,<counter>=<delta>;...
#   MIGLAT,<spec>,<firstfolio row>
#   MIGSPAN,<spec>,<max_batch_bytes>,<firstfolio row>
#   MIGTIER,<spec>,<rep>,<work ns>,<fill ns>,<pages demoted>,<promoted>,
#           <demotion ns>,<demotion pages>,<promotion ns>,<promotion pages>,
#           <offloaded demotion batches>,<offloaded promotion batches>,
#           <guest kernel CPU ns>,<pages on fast>,<on slow>,<status>
#   MIGTIERHINTS,<spec>,<rep>,<NUMA hinting faults>,<local ones>,
#           <promotion candidates>,<pages promoted>  (read by no report)
# Natively (scripts/native.sh), the parameters come in MIGOFF_PARAMS, and
#   migoff.swdma=0        a real DMA engine serves dcbm: swdma is not loaded
#   migoff.copylimit=PATH the copylimit module built for the running kernel
# A move row's batches, batch bytes and copy ns are what the active
# migrator's statistics counted during it; its status is not "ok" when the
# migrator could not be made active, fell back to the CPU for any folio,
# reported an error, or (any migrator but none) was handed no batch.
# A latency spec ending in "/min=0" ran with the migrator's min_batch_bytes
# at 0 (every batch offloaded): the data its default is chosen from.
# The span sweep (patched kernels) moves 64 MiB of 64K or 2M folios in one
# call per point under each of migoff.spanmigrators (default
# mtcopy:threads=2,dcbm:channels=2) at each max_batch_bytes of
# migoff.spans (default 2M,4M,8M,16M,32M,64M), and under none (span 0),
# migoff.spanreps times (default 5): the data max_batch_bytes' default is
# chosen from.
# The tiering benchmark (tiered VM: node 2 without CPUs) runs tierbench, a
# working set twice the free fast memory, to a fixed amount of work under
# each of migoff.tiermigrators (default none,cpu,mtcopy:threads=2,
# dcbm:channels=2; their minimums as shipped) or the kernel as booted,
# migoff.tierreps times (default 5).  Demotion and promotion times and
# pages are those of the migrate_pages() calls of each reason (the
# kernel's own migrate:mm_migrate_pages_start/mm_migrate_pages events, on
# both kernels); a row's status is not "ok" when tierbench's check failed,
# nothing was demoted, the trace overran or holds no demotion, or a
# migrator was handed no demotion batch; it is "no-promotion" when all
# that held but nothing was promoted, which a run may show in some of its
# repetitions (scripts/tier-report.sh).
. "${MIGOFF_PLAN:-/plan}/lib.sh"
. "${MIGOFF_PLAN:-/plan}/tiering.sh"

OFFLOAD=/sys/kernel/mm/migrate_offload
MIGRATORS=$OFFLOAD/migrators

total=$(param total)
reps=$(param reps)
latreps=$(param latreps)
sizes=$(param sizes | tr ',' ' ')
spans=$(param spans | tr ',' ' ')
spanreps=$(param spanreps)
spanmigrators=$(param spanmigrators | tr ',' ' ')
tierreps=$(param tierreps)
busyreps=$(param busyreps)
tiermigrators=$(param tiermigrators | tr ',' ' ')
migrators=$(param migrators | tr ',' ' ')
[ -d $OFFLOAD ] || migrators=default

# The software engine for dcbm: like a PCI engine that completes in order
# (ptdma), its device has the 64K mapping segment limit of every PCI
# device; with SG Y it also offers DMA_MEMCPY_SG.  The one loaded is
# reloaded, with dcbm, when it differs.
use_swdma() { # SG (Y or N)
	if [ -d /sys/module/swdma ]; then
		[ "$(cat /sys/module/swdma/parameters/memcpy_sg)" = "$1" ] && return 0
		{ [ ! -d /sys/module/dcbm ] || rmmod dcbm; } && rmmod swdma || return 1
	fi
	modprobe swdma channels=2 max_seg=65536 ordered=1 memcpy_sg="$1"
}

# Make SPEC (name[:param=value...]) the active migrator: load its module
# if needed and set its parameters (files of its directory in the sysfs
# home, all changeable at run time).  "default" leaves the kernel as booted.
use_migrator() { # SPEC
	local m=${1%%:*} params="" p sg=N
	[ "$m" = default ] && return 0
	[ "$m" = "$1" ] || params=$(echo "${1#*:}" | tr ':' ' ')
	echo none >$OFFLOAD/active || return 1
	case $m in none | cpu) ;; *)
		# dcbm's sg=1 is the engine's, not a parameter of the module.
		case " $params " in *" sg=1 "*) sg=Y ;; esac
		params=$(echo "$params" | tr ' ' '\n' | grep -v '^sg=' | tr '\n' ' ')
		# swdma, unless told there is a real engine.
		[ "$m" != dcbm ] || [ "$(param swdma)" = 0 ] || use_swdma $sg || return 1
		[ -d /sys/module/"$m" ] || modprobe "$m" $params || return 1
		for p in $params; do
			echo "${p#*=}" >$MIGRATORS/"$m"/"${p%%=*}" || return 1
		done ;;
	esac
	[ "$m" = none ] || echo "$m" >$OFFLOAD/active
}

# Tag a program's CSV rows with the spec that produced them.
tag() { # KIND SPEC
	sed "s|^$1,|$1,$2,|"
}

# Bytes of a size with a K, M or G suffix.
bytes_of() { # SIZE
	case $1 in
	*K) echo $((${1%K} * 1024)) ;;
	*M) echo $((${1%M} * 1048576)) ;;
	*G) echo $((${1%G} * 1073741824)) ;;
	*) echo "$1" ;;
	esac
}

# The copy primitives' bandwidth from the near to the far node per thread
# count, from the workbench's copylimit module: the limit a copy phase is
# held against.  Each primitive called per 4K page, and memcpy and copy_mc
# also per 64K and per 2M folio (PRIMITIVE:UNIT; the module names those
# rows PRIMITIVE/UNIT).
limit_table() {
	local dbg=/sys/kernel/debug/copylimit rep=0 spec prim unit t p n b ns st
	local nodes="src_node=$NEAR_NODE dst_node=$FAR_NODE"
	# Natively the module is built for the running kernel and named by path.
	# shellcheck disable=SC2086 # two module parameters
	modprobe copylimit $nodes 2>/dev/null || insmod "$(param copylimit)" $nodes ||
		{ echo "MIGLIMIT,copylimit,0,0,0,0,no-module"; return; }
	while [ $rep -lt "${reps:-5}" ]; do
		for spec in memcpy copy_mc copy_page memcpy:64K copy_mc:64K memcpy:2M copy_mc:2M; do
			prim=${spec%:*} unit=${spec#"$prim"}
			for t in 1 2; do
				if echo "$prim $t $(bytes_of "${total:-256M}") ${unit#:}" >$dbg; then
					IFS=, read -r p n b ns st <$dbg
					echo "MIGLIMIT,$p,$n,$rep,$b,$ns,$st"
				else
					echo "MIGLIMIT,$prim${unit:+/${unit#:}},$t,$rep,0,0,failed"
				fi
			done
		done
		rep=$((rep + 1))
	done
	rmmod copylimit
}

# The first five every migrator has; dcbm also counts the engine work its
# copies cost.
MIGRATOR_STATS="batches bytes fallback_folios errors copy_ns descriptors mappings interrupts"

# The active migrator's statistics (zeros for none and the default kernel).
stats_of() { # MIGRATOR
	local f
	for f in $MIGRATOR_STATS; do
		cat $MIGRATORS/"$1"/$f 2>/dev/null || echo 0
	done | tr '\n' ' '
}

# One repetition of one folio size under SPEC (already active): migbench's
# rows tagged with SPEC, the move row extended with what the migrator's
# statistics counted meanwhile and failed as the header says, and under
# dcbm the vmstat row extended with the engine work (dcbm_descriptors,
# dcbm_mappings, dcbm_interrupts).
measure_move() { # SPEC SIZE REP [KIND]
	local m=${1%%:*} before after
	before=$(stats_of "$m")
	migbench -t "${total:-256M}" -r 1 -f "$3" -s "$2" >/tmp/migbench.out
	after=$(stats_of "$m")
	awk -F, -v OFS=, -v spec="$1" -v m="$m" -v before="$before" -v after="$after" -v kind="${4:-}" '
	BEGIN { split(before, b, " "); split(after, a, " "); for (i = 1; i <= 8; i++) d[i] = a[i] - b[i] }
	# Another kind of move (busy) keeps its kernel-work rows out of the table.
	kind != "" && $1 == "MIGVMSTAT" { next }
	$1 == "MIGVMSTAT" && m == "dcbm" {
		$0 = $0 ";dcbm_descriptors=" d[6] ";dcbm_mappings=" d[7] ";dcbm_interrupts=" d[8]
	}
	$1 == "MIGBENCH" {
		st = $NF
		if (st == "ok" && d[3] > 0) st = "fallback"
		else if (st == "ok" && d[4] > 0) st = "migrator-error"
		else if (st == "ok" && m != "none" && m != "default" && d[1] == 0) st = "not-offloaded"
		$NF = d[1] OFS d[2] OFS d[5] OFS st
		if (kind != "") $2 = kind
	}
	{ $1 = $1 OFS spec; print }' /tmp/migbench.out
}

# The busy machine: the moves again at 64K and 2M folios with every vCPU
# running a stress-ng CPU worker at the mover's priority, migoff.busyreps
# times (default 0: native mode leaves it out), the migrators taking turns
# as above.  Rows of kind "busy" (MIGBENCH,<spec>,busy,...), which
# scripts/busy-report.sh compares as report.sh compares the moves.
busy_bench() {
	local rep=0 s spec hogs
	[ "${busyreps:-0}" -gt 0 ] || return 0
	stress-ng --cpu "$(grep -c '^processor' /proc/cpuinfo)" --cpu-method int64 \
		>/tmp/stress-busy.out 2>&1 &
	hogs=$!
	sleep 2
	while [ $rep -lt "$busyreps" ]; do
		for s in 64K 2M; do
			for spec in $migrators; do
				if use_migrator "$spec"; then
					measure_move "$spec" "$s" $rep busy
				else
					echo "MIGBENCH,$spec,busy,$(bytes_of "$s"),$rep,0,0,0,0,0,0,0,cannot-activate"
				fi
			done
		done
		rep=$((rep + 1))
	done
	kill $hogs
	wait $hogs 2>/dev/null
}

# First-folio latency and whole-call time of one spec, one repetition each,
# for 1 to 1024 4K folios (up to twice the batch cap), 1 to 32 64K folios
# (batches of 64K to 2M), and one 2M folio.
latency_sweep() { # SPEC REP
	local ff
	for ff in 4K:1,2,4,8,16,32,64,128,256,512,1024 64K:1,2,4,8,16,32 2M:1; do
		firstfolio -s "${ff%%:*}" -n "${ff#*:}" -r 1 -f "$2" | tag MIGLAT "$1"
	done
}

# One repetition of the span sweep: every span, every migrator of
# spanmigrators, then none (the CPU path, batches as without the series).
# A spec that cannot be made active gives no rows (the report fails it).
span_sweep() { # REP
	local span spec ff saved
	saved=$(cat $OFFLOAD/max_batch_bytes)
	for span in ${spans:-2M 4M 8M 16M 32M 64M}; do
		echo "$(bytes_of "$span")" >$OFFLOAD/max_batch_bytes || continue
		for spec in ${spanmigrators:-mtcopy:threads=2 dcbm:channels=2}; do
			use_migrator "$spec" || continue
			for ff in 64K:1024 2M:32; do
				firstfolio -s "${ff%%:*}" -n "${ff#*:}" -r 1 -f "$1" |
					sed "s|^MIGLAT,|MIGSPAN,$spec,$(bytes_of "$span"),|"
			done
		done
	done
	echo "$saved" >$OFFLOAD/max_batch_bytes
	use_migrator none
	for ff in 64K:1024 2M:32; do
		firstfolio -s "${ff%%:*}" -n "${ff#*:}" -r 1 -f "$1" | sed "s|^MIGLAT,|MIGSPAN,none,0,|"
	done
}

TIER_EVENTS="migrate/mm_migrate_pages_start migrate/mm_migrate_pages migrate_offload/migrate_offload_batch"

# Room for a run's events.
tier_trace_on() {
	local e
	echo 32768 >$TRACING/buffer_size_kb
	for e in $TIER_EVENTS; do
		[ ! -f $TRACING/events/$e/enable ] || echo 1 >$TRACING/events/$e/enable
	done
}

# From the trace: migrate_pages() time (ns) and pages of demotion and of
# promotion, then the batches of each that the migrator was handed.
tier_trace_sums() {
	awk '
	{
		ev = ""
		for (i = 1; i < NF; i++)
			if ($i ~ /^[0-9]+\.[0-9]+:$/) { ts = substr($i, 1, length($i) - 1); ev = $(i + 1); break }
		r = ""; ok = 0
		for (j = i; j <= NF; j++) {
			if ($j ~ /^reason=/) r = substr($j, 8)
			if ($j ~ /^nr_succeeded=/) ok = substr($j, 14)
		}
	}
	ev == "mm_migrate_pages_start:" { start[$1] = ts }
	ev == "mm_migrate_pages:" && ($1 in start) { dur[r] += ts - start[$1]; pages[r] += ok; delete start[$1] }
	ev == "migrate_offload_batch:" { off[r]++ }
	END {
		printf "%.0f,%d,%.0f,%d,%d,%d\n", dur["demotion"] * 1e9, pages["demotion"],
			dur["numa_misplaced"] * 1e9, pages["numa_misplaced"], off["demotion"], off["numa_misplaced"]
	}' $TRACING/trace
}

trace_overruns() {
	cat $TRACING/per_cpu/cpu*/stats | awk '$1 == "overrun:" { n += $2 } END { print n + 0 }'
}

# NUMA hinting faults, those on the faulting CPU's node, promotion
# candidates and promotions so far (/proc/vmstat), on one line.
tier_hint_counts() {
	echo "$(vmstat_of numa_hint_faults) $(vmstat_of numa_hint_faults_local)" \
		"$(vmstat_of pgpromote_candidate) $(vmstat_of pgpromote_success)"
}

# One tierbench run under SPEC: 384 MiB of 2M folios with 192 MiB of fast
# memory free, the newest 96 MiB read 60 times.  Besides its MIGTIER row,
# a MIGTIERHINTS row: SPEC,REP and the change in tier_hint_counts.
tier_measure() { # SPEC REP
	local m=${1%%:*} row sums st hints ifs=$IFS
	if ! use_migrator "$1" || ! tier_settings_on; then
		echo "MIGTIER,$1,$2,0,0,0,0,0,0,0,0,0,0,0,0,0,cannot-activate"
		tier_settings_off
		return
	fi
	hints=$(tier_hint_counts)
	row=$(tierbench -s 2M -t 384M -f 192M -h 96M -p 60 -H "$FAST_NODE" -L "$SLOW_NODE" | grep '^TIERBENCH,')
	# What NUMA balancing saw, for a repetition that promoted nothing: no
	# hinting fault on the slow node's pages, or candidates but no room.
	echo "MIGTIERHINTS,$1,$2,$(tier_hint_counts | awk -v b="$hints" '
		{ split(b, o, " "); for (i = 1; i <= NF; i++) printf "%s%d", (i > 1 ? "," : ""), $i - o[i] }')"
	echo 1 >$TRACING/tracing_on
	tier_settings_off
	[ ! -d $OFFLOAD ] || echo none >$OFFLOAD/active
	sums=$(tier_trace_sums)
	IFS=,
	# shellcheck disable=SC2086 # split the row on commas
	set -- "$1" "$2" ${row:-TIERBENCH,0,0,0,0,0,0,0,error}
	IFS=$ifs
	st=${11}
	if [ "$st" = ok ]; then
		if [ "$(trace_overruns)" != 0 ]; then st=trace-overrun
		elif [ "$9" = 0 ]; then st=no-demotion
		elif [ "$(echo "$sums" | cut -d, -f2)" = 0 ]; then st=trace-missing
		elif [ "$m" != none ] && [ "$m" != default ] && [ "$(echo "$sums" | cut -d, -f5)" = 0 ]; then
			st=not-offloaded
		elif [ "${10}" = 0 ]; then st=no-promotion
		fi
	fi
	echo "MIGTIER,$1,$2,$5,$4,$9,${10},$sums,$8,$6,$7,$st"
}

# The tiering benchmark, when the slow node (plan_nodes in lib.sh: node 2
# in the tiered VM) exists without CPUs and repetitions are asked for.
tier_bench() {
	local rep=0 spec specs=${tiermigrators:-none cpu mtcopy:threads=2 dcbm:channels=2}
	[ "${tierreps:-5}" -gt 0 ] && [ -d /sys/devices/system/node/node$SLOW_NODE ] || return 0
	! grep -q '[0-9]' /sys/devices/system/node/node$SLOW_NODE/cpulist || return 0
	[ -d $OFFLOAD ] || specs=default
	tier_trace_on
	while [ $rep -lt "${tierreps:-5}" ]; do
		for spec in $specs; do
			tier_measure "$spec" $rep
		done
		rep=$((rep + 1))
	done
}

# The latency specs: each migrator at its default minimum, and with a
# non-zero default also at 0.
latency_specs() {
	local spec m
	for spec in $migrators; do
		m=${spec%%:*}
		use_migrator "$spec" || continue
		[ ! -f $MIGRATORS/"$m"/min_batch_bytes ] ||
			[ "$(cat $MIGRATORS/"$m"/min_batch_bytes)" = 0 ] || echo "$spec/min=0"
		echo "$spec"
	done
}

setup_mm
dmesg -n 1
begin_section bench
# The tiering runs come first: after the move_pages() and latency runs, the
# first tierbench run under each migrator demoted nothing (its folios went
# straight to node 2), which a fresh boot does not show.
tier_bench
limit_table
rep=0
while [ $rep -lt "${reps:-5}" ]; do
	for s in ${sizes:-4K 16K 64K 256K 1M 2M}; do
		for spec in $migrators; do
			if use_migrator "$spec"; then
				measure_move "$spec" "$s" $rep
			else
				echo "MIGBENCH,$spec,move,$(bytes_of "$s"),$rep,0,0,0,0,0,0,0,cannot-activate"
			fi
		done
	done
	rep=$((rep + 1))
done

busy_bench

specs=$(latency_specs)
rep=0
while [ $rep -lt "${latreps:-11}" ]; do
	for spec in $specs; do
		m=${spec%%:*}
		use_migrator "${spec%/min=0}" || continue
		if [ "$spec" != "${spec%/min=0}" ]; then
			saved=$(cat $MIGRATORS/"$m"/min_batch_bytes)
			# A minimum not set leaves this spec's points missing,
			# which fails the report.
			set_knob $MIGRATORS/"$m"/min_batch_bytes 0 || continue
			latency_sweep "$spec" $rep
			set_knob $MIGRATORS/"$m"/min_batch_bytes "$saved" || true
		else
			latency_sweep "$spec" $rep
		fi
	done
	rep=$((rep + 1))
done

if [ -f $OFFLOAD/max_batch_bytes ]; then
	rep=0
	while [ $rep -lt "${spanreps:-5}" ]; do
		span_sweep $rep
		rep=$((rep + 1))
	done
fi

for spec in $migrators; do
	m=${spec%%:*}
	[ -d $MIGRATORS/"$m" ] || continue
	for f in min_batch_bytes batches folios bytes fallback_folios errors copy_ns; do
		printf '%s=%s ' $f "$(cat $MIGRATORS/"$m"/$f)"
	done | sed "s|^|# $m statistics: |"
	echo
done | sort -u
[ -d $OFFLOAD ] && echo none >$OFFLOAD/active
end_section bench
# The kernel's messages, for the host's scan for reports (dmesg -n 1 kept
# them off the console).
dmesg -n 7
begin_section dmesg
kernel_log
end_section dmesg
