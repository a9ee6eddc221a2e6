#!/bin/sh
# Benchmark plan: the memcpy reference, then move_pages() throughput per
# folio size for each migrator asked for.  Parameters come from the kernel
# command line:
#   migoff.total=256M migoff.reps=3 migoff.sizes=4K,16K,...
#   migoff.migrators=none,cpu   (patched kernels: the active migrator of
#                                each pass; absent: one pass as booted)
# Output rows: MIGBENCH,<migrator or "default">,<migbench row>
. /plan/lib.sh

OFFLOAD=/sys/kernel/mm/migrate_offload
param() { sed -n "s/.*migoff\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }

total=$(param total)
reps=$(param reps)
sizes=$(param sizes)
migrators=$(param migrators | tr ',' ' ')
setup_mm
dmesg -n 1
begin_section bench
memcpy=-m
for m in ${migrators:-default}; do
	if [ "$m" != default ] && ! echo "$m" >$OFFLOAD/active; then
		echo "# cannot activate migrator $m"
		continue
	fi
	migbench $memcpy -t "${total:-256M}" -r "${reps:-3}" -s "${sizes:-4K,16K,64K,256K,1M,2M}" |
		sed "s/^MIGBENCH,/MIGBENCH,$m,/"
	memcpy=
	if [ -d "$OFFLOAD/$m" ]; then
		for f in batches folios bytes fallback_folios errors copy_ns; do
			printf '%s=%s ' $f "$(cat "$OFFLOAD/$m/$f")"
		done | sed "s|^|# $m statistics: |"
		echo
	fi
done
[ -d $OFFLOAD ] && echo none >$OFFLOAD/active
end_section bench
