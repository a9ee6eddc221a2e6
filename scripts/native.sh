#!/usr/bin/env bash
# Native mode: run the guest's benchmark plan (guest/plan/run-bench.sh) or
# test plan (guest/plan/run-tests.sh) on the machine itself, which must run
# a kernel with the series (make deb, install the packages, reboot into it).
#   native.sh bench LOG [--tiering]      (./run-benchmark.sh --native [--tiering])
#   native.sh test LOG [--destructive]   (./run-tests.sh --native [--destructive])
# Finds what the machine has and prints it: the NUMA nodes (the moves go
# from the first node with CPUs and memory to the next one, else to a node
# with memory and no CPUs; the tiering tests demote to a node without CPUs
# in a lower memory tier; see find_nodes), the DMA_MEMCPY channels of real
# engines (dcbm rows for 1, 2, 4, 8, 16 channels up to their count; with
# none, swdma's two software channels, and the rows say so), the CPUs
# (mtcopy rows for 1, 2, 4, 8, 16 threads up to their count), and the
# moved total (MIGOFF_TOTAL, else 1G, less where a quarter of either
# node's free memory is less).  The plan's output (the same rows the VM
# prints on its console) goes to LOG.
# The benchmark's tiering part (tierbench, MIGOFF_TIERREPS repetitions,
# default 8) runs only with --tiering and a slow node: it pins all but
# 192 MiB of the fast node's free memory while it runs, which the
# machine's other work then cannot have.
# The test plan runs its main part (MIGOFF_CONFIGS narrows the migrator
# configurations of its data tests, as migoff.configs does in the VM) and
# skips, each with its reason, what would damage the machine (memory
# failure injection, zram swap, reloading the software engine, DAMON
# moving the node's cold memory) unless --destructive is given, the
# software engine's fault injection where a real engine is, and what needs
# a slow node it lacks (see why_not in guest/plan/lib.sh).  Every setting
# the plan changes (THP, hugetlb pages, compaction, NUMA balancing,
# demotion, the series' sysfs files, the console log level, the trace
# events it uses) is put back as it was, and the modules it loaded are
# unloaded; the top-level trace buffer is cleared.  It needs root.
# MIGOFF_NATIVE_BIN: a directory of the guest programs already built (the
# VM's copy, when CI runs this inside the VM); else they are built here.
set -euo pipefail
. "$(dirname "$0")/common.sh"

usage="usage: native.sh bench LOG [--tiering] | native.sh test LOG [--destructive]"
mode=${1:?$usage}
log=${2:?$usage}
destructive=0 tiering=
case $mode:${3:-} in
bench: | test:) ;;
bench:--tiering) tiering=1 ;;
test:--destructive) destructive=1 ;;
*) die "$usage" ;;
esac

OFFLOAD=/sys/kernel/mm/migrate_offload
TRACING=/sys/kernel/tracing
NODES=/sys/devices/system/node
TIERS=/sys/devices/virtual/memory_tiering
OUR_MODULES="mtcopy dcbm swdma copylimit migrate_offload_test dmatest zram"

preflight() {
	[ "$(id -u)" = 0 ] || die "native mode needs root (it changes migration settings and loads modules)"
	[ -d "$OFFLOAD" ] ||
		die "this kernel ($(uname -r)) does not carry the series ($OFFLOAD is missing): build it with 'make deb', install the linux-image and linux-headers packages it prints, reboot into it and run this again"
	[ -d "$TRACING/events" ] || mount -t tracefs tracefs "$TRACING" ||
		die "tracefs is not available at $TRACING"
	[ -d /sys/kernel/debug/sched ] || mount -t debugfs debugfs /sys/kernel/debug || true
}

node_cpus() { tr -d '\n' <"$NODES/node$1/cpulist"; }
node_free_bytes() { awk '$3 == "MemFree:" { print $4 * 1024 }' "$NODES/node$1/meminfo"; }
# The nodes with memory that have CPUs (with) or none (without).
nodes() { # with|without
	local d n
	for d in "$NODES"/node[0-9]*; do
		n=${d##*node}
		[ "$(node_free_bytes "$n")" -gt 0 ] || continue
		if [ -n "$(node_cpus "$n")" ]; then
			if [ "$1" = with ]; then echo "$n"; fi
		elif [ "$1" = without ]; then
			echo "$n"
		fi
	done | sort -n | tr '\n' ' '
}

# The numbers of a kernel list such as "0-2,4", one per line.
list_members() { tr ',' '\n' <<<"$1" | awk -F- 'NF { for (i = $1; i <= (NF > 1 ? $2 : $1); i++) print i }'; }

# The memory tier of NODE (a larger number is a slower tier); none: empty.
node_tier() { # NODE
	local d
	for d in "$TIERS"/memory_tier*; do
		[ -f "$d/nodelist" ] || continue
		if list_members "$(cat "$d/nodelist")" | grep -qx "$1"; then echo "${d##*memory_tier}"; fi
	done
}

# The firmware's distance from node A to node B.
node_distance() { # A B
	local i
	i=$(list_members "$(cat "$NODES/online")" | grep -nx "$2" | cut -d: -f1)
	cut -d' ' -f"$i" "$NODES/node$1/distance"
}

# The nodes the plans work with (see plan_nodes in guest/plan/lib.sh), as
# "NEAR,FAR FAST,SLOW" (FAST,SLOW empty without a slow node).  Slow: the
# first node with memory and no CPUs in a lower memory tier than the nodes
# with CPUs; fast: the node with CPUs nearest to it (where the kernel
# demotes to it from).  Near: the first node with CPUs and memory; far: the
# next such node, else the slow node, else a node with memory and no CPUs.
# MIGOFF_NODES=NEAR,FAR and MIGOFF_TIER_NODES=FAST,SLOW (or "none") choose.
find_nodes() {
	local n t top='' slow='' fast='' best='' d far=''
	for n in "${with_cpus[@]}"; do
		t=$(node_tier "$n")
		if [ -n "$t" ] && { [ -z "$top" ] || [ "$t" -lt "$top" ]; }; then top=$t; fi
	done
	for n in "${without_cpus[@]}"; do
		t=$(node_tier "$n")
		if [ -n "$top" ] && [ -n "$t" ] && [ "$t" -gt "$top" ]; then slow=$n; break; fi
	done
	if [ -n "$slow" ]; then
		for n in "${with_cpus[@]}"; do
			d=$(node_distance "$n" "$slow")
			if [ -z "$best" ] || [ "$d" -lt "$best" ]; then best=$d fast=$n; fi
		done
	fi
	far=${with_cpus[1]:-${slow:-${without_cpus[0]:-}}}
	[ -n "${with_cpus[0]:-}" ] && [ -n "$far" ] ||
		die "native mode needs two NUMA nodes with memory, one of them with CPUs (nodes with CPUs: ${with_cpus[*]:-none}; without: ${without_cpus[*]:-none})"
	echo "${MIGOFF_NODES:-${with_cpus[0]},$far} $(tier_nodes "${slow:+$fast,$slow}")"
}

tier_nodes() { # FOUND
	case ${MIGOFF_TIER_NODES:-} in
	'') echo "$1" ;;
	none) echo ;;
	*) echo "$MIGOFF_TIER_NODES" ;;
	esac
}

# 1, 2, 4, 8, 16 up to MAX, comma-separated after PREFIX.
powers_up_to() { # PREFIX MAX
	local n=1 out=
	while [ $n -le 16 ] && [ $n -le "$2" ]; do
		out+=",$1$n"
		n=$((n * 2))
	done
	echo "${out#,}"
}

# The DMA_MEMCPY channels real engines offer: what dcbm gets when asked for
# 16 with swdma not loaded.  dcbm is loaded for the question if it was not.
real_memcpy_channels() {
	local loaded='' saved_active saved_chans n=0
	[ ! -d /sys/module/swdma ] || die "swdma (the software engine) is loaded: 'rmmod swdma' first, so that only real engines are counted"
	[ -d /sys/module/dcbm ] || { modprobe dcbm >/dev/null 2>&1 || { echo 0; return; }; loaded=1; }
	saved_active=$(cat $OFFLOAD/active)
	saved_chans=$(cat $OFFLOAD/migrators/dcbm/channels)
	echo 16 >$OFFLOAD/migrators/dcbm/channels
	if echo dcbm >$OFFLOAD/active 2>/dev/null; then
		n=$(cat $OFFLOAD/migrators/dcbm/channels_in_service)
	fi
	echo "$saved_active" >$OFFLOAD/active
	echo "$saved_chans" >$OFFLOAD/migrators/dcbm/channels
	[ -z "$loaded" ] || rmmod dcbm
	echo "$n"
}

# The engines behind the DMA channels, by driver: "ioatdma x8, idxd x4".
dma_engines() {
	local c
	for c in /sys/class/dma/dma*chan*; do
		[ -e "$c/device/driver" ] && basename "$(readlink "$c/device/driver")"
	done | sort | uniq -c | awk '{ printf "%s%s x%d", NR > 1 ? ", " : "", $2, $1 } END { if (!NR) printf "none" }'
}

# The moved total: MIGOFF_TOTAL, else 1G or the largest power of two up to a
# quarter of the free memory of the near and of the far node, whichever is
# less.
moved_total() {
	local free bytes=$((1 << 30))
	if [ -n "${MIGOFF_TOTAL:-}" ]; then echo "$MIGOFF_TOTAL"; return; fi
	for n in "$near" "$far"; do
		free=$(($(node_free_bytes "$n") / 4))
		while [ $bytes -gt "$free" ]; do bytes=$((bytes / 2)); done
	done
	[ $bytes -ge $((64 << 20)) ] || die "less than 256 MiB free on node $near or node $far"
	echo "$((bytes >> 20))M"
}

# Settings the plan may change: file and value, one per line, in $saved.
SETTINGS_FILES() {
	ls -d /sys/kernel/mm/transparent_hugepage/enabled /proc/sys/vm/nr_hugepages \
		/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs \
		/proc/sys/vm/compaction_proactiveness /proc/sys/kernel/numa_balancing \
		/sys/kernel/mm/numa/demotion_enabled \
		/sys/kernel/debug/sched/numa_balancing/{scan_delay_ms,scan_period_min_ms,hot_threshold_ms} \
		/sys/kernel/mm/ksm/{run,pages_to_scan,sleep_millisecs} \
		$OFFLOAD/{active,reasons,max_batch_bytes} \
		$OFFLOAD/migrators/*/{min_batch_bytes,threads,channels,placement,timeout_ms} \
		$TRACING/{tracing_on,buffer_size_kb,options/event-fork,set_event_pid} \
		$TRACING/events/{migrate,migrate_offload,thp,workqueue,compaction}/*/enable 2>/dev/null
}

# The current value of a setting, as it must be written back.
value_of() { # FILE
	case $1 in
	*/transparent_hugepage/enabled | */placement) sed 's/.*\[\(.*\)\].*/\1/' "$1" ;;
	*/set_event_pid) tr '\n' ' ' <"$1" ;;
	*/buffer_size_kb) sed 's/.*expanded: \([0-9]*\).*/\1/' "$1" ;;
	*) cat "$1" ;;
	esac
}

save_settings() {
	local f
	saved=$(mktemp)
	for f in $(SETTINGS_FILES); do
		printf '%s\t%s\n' "$f" "$(value_of "$f")"
	done >"$saved"
	awk '{ print $1 }' /proc/sys/kernel/printk >"$saved.printk"
	: >"$saved.modules"
	for m in $OUR_MODULES; do
		if [ -d "/sys/module/$m" ]; then echo "$m"; fi
	done >"$saved.modules"
	swap_devices >"$saved.swaps"
}

swap_devices() { awk 'NR > 1 { print $1 }' /proc/swaps; }

# Put every saved setting back (the active migrator first, so that the
# modules the plan loaded can go), unload those modules; say what failed.
restore_settings() {
	local f v m bad=0
	echo none >$OFFLOAD/active 2>/dev/null || true
	for f in $(swap_devices); do
		grep -qxF "$f" "$saved.swaps" || swapoff "$f" || bad=1
	done
	for m in $OUR_MODULES; do
		if [ -d "/sys/module/$m" ] && ! grep -qx "$m" "$saved.modules" && ! rmmod "$m"; then
			bad=1
		fi
	done
	while IFS=$'\t' read -r f v; do
		if [ ! -e "$f" ] || [ "$(value_of "$f")" = "$v" ]; then continue; fi
		# The kernel rounds a trace buffer's size to its pages: asked for
		# 1408 KiB, it says 1410.  What it was asked for is restored.
		case $f in */buffer_size_kb) echo "$v" >"$f" || bad=1; continue ;; esac
		echo "$v" >"$f" 2>/dev/null || true
		if [ "$(value_of "$f")" != "$v" ]; then
			echo "native: could not restore $f to '$v' (reads '$(value_of "$f")')" >&2
			bad=1
		fi
	done <"$saved"
	for m in $(cat "$saved.modules"); do
		[ -d "/sys/module/$m" ] || modprobe "$m" || bad=1
	done
	dmesg -n "$(cat "$saved.printk")"
	rm -f "$saved" "$saved.printk" "$saved.modules" "$saved.swaps"
	return $bad
}

# The guest programs, and for the benchmark the copylimit module for the
# running kernel.
prepare_programs() {
	bin=${MIGOFF_NATIVE_BIN:-}
	copylimit=
	if [ -z "$bin" ]; then
		bin=$WORK/native/bin
		"$REPO/scripts/tree.sh" >&2
		mkdir -p "$bin"
		make -s -C "$REPO/guest/src" OUT="$bin" KSRC="$VANILLA" >&2
	fi
	[ "$mode" = bench ] || return 0
	modinfo copylimit >/dev/null 2>&1 && return
	local kdir
	kdir=/lib/modules/$(uname -r)/build
	if [ -d "$kdir" ]; then
		rm -rf "$WORK/native/kmod" && cp -r "$REPO/guest/kmod" "$WORK/native/kmod"
		make -s -C "$kdir" M="$WORK/native/kmod" modules >&2 && copylimit=$WORK/native/kmod/copylimit.ko
	else
		echo "native: no $kdir (install the linux-headers package of this kernel): no limit table" >&2
	fi
}

# The plan as the VM has it: guest/plan with the kselftest KTAP helpers
# (/plan itself when this runs inside the VM).
prepare_plan() {
	if [ -d /plan ]; then
		plan=/plan
		return
	fi
	plan=$WORK/native/plan
	rm -rf "$plan" && mkdir -p "$plan"
	cp "$REPO"/guest/plan/* "$plan/"
	cp "$VANILLA/tools/testing/selftests/kselftest/ktap_helpers.sh" "$plan/"
}

# The plan's parameters, as the VM's kernel command line gives them.
bench_params() {
	local total migrators
	total=$(moved_total)
	migrators="none,cpu,$(powers_up_to mtcopy:threads= "$cpus"),$(powers_up_to dcbm:channels= "$chans")"
	echo -n "migoff.total=$total migoff.reps=${MIGOFF_REPS:-8} migoff.latreps=${MIGOFF_LATREPS:-11}"
	echo -n " migoff.spanreps=${MIGOFF_SPANREPS:-10} migoff.migrators=$migrators"
	echo -n " migoff.swdma=$swdma migoff.nodes=$near,$far migoff.tiernodes=$tiernodes"
	echo -n " migoff.tierreps=$([ -z "$tiering" ] && echo 0 || echo "${MIGOFF_TIERREPS:-8}")"
	[ -z "$copylimit" ] || echo -n " migoff.copylimit=$copylimit"
	echo
}

test_params() {
	echo -n "migoff.native=1 migoff.destructive=$destructive migoff.swdma=$swdma"
	echo -n " migoff.nodes=$near,$far migoff.tiernodes=$tiernodes"
	[ -z "${MIGOFF_CONFIGS:-}" ] || echo -n " migoff.configs=$MIGOFF_CONFIGS"
	echo
}

preflight
read -r -a with_cpus <<<"$(nodes with)"
read -r -a without_cpus <<<"$(nodes without)"
found=$(find_nodes)
read -r movers tiernodes <<<"$found"
near=${movers%,*} far=${movers#*,}
[[ " ${with_cpus[*]} " == *" $near "* ]] && [[ " ${with_cpus[*]} ${without_cpus[*]} " == *" $far "* ]] &&
	[ "$near" != "$far" ] ||
	die "MIGOFF_NODES=$movers: the near node needs CPUs and memory, the far node memory"
[ -z "$tiering" ] || [ -n "$tiernodes" ] ||
	die "--tiering needs a node without CPUs in a lower memory tier than the nodes with CPUs (nodes without CPUs: ${without_cpus[*]:-none})"
cpus=$(nproc)
chans=$(real_memcpy_channels)
swdma=0 dcbm_label=dcbm
if [ "$chans" = 0 ]; then
	swdma=1 chans=2 dcbm_label="dcbm(swdma)"
fi
echo "MIGNATIVE,cpu=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //; s/,/ /g'),cpus=$cpus,nodes with CPUs=${with_cpus[*]},nodes without CPUs=${without_cpus[*]},moves=$near->$far,tiering=${tiernodes:+${tiernodes/,/->}},dma=$(dma_engines),memcpy channels=$([ $swdma = 1 ] && echo "none real: swdma x2" || echo "$chans"),kernel=$(uname -r)" |
	tee "$log"
echo "MIGNATIVE_DCBM,$dcbm_label" >>"$log"

prepare_programs
prepare_plan
params=$("${mode}_params")
echo "MIGNATIVE_PARAMS,$params" >>"$log"
msg "native: $params"

save_settings
mark="migoff-native-$$-$(date +%s)"
echo "$mark" >/dev/kmsg
rc=0
script=run-bench.sh
[ "$mode" = bench ] || script=run-tests.sh
MIGOFF_PLAN=$plan MIGOFF_PARAMS="$params" MIGOFF_KMSG_MARK="$mark" PATH="$bin:$plan/bin:$plan:$PATH" \
	busybox sh "$plan/$script" >>"$log" 2>&1 || rc=$?
if restore_settings; then
	echo "native: plan exit $rc; settings restored" >>"$log"
else
	echo "native: plan exit $rc; settings NOT all restored" | tee -a "$log" >&2
	rc=1
fi
exit $rc
