#!/bin/sh
# Benchmark plan: the memcpy reference, then move_pages() throughput per
# folio size for each migrator asked for.  Parameters come from the kernel
# command line:
#   migoff.total=256M migoff.reps=3 migoff.sizes=4K,16K,... migoff.latreps=5
#   migoff.migrators=none,cpu,mtcopy:threads=2,dcbm:channels=1
#       patched kernels: one pass per migrator, a module's parameters after
#       the colon (the module is reloaded with them); absent: one pass as
#       booted
# Output rows: MIGBENCH,<migrator spec or "default">,<migbench row>
. /plan/lib.sh

OFFLOAD=/sys/kernel/mm/migrate_offload
param() { sed -n "s/.*migoff\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }

total=$(param total)
reps=$(param reps)
latreps=$(param latreps)
sizes=$(param sizes)
migrators=$(param migrators | tr ',' ' ')
setup_mm
dmesg -n 1
begin_section bench
# Load (or reload with new parameters) the module of migrator NAME.
load_migrator() { # NAME [PARAM=VALUE]
	case $1 in none | cpu | default) return 0 ;; esac
	[ "$1" != dcbm ] || [ -d /sys/module/swdma ] || modprobe swdma channels=2
	echo none >$OFFLOAD/active
	rmmod "$1" 2>/dev/null
	modprobe "$1" $2
}

# Folios per move_pages() call: batches of 4K to 2M bytes.
latency_sweep() { # LABEL
	local ff
	for ff in 4K:1,2,4,8,16,32,64,128,256,512,1024 64K:1,2,4,8,16,32 2M:1; do
		firstfolio -s "${ff%%:*}" -n "${ff#*:}" -r "${latreps:-5}" |
			sed "s|^MIGLAT,|MIGLAT,$1,|"
	done
}

memcpy=-m
for spec in ${migrators:-default}; do
	m=${spec%%:*}
	params=
	[ "$m" = "$spec" ] || params=$(echo "${spec#*:}" | tr ':' ' ')
	if ! load_migrator "$m" "$params" ||
		{ [ "$m" != default ] && ! echo "$m" >$OFFLOAD/active; }; then
		echo "# cannot activate migrator $spec"
		continue
	fi
	migbench $memcpy -t "${total:-256M}" -r "${reps:-3}" -s "${sizes:-4K,16K,64K,256K,1M,2M}" |
		sed "s/^MIGBENCH,/MIGBENCH,$spec,/"
	memcpy=
	# First-folio latency and whole-call time against the batch size:
	# with the migrator's default minimum batch, and (label suffix
	# "/min=0") with every batch offloaded, the data the default is
	# chosen from.
	if [ -f "$OFFLOAD/$m/min_batch_bytes" ]; then
		default_min=$(cat "$OFFLOAD/$m/min_batch_bytes")
		[ "$default_min" = 0 ] || {
			echo 0 >"$OFFLOAD/$m/min_batch_bytes"
			latency_sweep "$spec/min=0"
			echo "$default_min" >"$OFFLOAD/$m/min_batch_bytes"
		}
	fi
	latency_sweep "$spec"
	if [ -d "$OFFLOAD/$m" ]; then
		for f in min_batch_bytes batches folios bytes fallback_folios errors copy_ns; do
			printf '%s=%s ' $f "$(cat "$OFFLOAD/$m/$f")"
		done | sed "s|^|# $spec statistics: |"
		echo
	fi
done
[ -d $OFFLOAD ] && echo none >$OFFLOAD/active
end_section bench
