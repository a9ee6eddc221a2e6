#!/usr/bin/env bash
# Boot a kernel flavour in the two-node NUMA VM and wait for it to power off.
#   vm.sh [--tiered] FLAVOUR MODE LOG [extra kernel args...]
# MODE is test, bench or shell (interactive).  Four vCPUs, two per node,
# matching sockets so the guest sees a sane topology; MIGOFF_NODE_MEM per
# node (default 2G), allocated up front (prealloc=on): otherwise the host
# faults guest memory in on first touch and whichever benchmark pass first
# touches a region pays for it (seen as 2M migrations 5x slower in one pass
# and not in the next).  KVM only when the CPU offers hardware virtualisation;
# otherwise TCG.  A guest that has not powered off after MIGOFF_TIMEOUT
# seconds (default 1800) is killed, the log is kept, and the exit is 124.
# --tiered adds node 2: MIGOFF_SLOW_MEM (default 1G) of memory and no CPUs,
# which the firmware's HMAT describes as slower than nodes 0 and 1 (3x the
# latency, a third of the bandwidth), as a CXL or PMEM tier would be: the
# guest kernel puts it in a lower memory tier.  It is nearer to node 1
# (distance 17) than to node 0 (28), so "the nearest node with CPUs" has
# one answer, and not the first node's.
set -euo pipefail
. "$(dirname "$0")/common.sh"

tiered=
if [ "${1:-}" = --tiered ]; then
	tiered=1
	shift
fi

flavour=${1:?usage: vm.sh FLAVOUR MODE LOG [kernel args]}
mode=${2:?mode}
log=${3:?log}
shift 3
kernel=$BUILD/$flavour/arch/x86/boot/bzImage
initrd=$GUEST/initramfs-$flavour.cpio.gz
mem=${MIGOFF_NODE_MEM:-2G}
[ -f "$kernel" ] && [ -f "$initrd" ] || die "$flavour: kernel or initramfs missing"

# /dev/kvm can exist while ordinary guests hang in the firmware: trust only
# the CPU flags (and an accessible device).  MIGOFF_TCG_THREAD=single
# selects single-threaded TCG (see run-tests.sh for why).
# MIGOFF_ICOUNT=SHIFT: single-threaded TCG with QEMU's instruction counting
# (-icount): guest time advances by 2^SHIFT ns per instruction any vCPU
# executes, and jumps over idle time to the next timer (sleep=off), so a
# time the guest measures is a count of the instructions executed
# meanwhile, whatever the host is doing.  No RDRAND/RDSEED and no KASLR
# (nokaslr below): the host's random numbers would give every boot other
# addresses and other random choices, and so other counts.
# Benchmark boots under TCG get a CPU without ERMS and FSRM (MIGOFF_ERMS=on
# gives them back), so that the guest kernel copies with 8-byte moves
# (copy_mc_to_kernel() falls back to memcpy(), memcpy() to its unrolled
# loop).  TCG executes rep movsb one byte per iteration, each access
# through its software TLB, which makes the copy routine the emulator's
# cost more than the kernel's, and a copy between two 2M-aligned folios
# several times slower still while that TLB is small (guest/kmod/
# tlbalias.c; docs/workbench.md, The emulator's slow mode).
nofast=
[ "$mode" != bench ] || [ "${MIGOFF_ERMS:-off}" != off ] || nofast=,erms=off,fsrm=off
if [ -n "${MIGOFF_ICOUNT:-}" ]; then
	accel=(-accel tcg,thread=single -cpu "max,la57=off,rdrand=off,rdseed=off$nofast"
		-icount "shift=$MIGOFF_ICOUNT,sleep=off")
elif grep -qwE 'vmx|svm' /proc/cpuinfo && [ -w /dev/kvm ] && [ "${MIGOFF_ACCEL:-}" != tcg ]; then
	accel=(-accel kvm -cpu host)
else
	# No LA57: with 5-level paging, a KASAN kernel (7.3 and 6.12 alike,
	# unpatched too) reports a wild-memory-access in rcu_is_watching() when
	# an interrupt arrives while identify_cpu() has cleared boot_cpu_data's
	# capabilities: pgtable_l5_enabled() reads false there, so KASAN's
	# shadow range is the 4-level one and every per-CPU access in the
	# handler falls outside it.  A rare window, a failed boot when hit (see
	# docs/testing.md, The virtual machine).  KASAN keeps checking everything else.
	accel=(-accel "tcg,thread=${MIGOFF_TCG_THREAD:-multi}" -cpu "max,la57=off$nofast")
fi

numa=(-object "memory-backend-ram,id=m0,size=$mem,prealloc=on" -numa node,nodeid=0,cpus=0-1,memdev=m0
	-object "memory-backend-ram,id=m1,size=$mem,prealloc=on" -numa node,nodeid=1,cpus=2-3,memdev=m1)
machine=pc total=$(( ${mem%G} * 2 ))
if [ -n "$tiered" ]; then
	slow=${MIGOFF_SLOW_MEM:-1G}
	machine=pc,hmat=on total=$((total + ${slow%G}))
	numa+=(-object "memory-backend-ram,id=m2,size=$slow,prealloc=on"
		-numa node,nodeid=2,memdev=m2,initiator=1
		-numa dist,src=0,dst=1,val=20 -numa dist,src=0,dst=2,val=28
		-numa dist,src=1,dst=2,val=17)
	for init in 0 1; do
		for target in 0 1 2; do
			lat=100 bw=30G
			[ $target = 2 ] && lat=300 bw=10G
			numa+=(-numa "hmat-lb,initiator=$init,target=$target,hierarchy=memory,data-type=access-latency,latency=$lat"
				-numa "hmat-lb,initiator=$init,target=$target,hierarchy=memory,data-type=access-bandwidth,bandwidth=$bw")
		done
	done
fi

qemu=(qemu-system-x86_64 "${accel[@]}" -machine "$machine" -m "${total}G"
	-smp 4,sockets=2,cores=2,threads=1 "${numa[@]}"
	-kernel "$kernel" -initrd "$initrd"
	-append "console=ttyS0 panic=-1 ${MIGOFF_ICOUNT:+nokaslr }migoff.mode=$mode ${tiered:+migoff.tiered }$*"
	-display none -no-reboot -nodefaults -serial stdio)

msg "$flavour: booting VM (${accel[1]%%,*}${MIGOFF_ICOUNT:+, icount shift $MIGOFF_ICOUNT}, mode $mode), console -> $log"
mkdir -p "$(dirname "$log")"
if [ "$mode" = shell ]; then
	exec "${qemu[@]}"
fi
rc=0
timeout --kill-after=10 "${MIGOFF_TIMEOUT:-1800}" "${qemu[@]}" </dev/null >"$log" 2>&1 || rc=$?
# A failed boot's console: its last lines printed (CI keeps only what is
# printed), the whole log kept in $WORK/failed-boots (the last 20), outside
# the checkout that CI throws away.
log_tail() {
	local kept=$WORK/failed-boots
	tr -d '\r' <"$log" | tail -n 30 | sed 's/^/# console: /' >&2
	mkdir -p "$kept"
	cp "$log" "$kept/$(date +%Y%m%d-%H%M%S)-$(basename "$log")"
	# shellcheck disable=SC2012 # our own file names, no odd characters
	ls -t "$kept" | tail -n +21 | sed "s|^|$kept/|" | xargs -r rm -f
	echo "# console log kept in $kept" >&2
}
if [ $rc = 124 ] || [ $rc = 137 ]; then
	echo "error: $flavour VM timed out after ${MIGOFF_TIMEOUT:-1800}s; console log: $log" >&2
	log_tail
	exit 124
fi
grep -q '^migoff: guest done' "$log" || {
	echo "error: $flavour VM stopped before the plan finished (qemu exit $rc); console log: $log" >&2
	log_tail
	exit 1
}
