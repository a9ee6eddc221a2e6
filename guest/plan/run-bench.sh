#!/bin/sh
# Benchmark plan: the memcpy reference and move_pages() throughput per folio
# size.  Parameters come from the kernel command line:
#   migoff.total=256M migoff.reps=3 migoff.sizes=4K,16K,...
. /plan/lib.sh

param() { sed -n "s/.*migoff\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }

total=$(param total)
reps=$(param reps)
sizes=$(param sizes)
setup_mm
dmesg -n 1
begin_section bench
migbench -m -t "${total:-256M}" -r "${reps:-3}" -s "${sizes:-4K,16K,64K,256K,1M,2M}"
end_section bench
