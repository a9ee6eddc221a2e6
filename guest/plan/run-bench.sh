#!/bin/sh
# Benchmark plan: the memcpy reference, then move_pages() throughput per
# folio size and first-folio latency per batch size, for each migrator
# asked for.  Parameters come from the kernel command line:
#   migoff.total=256M migoff.reps=5 migoff.sizes=4K,16K,... migoff.latreps=11
#   migoff.migrators=none,cpu,mtcopy:threads=2,dcbm:channels=1
#       patched kernels: every migrator, a module's parameters after the
#       colon; absent (or no copy offload in the kernel): the kernel as
#       booted, labelled "default"
# The migrators take turns: every repetition of every folio size runs each
# migrator once, so the emulator's drift over minutes (seen as 40% between
# passes of one code path) falls on all of them alike.
# Output rows: MIGBENCH,<spec>,<migbench row>  MIGLAT,<spec>,<firstfolio row>
# A latency spec ending in "/min=0" ran with the migrator's min_batch_bytes
# at 0 (every batch offloaded): the data its default is chosen from.
. /plan/lib.sh

OFFLOAD=/sys/kernel/mm/migrate_offload
param() { sed -n "s/.*migoff\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }

total=$(param total)
reps=$(param reps)
latreps=$(param latreps)
sizes=$(param sizes | tr ',' ' ')
migrators=$(param migrators | tr ',' ' ')
[ -d $OFFLOAD ] || migrators=default

# Make SPEC (name[:param=value...]) the active migrator: load its module
# if needed and set its parameters, reloading the module for those that are
# fixed at load time.  "default" leaves the kernel as booted.
use_migrator() { # SPEC
	local m=${1%%:*} params="" p
	[ "$m" = default ] && return 0
	[ "$m" = "$1" ] || params=$(echo "${1#*:}" | tr ':' ' ')
	echo none >$OFFLOAD/active || return 1
	case $m in none | cpu) ;; *)
		[ "$m" != dcbm ] || [ -d /sys/module/swdma ] || modprobe swdma channels=2 || return 1
		[ -d /sys/module/"$m" ] || modprobe "$m" $params || return 1
		for p in $params; do
			[ "$(cat /sys/module/"$m"/parameters/"${p%%=*}")" = "${p#*=}" ] ||
				echo "${p#*=}" 2>/dev/null >/sys/module/"$m"/parameters/"${p%%=*}" ||
				{ rmmod "$m" && modprobe "$m" $params; } || return 1
		done ;;
	esac
	[ "$m" = none ] || echo "$m" >$OFFLOAD/active
}

# Tag a program's CSV rows with the spec that produced them.
tag() { # KIND SPEC
	sed "s|^$1,|$1,$2,|"
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

# The latency specs: each migrator at its default minimum, and with a
# non-zero default also at 0.
latency_specs() {
	local spec m
	for spec in $migrators; do
		m=${spec%%:*}
		use_migrator "$spec" || continue
		[ ! -f $OFFLOAD/"$m"/min_batch_bytes ] ||
			[ "$(cat $OFFLOAD/"$m"/min_batch_bytes)" = 0 ] || echo "$spec/min=0"
		echo "$spec"
	done
}

setup_mm
dmesg -n 1
begin_section bench
migbench -m -t "${total:-256M}" -r "${reps:-5}" -s "" | tag MIGBENCH default
rep=0
while [ $rep -lt "${reps:-5}" ]; do
	for s in ${sizes:-4K 16K 64K 256K 1M 2M}; do
		for spec in $migrators; do
			use_migrator "$spec" || { echo "# cannot activate migrator $spec"; continue; }
			migbench -t "${total:-256M}" -r 1 -f $rep -s "$s" | tag MIGBENCH "$spec"
		done
	done
	rep=$((rep + 1))
done

specs=$(latency_specs)
rep=0
while [ $rep -lt "${latreps:-11}" ]; do
	for spec in $specs; do
		m=${spec%%:*}
		use_migrator "${spec%/min=0}" || continue
		if [ "$spec" != "${spec%/min=0}" ]; then
			saved=$(cat $OFFLOAD/"$m"/min_batch_bytes)
			echo 0 >$OFFLOAD/"$m"/min_batch_bytes
			latency_sweep "$spec" $rep
			echo "$saved" >$OFFLOAD/"$m"/min_batch_bytes
		else
			latency_sweep "$spec" $rep
		fi
	done
	rep=$((rep + 1))
done

for spec in $migrators; do
	m=${spec%%:*}
	[ -d $OFFLOAD/"$m" ] || continue
	for f in min_batch_bytes batches folios bytes fallback_folios errors copy_ns; do
		printf '%s=%s ' $f "$(cat $OFFLOAD/"$m"/$f)"
	done | sed "s|^|# $m statistics: |"
	echo
done | sort -u
[ -d $OFFLOAD ] && echo none >$OFFLOAD/active
end_section bench
