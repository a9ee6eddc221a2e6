# Guest tests of the offload drivers: mtcopy, dcbm over the software DMA
# engine swdma (with its fault injection), and the in-tree dmatest client
# against swdma.  Sourced by run-tests.sh after offload.sh.

SWDMA=/sys/kernel/debug/swdma
DMA_API=/sys/kernel/debug/dma-api

drivers_present() {
	local m
	for m in mtcopy dcbm swdma; do
		find /lib/modules -name "$m.ko" | grep -q . || return 1
	done
}

counter() { cat "$1"; }

# The in-tree dmatest client copies and verifies through every swdma channel.
test_dmatest() {
	local rc=0
	modprobe dmatest timeout=5000 iterations=100 run=1 || return 1
	cat /sys/module/dmatest/parameters/wait >/dev/null
	dmesg | grep 'dmatest: .*summary' | sed 's/^/# /'
	dmesg | grep -q 'dmatest: dma0chan0-copy.*summary [1-9][0-9]* tests, 0 failures' || rc=1
	dmesg | grep 'dmatest: .*summary' | grep -qv ' 0 failures' && rc=1
	rmmod dmatest
	return $rc
}

load_dcbm() { # CHANNELS
	rmmod dcbm 2>/dev/null
	modprobe dcbm channels="$1" && offload_every_batch dcbm
}

# The integrity tests move batches of every shape, so the migrator must
# take them all, whatever its default minimum.
offload_every_batch() { # MIGRATOR
	echo 0 >"$OFFLOAD/$1/min_batch_bytes"
}

# With fault injection KNOB=VALUE set on swdma, COMMAND must keep its data,
# and dcbm's fallback count must rise by exactly the descriptors swdma
# failed (fail_every) or stalled (stall_every; each stall also times a batch
# out), or not at all (reverse).
with_fault() { # KNOB VALUE COMMAND...
	local knob=$1 val=$2 rc fb0 fb1 err0 err1 f0 f1 s0 s1 ok=0
	shift 2
	fb0=$(stat_of dcbm fallback_folios) err0=$(stat_of dcbm errors)
	f0=$(counter $SWDMA/failed) s0=$(counter $SWDMA/stalled)
	echo "$val" >"$SWDMA/$knob"
	echo dcbm >$OFFLOAD/active
	run_quoted "$@"
	rc=$?
	echo none >$OFFLOAD/active
	echo 0 >"$SWDMA/$knob"
	fb1=$(stat_of dcbm fallback_folios) err1=$(stat_of dcbm errors)
	f1=$(counter $SWDMA/failed) s1=$(counter $SWDMA/stalled)
	echo "# $knob=$val: fallback +$((fb1 - fb0)), errors +$((err1 - err0)), engine failed +$((f1 - f0)), stalled +$((s1 - s0))"
	[ $rc = 0 ] || return 1
	case $knob in
	fail_every) [ $((f1 - f0)) -gt 0 ] && [ $((fb1 - fb0)) = $((f1 - f0)) ] && [ $((err1 - err0)) -gt 0 ] ;;
	stall_every) [ $((s1 - s0)) -gt 0 ] && [ $((fb1 - fb0)) -ge $((s1 - s0)) ] && [ $((err1 - err0)) -gt 0 ] ;;
	reverse) [ $((fb1 - fb0)) = 0 ] && [ $((err1 - err0)) = 0 ] ;;
	esac
}

# Nothing stays mapped once the drivers are idle (DMA-API debug kernels).
test_no_dma_leak() {
	local total free errors
	[ -d $DMA_API ] || { echo "# no DMA-API debug in this kernel"; return 4; }
	total=$(cat $DMA_API/nr_total_entries) free=$(cat $DMA_API/num_free_entries)
	errors=$(cat $DMA_API/error_count)
	echo "# DMA-API debug: $((total - free)) mappings live, $errors errors"
	[ $((total - free)) = 0 ] && [ "$errors" = 0 ]
}

# For SECONDS, migrations run while another loop switches the active
# migrator among all of them and unloads and reloads the driver modules.
# Every migration keeps its data; at the end the modules' refcounts are 0.
test_switch_and_reload() { # SECONDS
	local end rc=0 switcher
	end=$(($(date +%s) + $1))
	(n=0
	while [ "$(date +%s)" -lt $end ]; do
		for m in cpu mtcopy dcbm none; do
			echo $m >$OFFLOAD/active 2>/dev/null
		done
		n=$((n + 1))
		if [ $((n % 3)) = 0 ]; then
			rmmod mtcopy dcbm 2>/dev/null
			modprobe mtcopy
			modprobe dcbm channels=2
		fi
	done) &
	switcher=$!
	migrations_until $end 64K || rc=1
	wait $switcher
	echo none >$OFFLOAD/active
	modprobe mtcopy
	modprobe dcbm channels=2
	echo "# refcnt: mtcopy $(cat /sys/module/mtcopy/refcnt), dcbm $(cat /sys/module/dcbm/refcnt)"
	[ $rc = 0 ] && [ "$(cat /sys/module/mtcopy/refcnt)" = 0 ] && [ "$(cat /sys/module/dcbm/refcnt)" = 0 ]
}

DRIVER_TESTS=$((1 + 2 * 6 + 2 * 6 + 3 + 1))
DRIVER_SWITCH_TESTS=2

drivers_switch_plan() {
	modprobe swdma channels=2
	modprobe mtcopy
	modprobe dcbm channels=2
	ktap_test_result "drivers: switching migrators and reloading driver modules during migrations (20 s)" \
		test_switch_and_reload 20
	rmmod dcbm mtcopy
	report_quoted_status test_no_dma_leak "drivers: no DMA mapping left behind (DMA-API debug)"
}

drivers_plan() {
	local s t c
	modprobe swdma channels=2
	ktap_test_result "drivers: dmatest against the software DMA engine" test_dmatest
	modprobe mtcopy
	offload_every_batch mtcopy
	for t in 1 2; do
		echo $t >/sys/module/mtcopy/parameters/threads
		for s in $SIZES; do
			ktap_test_result "drivers: integrity with mtcopy, $t thread(s), $s folios" \
				with_migrator mtcopy migrate_integrity -s "$s"
		done
	done
	for c in 1 2; do
		load_dcbm $c
		for s in $SIZES; do
			ktap_test_result "drivers: integrity with dcbm, $c channel(s), $s folios" \
				with_migrator dcbm migrate_integrity -s "$s"
		done
	done
	echo 300 >/sys/module/dcbm/parameters/timeout_ms
	ktap_test_result "drivers: dcbm, engine fails every 3rd descriptor: CPU fallback, data intact" \
		with_fault fail_every 3 migrate_integrity -s 64K
	ktap_test_result "drivers: dcbm, engine stalls every 4th descriptor: timeout, CPU fallback, data intact" \
		with_fault stall_every 4 migrate_integrity -s 2M
	ktap_test_result "drivers: dcbm, engine completes out of order: data intact, no fallback" \
		with_fault reverse 1 migrate_integrity -s 16K
	echo 2000 >/sys/module/dcbm/parameters/timeout_ms
	rmmod dcbm mtcopy
	report_quoted_status test_no_dma_leak "drivers: no DMA mapping left behind (DMA-API debug)"
}
