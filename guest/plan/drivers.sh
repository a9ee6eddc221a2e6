# Guest tests of the offload drivers: mtcopy, dcbm over the software DMA
# engine swdma (with its fault injection), and the in-tree dmatest client
# against swdma.  Sourced by run-tests.sh after offload.sh.

SWDMA=/sys/kernel/debug/swdma
DMA_API=/sys/kernel/debug/dma-api

# The modules the drivers' tests load: swdma too, except natively on a
# machine with a real DMA engine (see why_not in lib.sh).
driver_modules() {
	if [ -z "$(why_not swdma)" ]; then echo swdma mtcopy dcbm; else echo mtcopy dcbm; fi
}

# The driver modules load and register their migrators.
test_modules_load() {
	local m rc=0
	for m in $(driver_modules); do
		modprobe "$m" || { echo "# modprobe $m failed"; rc=1; }
	done
	for m in mtcopy dcbm; do
		grep -qw "$m" $OFFLOAD/available || { echo "# $m not in available"; rc=1; }
	done
	return $rc
}

counter() { cat "$1"; }

# The in-tree dmatest client copies and verifies through the swdma channels
# that dcbm left free.
test_dmatest() {
	local rc=0
	modprobe dmatest timeout=5000 iterations=100 run=1 || return 1
	cat /sys/module/dmatest/parameters/wait >/dev/null
	dmesg | grep 'dmatest: .*summary' | sed 's/^/# /'
	dmesg | grep -q 'dmatest: dma[0-9]*chan[0-9]*-copy.*summary [1-9][0-9]* tests, 0 failures' || rc=1
	dmesg | grep 'dmatest: .*summary' | grep -qv ' 0 failures' && rc=1
	rmmod dmatest
	return $rc
}

# swdma as a faithful provider: a descriptor that failed (fail_every) is
# DMA_ERROR in tx_status, which dmatest reports as "completion error
# status" (with the status of the last completed cookie it would report
# the data it then finds wrong instead), and its device has no sysfs
# unbind that would pull the channels from under their clients.
test_swdma_reports_errors() {
	local rc=0 errors others
	set_knob $SWDMA/fail_every 4 || return 1
	echo "migoff: swdma error statuses" >/dev/kmsg
	modprobe dmatest timeout=5000 iterations=40 run=1 || rc=1
	cat /sys/module/dmatest/parameters/wait >/dev/null
	set_knob $SWDMA/fail_every 0 || rc=1
	rmmod dmatest
	dmesg | sed -n '/migoff: swdma error statuses/,$p' >/tmp/dmatest.log
	errors=$(grep -c "dmatest: .*'completion error status'" /tmp/dmatest.log)
	others=$(grep "dmatest: .*result #" /tmp/dmatest.log | grep -vc "'completion error status'")
	echo "# dmatest: $errors completion error statuses, $others other failures"
	[ -e /sys/bus/platform/drivers/swdma/unbind ] && { echo "# swdma can be unbound"; rc=1; }
	[ $rc = 0 ] && [ "$errors" -gt 0 ] && [ "$others" = 0 ]
}

load_dcbm() { # CHANNELS
	if grep -q '^dcbm ' /proc/modules; then
		rmmod dcbm || return 1
	fi
	modprobe dcbm channels="$1" && offload_every_batch dcbm
}

# The integrity tests move batches of every shape, so the migrator must
# take them all, whatever its default minimum.
offload_every_batch() { # MIGRATOR
	set_knob "$MIGRATORS/$1/min_batch_bytes" 0
}

# dcbm's other outcomes, for the record: lost and poisoned folios, batches
# timed out, batches that found every channel busy.
dcbm_other_outcomes() {
	echo "$(stat_of dcbm lost_folios) $(stat_of dcbm poisoned_folios)" \
		"$(counter $MIGRATORS/dcbm/timeouts) $(counter $MIGRATORS/dcbm/busy_batches)"
}

# With fault injection KNOB=VALUE set on swdma, COMMAND must keep its data,
# and dcbm's fallback count must rise where swdma failed descriptors
# (fail_every: dcbm also stops the failing channel, so the failing batch's
# copies still queued there fall back too), by at least the batches a stall
# timed out (stall_every), or not at all while swdma did complete
# descriptors out of order (reverse).
with_fault() { # KNOB VALUE COMMAND...
	local knob=$1 val=$2 rc fb0 fb1 err0 err1 f0 f1 s0 s1 r0 r1 other0 other1
	shift 2
	fb0=$(stat_of dcbm fallback_folios) err0=$(stat_of dcbm errors) other0=$(dcbm_other_outcomes)
	f0=$(counter $SWDMA/failed) s0=$(counter $SWDMA/stalled) r0=$(counter $SWDMA/reordered)
	set_knob "$SWDMA/$knob" "$val" || return 1
	with_migrator --fallback-expected dcbm "$@"
	rc=$?
	# Off: 0, or N for a switch.
	set_knob "$SWDMA/$knob" "$([ "$val" = Y ] && echo N || echo 0)" || rc=1
	fb1=$(stat_of dcbm fallback_folios) err1=$(stat_of dcbm errors) other1=$(dcbm_other_outcomes)
	f1=$(counter $SWDMA/failed) s1=$(counter $SWDMA/stalled) r1=$(counter $SWDMA/reordered)
	echo "# $knob=$val: fallback +$((fb1 - fb0)), errors +$((err1 - err0)), engine failed +$((f1 - f0)), stalled +$((s1 - s0)), reordered +$((r1 - r0)); lost, poisoned, timeouts, busy: $other0 -> $other1"
	[ $rc = 0 ] || return 1
	case $knob in
	fail_every) [ $((f1 - f0)) -gt 0 ] && [ $((fb1 - fb0)) -gt 0 ] && [ $((err1 - err0)) -gt 0 ] ;;
	stall_every) [ $((s1 - s0)) -gt 0 ] && [ $((fb1 - fb0)) -ge $((err1 - err0)) ] && [ $((err1 - err0)) -gt 0 ] ;;
	reverse) [ $((r1 - r0)) -gt 0 ] && [ $((fb1 - fb0)) = 0 ] && [ $((err1 - err0)) = 0 ] ;;
	esac
}

# An engine that copies a batch's one descriptor at once but completes it
# only after dcbm's timeout (desc_us 1.5 s against timeout_ms 500), as an
# engine whose interrupt comes late: dcbm's stop waits for the running
# descriptor, whose callback then marks its pair copied.  Every folio was
# copied, so the batch is no error: this test's batches must show ret=0
# and copied = folios, the migrator's errors must not rise, and the
# timeouts must (the timeout did happen).
test_dcbm_copied_after_timeout() {
	local rc=0 e0 e1 t0 t1 bad
	e0=$(stat_of dcbm errors) t0=$(counter $MIGRATORS/dcbm/timeouts)
	set_knob $MIGRATORS/dcbm/timeout_ms 500 && set_knob $SWDMA/desc_us 1500000 || return 1
	with_migrator dcbm migrate_integrity -s 4K -t 4K -r 1 || rc=1
	set_knob $SWDMA/desc_us 0 || rc=1
	set_knob $MIGRATORS/dcbm/timeout_ms 300 || rc=1
	e1=$(stat_of dcbm errors) t1=$(counter $MIGRATORS/dcbm/timeouts)
	bad=$(grep -vc ' ret=0$' /tmp/trace)
	echo "# timeouts +$((t1 - t0)), errors +$((e1 - e0)); batches of this test with an error: $bad"
	[ $rc = 0 ] && [ $((t1 - t0)) -gt 0 ] && [ $((e1 - e0)) = 0 ] && [ "$bad" = 0 ]
}

# The negative control of every data test under dcbm: an engine that
# corrupts a byte of every 5th descriptor and reports success (which dcbm
# cannot detect) must make the integrity test fail with a data mismatch.
integrity_catches_corruption() {
	local c0 c1 rc
	c0=$(counter $SWDMA/corrupted)
	set_knob "$SWDMA/corrupt_every" 5 || return 1
	with_migrator dcbm migrate_integrity -s 64K -r 1
	rc=$?
	set_knob "$SWDMA/corrupt_every" 0 || return 1
	c1=$(counter $SWDMA/corrupted)
	echo "# engine corrupted +$((c1 - c0)) descriptors; the integrity test exited $rc"
	[ $((c1 - c0)) -gt 0 ] && [ $rc != 0 ] && grep -q '# data mismatch' /tmp/run.out
}

# swdma reloaded with ARGS, and dcbm on 2 of its channels.
reload_engine() { # ARGS...
	{ ! grep -q '^dcbm ' /proc/modules || rmmod dcbm; } &&
		rmmod swdma && modprobe swdma channels=2 "$@" && load_dcbm 2
}

# Back to the engine and timeout the fault tests start from: swdma with
# its defaults, dcbm's timeout at 300 ms.
default_engine() {
	local rc=0
	reload_engine || rc=1
	set_knob $MIGRATORS/dcbm/timeout_ms 300 || rc=1
	return $rc
}

# An engine that cannot be stopped (swdma terminate=0: no terminate, as
# ioat) and makes a stalled copy 500 ms after it
# stalled, 200 ms after dcbm gave up on it.  The verifying writer and the
# checks after each move must see no late write in the data; every late
# copy must have gone to a destination the core counted as lost (its folio
# stayed put and moved on a retry; a folio may have more than one segment
# copied late); a channel is out of service while a copy abandoned there
# is pending (and rests a while after), so the retries of the folios lost
# go to the CPU, and every address is placed.
test_dcbm_unstoppable_engine() {
	local rc=0 lost0 lost late swlate out max_out=0
	reload_engine terminate=0 || return 1
	lost0=$(stat_of dcbm lost_folios)
	set_knob $MIGRATORS/dcbm/timeout_ms 300 &&
		set_knob $SWDMA/late_ms 500 && set_knob $SWDMA/stall_every 4 || rc=1
	with_migrator --fallback-expected dcbm migrate_integrity -s 64K -w -r 4 &
	while kill -0 $! 2>/dev/null; do
		out=$(counter $MIGRATORS/dcbm/retired_channels)
		[ "$out" -le $max_out ] || max_out=$out
		sleep 0.1
	done
	wait $! || rc=1
	set_knob $SWDMA/stall_every 0 || rc=1
	sleep 1	# every late copy has landed
	lost=$(($(stat_of dcbm lost_folios) - lost0))
	late=$(counter $MIGRATORS/dcbm/late_completions)
	swlate=$(counter $SWDMA/late)
	out=$(counter $MIGRATORS/dcbm/retired_channels)
	echo "# $lost destinations lost, $late late completions (engine: $swlate); channels out of service: up to $max_out while moving, $out after"
	[ $lost -gt 0 ] && [ "$late" -ge $lost ] && [ "$swlate" = "$late" ] &&
		[ $max_out -gt 0 ] || rc=1
	set_knob $SWDMA/late_ms 0 || rc=1
	default_engine || rc=1
	return $rc
}

# The kernel's reports (warnings, bugs, KASAN, refcount saturation) logged
# since dmesg had LINES lines.
new_kernel_reports() { # LINES
	dmesg | tail -n +$(($1 + 1)) |
		grep -E 'WARNING:|BUG:|KASAN|refcount_t|Oops|general protection fault' | head -n 5
}

# swdma's pace for the tests of completions one at a time: an interrupt per
# descriptor, each descriptor taking 2 ms, so that a failure's callback
# comes while later descriptors of the batch are still to run, on its
# channel and on the other one.
one_at_a_time() { # on|off
	if [ "$1" = on ]; then
		set_knob $SWDMA/complete_each Y && set_knob $SWDMA/desc_us 2000
	else
		set_knob $SWDMA/complete_each N && set_knob $SWDMA/desc_us 0
	fi
}

# An engine that cannot be stopped (terminate=0, as ioat) and, like idxd
# when a work queue halts on an error, aborts
# the descriptors it had taken with the one that failed: they complete
# one at a time with DMA_TRANS_ABORTED and nothing copied, after dcbm gave
# up on them and while the batch's other channel is still copying.  A pair
# with an aborted segment was not copied: the CPU must copy it, or its
# folio fail as lost, and no folio may be mapped with a destination the
# engine left stale.  The integrity test checks every byte.
test_dcbm_aborts_after_error() {
	local rc=0 a0 a1
	reload_engine terminate=0 || return 1
	a0=$(counter $SWDMA/aborted)
	set_knob $MIGRATORS/dcbm/timeout_ms 5000 && one_at_a_time on &&
		set_knob $SWDMA/abort_after_error Y && set_knob $SWDMA/fail_every 7 || rc=1
	with_migrator --fallback-expected dcbm migrate_integrity -s 64K -r 2 || rc=1
	set_knob $SWDMA/fail_every 0 || rc=1
	set_knob $SWDMA/abort_after_error N || rc=1
	one_at_a_time off || rc=1
	sleep 1	# every aborted descriptor has completed
	a1=$(counter $SWDMA/aborted)
	echo "# engine aborted +$((a1 - a0)) descriptors after a failure"
	[ $((a1 - a0)) -gt 0 ] || rc=1
	default_engine || rc=1
	return $rc
}

# An engine whose terminate drops only what it has not started, and which
# has no synchronize (swdma synchronize=0, as dw, pl330, at_xdmac, fsldma,
# hidma and others): after dcbm stops a channel on an error, the copies it
# had started still complete, with their callbacks.  dcbm must not take
# the stop for the end of them: no completion may be counted twice (a
# refcount warning, a use after free in the debug kernel), and every byte
# arrives.
test_dcbm_terminate_without_synchronize() {
	local rc=0 lines reports
	reload_engine synchronize=0 || return 1
	lines=$(dmesg | wc -l)
	set_knob $MIGRATORS/dcbm/timeout_ms 5000 && one_at_a_time on &&
		set_knob $SWDMA/fail_every 7 || rc=1
	with_migrator --fallback-expected dcbm migrate_integrity -s 64K -r 2 || rc=1
	set_knob $SWDMA/fail_every 0 || rc=1
	one_at_a_time off || rc=1
	sleep 1	# every started copy has completed
	reports=$(new_kernel_reports "$lines")
	[ -z "$reports" ] || { echo "$reports" | sed 's/^/# /'; rc=1; }
	default_engine || rc=1
	return $rc
}

# An engine that cannot be stopped (terminate=0) fails one descriptor in
# 40 for one run: dcbm waits for the rest of the batch there (nothing to
# stop, nothing abandoned), the failed pairs go to the CPU, and both
# channels stay in service: the next run, without errors, is copied by the
# engine with no folio left to the CPU.
test_dcbm_unstoppable_transient_error() {
	local rc=0 f0 f1 fb0 fb1 in
	reload_engine terminate=0 || return 1
	f0=$(counter $SWDMA/failed)
	set_knob $SWDMA/fail_every 40 && set_knob $OFFLOAD/active dcbm || rc=1
	migrate_integrity -s 64K -r 1 >/tmp/run.out 2>&1 || { sed 's/^/# /' /tmp/run.out; rc=1; }
	set_knob $SWDMA/fail_every 0 || rc=1
	f1=$(counter $SWDMA/failed)
	fb0=$(stat_of dcbm fallback_folios)
	migrate_integrity -s 64K -r 1 >/tmp/run.out 2>&1 || { sed 's/^/# /' /tmp/run.out; rc=1; }
	fb1=$(stat_of dcbm fallback_folios)
	in=$(counter $MIGRATORS/dcbm/channels_in_service)
	set_knob $OFFLOAD/active none || rc=1
	echo "# engine failed +$((f1 - f0)) descriptors in the first run; second run: fallback +$((fb1 - fb0)); channels in service: $in"
	[ $((f1 - f0)) -gt 0 ] && [ $((fb1 - fb0)) = 0 ] && [ "$in" = 2 ] || rc=1
	default_engine || rc=1
	return $rc
}

# An engine that cannot be stopped and calls back from a kworker, where a
# callback can be preempted (swdma terminate=0 thread_callbacks=1; idxd
# calls back from a threaded interrupt handler).  Once dcbm has abandoned
# copies (they land 3 s after they stalled: the stop, the switch to none
# and the first rmmod must come before that, and on the debug kernel
# under load they once took more than a second), the mover is stopped
# (SIGSTOP: no migration runs while the active migrator's text is
# patched, see docs/testing.md), dcbm made inactive and unloaded as soon as it lets
# itself be: each abandoned copy holds a module reference, so rmmod must
# be refused until the last late callback has dropped its own, and the
# module must stay until that callback has returned through its code.  No
# kernel report (a return into freed module memory faults), every late
# copy landed, and the mover, continued, finds its data intact.
test_dcbm_unload_during_late_callbacks() {
	local rc=0 lines reports refused=0 late0 late1 pid
	reload_engine terminate=0 || return 1
	lines=$(dmesg | wc -l)
	late0=$(counter $SWDMA/late)
	set_knob $SWDMA/thread_callbacks Y && set_knob $MIGRATORS/dcbm/timeout_ms 100 &&
		set_knob $SWDMA/late_ms 3000 && set_knob $SWDMA/stall_every 4 &&
		set_knob $OFFLOAD/active dcbm || rc=1
	migrate_integrity -s 64K -r 2 >/tmp/run.out 2>&1 &
	pid=$!
	while [ "$(counter $MIGRATORS/dcbm/retired_channels)" = 0 ] && kill -0 $pid 2>/dev/null; do
		sleep 0.02
	done
	kill -STOP $pid
	until grep -q '^State:.*stopped' /proc/$pid/status 2>/dev/null || ! kill -0 $pid 2>/dev/null; do
		sleep 0.01
	done
	set_knob $SWDMA/stall_every 0 || rc=1
	set_knob $OFFLOAD/active none || rc=1
	until rmmod dcbm 2>/dev/null; do
		refused=$((refused + 1))
		[ $refused -lt 500 ] || { echo "# dcbm still in use after 5 s"; rc=1; break; }
		sleep 0.01
	done
	kill -CONT $pid
	wait $pid || { sed 's/^/# /' /tmp/run.out; rc=1; }
	late1=$(counter $SWDMA/late)
	reports=$(new_kernel_reports "$lines")
	[ -z "$reports" ] || { echo "$reports" | sed 's/^/# /'; rc=1; }
	echo "# rmmod refused $refused times while late copies were pending; late copies +$((late1 - late0))"
	[ $refused -gt 0 ] && [ $((late1 - late0)) -gt 0 ] || rc=1
	default_engine || rc=1
	return $rc
}

# N movers at once, each migrate_integrity ARGS, with the active migrator:
# fails if any of them failed, and then shows what each printed.  Their
# batches are traced (traced_run), and left in /tmp/trace.
concurrent_movers() { # N ARGS...
	local n=$1 i pids='' rc=0
	shift
	rm -f /tmp/mover*.out
	echo >$TRACING/trace
	for i in $(seq "$n"); do
		traced_exec migrate_integrity "$@" >/tmp/mover$i.out 2>&1 &
		pids="$pids $!"
	done
	for i in $pids; do
		wait "$i" || rc=1
	done
	collect_trace
	[ $rc = 0 ] || sed 's/^/# /' /tmp/mover*.out
	return $rc
}


# Two movers on one channel (dcbm channels=1, each descriptor taking 1 ms):
# a batch that finds the channel owned by the other mover's batch is left
# to the CPU at once (it returns -EBUSY, copying nothing), rather than
# sleep with its folios locked and unmapped until the channel is free; no
# batch times out (-ETIMEDOUT), others are copied, and every byte arrives.
# All read from the movers' own traced batches.
test_dcbm_busy_channel() {
	local rc=0 busy timedout copied
	load_dcbm 1 || return 1
	set_knob $MIGRATORS/dcbm/timeout_ms 5000 && set_knob $SWDMA/desc_us 1000 &&
		set_knob $OFFLOAD/active dcbm || rc=1
	concurrent_movers 2 -s 64K -r 2 || rc=1
	set_knob $OFFLOAD/active none || rc=1
	set_knob $SWDMA/desc_us 0 || rc=1
	busy=$(grep -c ' copied=0 .* ret=-16$' /tmp/trace)
	timedout=$(traced_batches_returning -110)
	copied=$(traced_batches_returning 0)
	echo "# the movers' batches: $(wc -l </tmp/trace), $busy found the channel busy and copied nothing, $timedout timed out, $copied copied"
	[ "$busy" -gt 0 ] && [ "$timedout" = 0 ] && [ "$copied" -gt 0 ] || rc=1
	load_dcbm 2 || rc=1
	set_knob $MIGRATORS/dcbm/timeout_ms 300 || rc=1
	return $rc
}

# Each DMA channel's completed copies, one "channel count" per line.
memcpy_counts() {
	local ch
	for ch in /sys/class/dma/dma*chan*; do
		echo "${ch##*/} $(cat "$ch/memcpy_count")"
	done
}

# A batch of one 2M THP, which is every THP migration, under dcbm on swdma
# loaded with ARGS and 2 channels: every byte arrives, no folio falls back
# to the CPU, each of the two channels copied a share, and dcbm's own
# counters say no 2M folio cost more than DESCS descriptors.
thp_on_every_channel() { # DESCS SWDMA_ARGS...
	local rc=0 most=$1 fb0 fb1 idle d0 d1 b0 b1 folios
	shift
	reload_engine "$@" || return 1
	memcpy_counts >/tmp/memcpy0
	fb0=$(stat_of dcbm fallback_folios)
	d0=$(stat_of dcbm descriptors) b0=$(stat_of dcbm bytes)
	with_migrator dcbm migrate_integrity -s 2M -t 2M -r 2 || rc=1
	fb1=$(stat_of dcbm fallback_folios)
	d1=$(stat_of dcbm descriptors) b1=$(stat_of dcbm bytes)
	memcpy_counts >/tmp/memcpy1
	memcpy_deltas /tmp/memcpy0 /tmp/memcpy1
	folios=$(((b1 - b0) / 2097152))
	echo "# copies per channel: $(tr '\n' ' ' </tmp/memcpy); fallback +$((fb1 - fb0));" \
		"$((d1 - d0)) descriptors for $folios 2M folios (at most $most each)"
	[ "$(wc -l </tmp/memcpy1)" = 2 ] && [ -z "$idle" ] && [ $((fb1 - fb0)) = 0 ] || rc=1
	[ $folios -gt 0 ] && [ $((d1 - d0)) -le $((most * folios)) ] || rc=1
	[ $# = 0 ] || reload_engine || rc=1
	set_knob $MIGRATORS/dcbm/timeout_ms 300 || rc=1
	return $rc
}

# The difference of two memcpy_counts snapshots in /tmp/memcpy, and the
# channels that copied nothing in IDLE.
memcpy_deltas() { # BEFORE AFTER
	awk 'NR == FNR { n[$1] = $2; next } { print $1, $2 - n[$1] }' "$1" "$2" >/tmp/memcpy
	idle=$(awk '$2 == 0 { print $1 }' /tmp/memcpy)
}

# An engine that offers DMA_MEMCPY_SG (swdma memcpy_sg=1, with ARGS): a
# batch of whole 4K folios on 2 channels costs a list per channel, so
# dcbm's own counters must show at most 2 descriptors and 4 mappings per
# batch and fewer descriptors than folios, both channels copied, no folio
# fell back to the CPU, and every byte arrives.  With max_sg=8 (a batch
# limit, as idxd's max_batch_size) dcbm learns to cut its lists to 8
# folios before the first is in flight: no folio falls back, and no list
# is longer (at least one descriptor per 8 folios).
sg_lists() { # MOST_FOLIOS_PER_LIST SWDMA_ARGS...
	local rc=0 most=$1 d0 d1 m0 m1 b0 b1 f0 f1 fb0 fb1 idle batches descs folios
	shift
	reload_engine memcpy_sg=1 "$@" || return 1
	memcpy_counts >/tmp/memcpy0
	d0=$(stat_of dcbm descriptors) m0=$(stat_of dcbm mappings)
	b0=$(stat_of dcbm batches) f0=$(stat_of dcbm folios) fb0=$(stat_of dcbm fallback_folios)
	with_migrator dcbm migrate_integrity -s 4K -r 2 || rc=1
	d1=$(stat_of dcbm descriptors) m1=$(stat_of dcbm mappings)
	b1=$(stat_of dcbm batches) f1=$(stat_of dcbm folios) fb1=$(stat_of dcbm fallback_folios)
	memcpy_counts >/tmp/memcpy1
	memcpy_deltas /tmp/memcpy0 /tmp/memcpy1
	batches=$((b1 - b0)) descs=$((d1 - d0)) folios=$((f1 - f0))
	echo "# $batches batches of $folios folios: $descs descriptors, $((m1 - m0)) mappings;" \
		"copies per channel: $(tr '\n' ' ' </tmp/memcpy); fallback +$((fb1 - fb0))"
	[ $batches -gt 0 ] && [ $descs -lt $folios ] && [ -z "$idle" ] &&
		[ $((fb1 - fb0)) = 0 ] || rc=1
	if [ "$most" = all ]; then
		[ $descs -le $((2 * batches)) ] && [ $((m1 - m0)) -le $((4 * batches)) ] || rc=1
	else
		[ $((descs * most)) -ge $folios ] || rc=1
	fi
	default_engine || rc=1
	return $rc
}

# The fault tests above, on an engine that offers DMA_MEMCPY_SG, where a
# fault takes a whole list: with_fault KNOB VALUE COMMAND..., and lists
# were used (fewer descriptors than folios).
sg_fault() { # KNOB VALUE COMMAND...
	local rc=0 d0 d1 f0 f1
	reload_engine memcpy_sg=1 && set_knob $MIGRATORS/dcbm/timeout_ms 300 || return 1
	d0=$(stat_of dcbm descriptors) f0=$(stat_of dcbm folios)
	with_fault "$@" || rc=1
	d1=$(stat_of dcbm descriptors) f1=$(stat_of dcbm folios)
	echo "# $((d1 - d0)) descriptors for $((f1 - f0)) folios"
	[ $((d1 - d0)) -lt $((f1 - f0)) ] || rc=1
	default_engine || rc=1
	return $rc
}

# An engine that offers DMA_MEMCPY_SG and fails every 2nd list as one
# whose source it could not read (swdma read_fail_every, as poison or an
# IOMMU fault): the error names no folio of the list, so dcbm must report
# none poisoned (the core would fail them all) and leave each to the CPU
# copy, which is machine-check safe.  Every byte arrives.
test_dcbm_sg_read_error() {
	local rc=0 p0 p1 fb0 fb1 f0 f1
	reload_engine memcpy_sg=1 && set_knob $MIGRATORS/dcbm/timeout_ms 300 || return 1
	p0=$(stat_of dcbm poisoned_folios) fb0=$(stat_of dcbm fallback_folios)
	f0=$(counter $SWDMA/failed)
	set_knob $SWDMA/read_fail_every 2 || rc=1
	with_migrator --fallback-expected dcbm migrate_integrity -s 4K -r 2 || rc=1
	set_knob $SWDMA/read_fail_every 0 || rc=1
	p1=$(stat_of dcbm poisoned_folios) fb1=$(stat_of dcbm fallback_folios)
	f1=$(counter $SWDMA/failed)
	echo "# engine read errors +$((f1 - f0)); fallback +$((fb1 - fb0)), poisoned +$((p1 - p0))"
	[ $((f1 - f0)) -gt 0 ] && [ $((fb1 - fb0)) -gt 0 ] && [ $((p1 - p0)) = 0 ] || rc=1
	default_engine || rc=1
	return $rc
}

# An engine that claims to complete in order (swdma ordered=1, as ioat and
# ptdma): dcbm asks for an interrupt on the last copy of each channel in a
# batch only, so its own counters must show at most one interrupt per
# channel and batch, and fewer than descriptors (64K folios: many per
# batch).  Every byte arrives.
test_dcbm_interrupt_per_channel() {
	local rc=0 i0 i1 d0 d1 b0 b1
	reload_engine ordered=1 || return 1
	i0=$(stat_of dcbm interrupts) d0=$(stat_of dcbm descriptors) b0=$(stat_of dcbm batches)
	with_migrator dcbm migrate_integrity -s 64K -r 2 || rc=1
	i1=$(stat_of dcbm interrupts) d1=$(stat_of dcbm descriptors) b1=$(stat_of dcbm batches)
	echo "# $((b1 - b0)) batches: $((d1 - d0)) descriptors, $((i1 - i0)) interrupts asked for"
	[ $((b1 - b0)) -gt 0 ] && [ $((i1 - i0)) -le $((2 * (b1 - b0))) ] &&
		[ $((i1 - i0)) -lt $((d1 - d0)) ] || rc=1
	default_engine || rc=1
	return $rc
}

# An engine that claims to complete in order and calls back only the
# copies that asked for an interrupt (swdma ordered=1 and
# callback_needs_interrupt, which the API allows): the first batch waits
# for callbacks that never come and times out, its folios go to the CPU,
# and dcbm asks for an interrupt on every copy of those channels from then
# on, so exactly one batch times out.  Every byte arrives.
test_dcbm_silent_engine() {
	local rc=0 t0 t1
	reload_engine ordered=1 || return 1
	set_knob $MIGRATORS/dcbm/timeout_ms 300 &&
		set_knob $SWDMA/callback_needs_interrupt Y || rc=1
	t0=$(stat_of dcbm timeouts)
	with_migrator --fallback-expected dcbm migrate_integrity -s 64K -r 3 || rc=1
	t1=$(stat_of dcbm timeouts)
	set_knob $SWDMA/callback_needs_interrupt N || rc=1
	echo "# $((t1 - t0)) batches timed out; $(dmesg | grep -c 'without a callback: an interrupt for every copy') channels learnt"
	[ $((t1 - t0)) = 1 ] || rc=1
	default_engine || rc=1
	return $rc
}

# An engine that halts after a failed descriptor until it is reset
# (swdma halt_on_error, failing every 5th descriptor), under MOVERS
# concurrent migrate_integrity runs: dcbm stops (resets) a channel at its
# first error, and a batch owns its channels, so no batch waits out its
# timeout, neither the failing one nor another whose copies were queued on
# the halted channel.  Every byte arrives.
halting_engine() { # MOVERS
	local rc=0 h0 h1 timedout
	h0=$(counter $SWDMA/halts)
	# A batch may take long under emulation with two movers: a timeout
	# here must mean a halted engine, not a slow one.
	set_knob $MIGRATORS/dcbm/timeout_ms 5000 &&
		set_knob $SWDMA/halt_on_error Y && set_knob $SWDMA/fail_every 5 &&
		set_knob $OFFLOAD/active dcbm || rc=1
	concurrent_movers "$1" -s 64K -r 3 || rc=1
	set_knob $OFFLOAD/active none || rc=1
	set_knob $SWDMA/fail_every 0 || rc=1
	set_knob $SWDMA/halt_on_error N || rc=1
	set_knob $MIGRATORS/dcbm/timeout_ms 300 || rc=1
	h1=$(counter $SWDMA/halts)
	timedout=$(traced_batches_returning -110)
	echo "# engine halted +$((h1 - h0)) times; the movers' batches: $(wc -l </tmp/trace), $timedout timed out"
	[ $rc = 0 ] && [ $((h1 - h0)) -gt 0 ] && [ "$(wc -l </tmp/trace)" -gt 0 ] && [ "$timedout" = 0 ]
}

# The CPUs of node NODE, one per line.
node_cpus() { # NODE
	local c
	for c in /sys/devices/system/node/node$1/cpu[0-9]*; do
		[ -e "$c" ] && echo "${c##*/cpu}"
	done
}

# The CPUs that ran mtcopy's queued copies while COMMAND ran under mtcopy,
# one per line (workqueue_execute_start in the workers' trace instance,
# on from the plan's start: the plan's own instance records only the
# tests' processes, not kworkers).
mtcopy_worker_cpus() { # COMMAND...
	local rc
	[ -d $WORKERS_TRACE ] || { echo "# no trace instance $WORKERS_TRACE"; return 1; }
	echo >$WORKERS_TRACE/trace
	with_migrator mtcopy "$@"
	rc=$?
	grep 'function mtcopy_helper_fn' $WORKERS_TRACE/trace |
		sed 's/.*\[0*\([0-9][0-9]*\)\].*/\1/' | sort -u >/tmp/worker-cpus
	return $rc
}

# mtcopy moving 2M folios between the fast node and the slow node, which
# has memory and no CPUs (vm.sh --tiered: nodes 1 and 2): the copies it
# queues must run on CPUs of the fast node, the nearest node with CPUs, in
# both directions (placement dst).
test_mtcopy_cpuless_node() {
	local c rc=0
	if [ ! -d /sys/devices/system/node/node$SLOW_NODE ] || [ -n "$(node_cpus $SLOW_NODE)" ]; then
		echo "# no node $SLOW_NODE without CPUs: boot with vm.sh --tiered"
		return 1
	fi
	set_knob $MIGRATORS/mtcopy/threads 2 &&
		set_knob $MIGRATORS/mtcopy/placement dst &&
		offload_every_batch mtcopy || return 1
	mtcopy_worker_cpus migrate_integrity -s 2M -t 8M -H $FAST_NODE -F $SLOW_NODE || return 1
	echo "# queued copies ran on CPUs $(tr '\n' ' ' </tmp/worker-cpus)(node $FAST_NODE: $(node_cpus $FAST_NODE | tr '\n' ' '))"
	[ -s /tmp/worker-cpus ] || return 1
	for c in $(cat /tmp/worker-cpus); do
		node_cpus $FAST_NODE | grep -qx "$c" || rc=1
	done
	return $rc
}

# mtcopy with 2 threads for a task confined to CPU 1 (its affinity, the
# mask a cpuset narrows too), moving 2M folios to node 1: no helper runs
# (not on CPU 1, which the task itself uses, nor on node 1's CPUs 2-3,
# where it may not run); the task copies every range itself.  Then with
# placement "any" confined to CPUs 0-1: helpers run, if at all, only
# there.  Every byte arrives in both.
test_mtcopy_confined_task() {
	local rc=0 c
	set_knob $MIGRATORS/mtcopy/threads 2 && set_knob $MIGRATORS/mtcopy/placement dst &&
		offload_every_batch mtcopy || return 1
	mtcopy_worker_cpus numactl --physcpubind=1 migrate_integrity -s 2M -t 8M || rc=1
	echo "# confined to CPU 1: helpers ran on CPUs: $(tr '\n' ' ' </tmp/worker-cpus)"
	[ -s /tmp/worker-cpus ] && rc=1
	set_knob $MIGRATORS/mtcopy/placement any || rc=1
	mtcopy_worker_cpus numactl --physcpubind=0,1 migrate_integrity -s 2M -t 8M || rc=1
	echo "# confined to CPUs 0-1, placement any: helpers ran on CPUs: $(tr '\n' ' ' </tmp/worker-cpus)"
	for c in $(cat /tmp/worker-cpus); do
		case $c in 0 | 1) ;; *) rc=1 ;; esac
	done
	set_knob $MIGRATORS/mtcopy/placement dst || rc=1
	return $rc
}

CPUSET_CGROUP=/sys/fs/cgroup/mover

# A cpuset cgroup (v2) for the mover: CPUS, and every node's memory.
mover_cpuset() { # CPUS
	[ -f /sys/fs/cgroup/cgroup.controllers ] || mount -t cgroup2 none /sys/fs/cgroup || return 1
	echo +cpuset >/sys/fs/cgroup/cgroup.subtree_control &&
		mkdir -p $CPUSET_CGROUP &&
		echo "$1" >$CPUSET_CGROUP/cpuset.cpus &&
		cat /sys/fs/cgroup/cpuset.mems.effective >$CPUSET_CGROUP/cpuset.mems
}

# The test above with the task confined by a cpuset instead of its own
# affinity, as a container is: to CPU 1, no helper runs; to CPUs 0-1
# (placement any), helpers run only there.  In the switching boot: the
# first cpuset made and the last removed flip the page allocator's static
# key (cpusets_enabled()), text every vCPU runs (see docs/testing.md).  The cpuset
# controller is switched off again after, so no later cgroup gets a cpuset.
test_mtcopy_cpuset_task() {
	local rc=0 c
	# shellcheck disable=SC2016 # $$ is the shell that execs the mover
	local mover='echo $$ >'$CPUSET_CGROUP'/cgroup.procs && exec migrate_integrity -s 2M -t 8M'
	set_knob $MIGRATORS/mtcopy/threads 2 && set_knob $MIGRATORS/mtcopy/placement dst &&
		offload_every_batch mtcopy && mover_cpuset 1 || return 1
	mtcopy_worker_cpus sh -c "$mover" || rc=1
	echo "# cpuset of CPU 1: helpers ran on CPUs: $(tr '\n' ' ' </tmp/worker-cpus)"
	[ -s /tmp/worker-cpus ] && rc=1
	set_knob $MIGRATORS/mtcopy/placement any && mover_cpuset 0-1 || rc=1
	mtcopy_worker_cpus sh -c "$mover" || rc=1
	echo "# cpuset of CPUs 0-1, placement any: helpers ran on CPUs: $(tr '\n' ' ' </tmp/worker-cpus)"
	for c in $(cat /tmp/worker-cpus); do
		case $c in 0 | 1) ;; *) rc=1 ;; esac
	done
	rmdir $CPUSET_CGROUP || rc=1
	echo -cpuset >/sys/fs/cgroup/cgroup.subtree_control || rc=1
	set_knob $MIGRATORS/mtcopy/placement dst || rc=1
	return $rc
}

# mtcopy's helpers run at normal priority: a task niced to 10 gets none
# (they would run above it) and copies its batches alone, every byte right.
test_mtcopy_niced_task() {
	local rc=0
	set_knob $MIGRATORS/mtcopy/threads 2 && offload_every_batch mtcopy || return 1
	mtcopy_worker_cpus migrate_integrity -N 10 -s 2M -t 8M || rc=1
	echo "# niced to 10: helpers ran on CPUs: $(tr '\n' ' ' </tmp/worker-cpus)"
	[ -s /tmp/worker-cpus ] && rc=1
	return $rc
}

# Every CPU busy (stress-ng, one CPU hog each, at the mover's priority):
# mtcopy's moves with 2 threads complete, every byte right, whether its
# helpers start or the mover copies their ranges itself.
test_mtcopy_busy_machine() {
	local rc=0 hog
	set_knob $MIGRATORS/mtcopy/threads 2 && offload_every_batch mtcopy || return 1
	stress-ng --cpu "$(nproc)" --timeout 120s >/tmp/stress-cpu.out 2>&1 &
	hog=$!
	sleep 1
	with_migrator mtcopy migrate_integrity -s 2M -t 8M -r 2 || rc=1
	kill "$hog"
	wait "$hog"
	return $rc
}

# CPU 3 goes offline and comes back, again and again, for SECONDS while
# mtcopy moves 2M folios to its node (node 1) and back: no batch may wait
# for a CPU that is gone, every byte must survive, and mtcopy must have
# copied the moves' batches, none left to the CPU (with_migrator).
test_mtcopy_cpu_hotplug() { # SECONDS
	local end rc=0 plugger cycles
	set_knob $MIGRATORS/mtcopy/threads 2 &&
		set_knob $MIGRATORS/mtcopy/placement dst &&
		offload_every_batch mtcopy || return 1
	end=$(($(date +%s) + $1))
	echo 0 >/tmp/hotplug-cycles
	(n=0
	while [ "$(date +%s)" -lt $end ]; do
		echo 0 >/sys/devices/system/cpu/cpu3/online || exit 1
		echo 1 >/sys/devices/system/cpu/cpu3/online || exit 1
		n=$((n + 1))
		echo $n >/tmp/hotplug-cycles
	done) &
	plugger=$!
	# shellcheck disable=SC2016 # the loop's own shell expands $(date)
	with_migrator mtcopy sh -c 'while [ "$(date +%s)" -lt '$end' ]; do
		migrate_integrity -s 2M -t 4M -r 1 || exit 1
	done' || rc=1
	wait $plugger || { echo "# a CPU 3 offline/online write failed"; rc=1; }
	cycles=$(cat /tmp/hotplug-cycles)
	echo "# CPU 3 went offline and came back $cycles times; online: $(cat /sys/devices/system/cpu/online)"
	[ $rc = 0 ] && [ "$cycles" -gt 0 ] && [ "$(cat /sys/devices/system/cpu/cpu3/online)" = 1 ]
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
# Every switch and every reload must succeed (at least one reload must
# happen), every migration keeps its data, and at the end the modules'
# refcounts are 0.
test_switch_and_reload() { # SECONDS
	local end rc=0 switcher reloads
	end=$(($(date +%s) + $1))
	(n=0 reloads=0
	while [ "$(date +%s)" -lt $end ]; do
		for m in cpu mtcopy dcbm none; do
			echo $m >$OFFLOAD/active || { echo "# switch to $m failed"; exit 1; }
		done
		n=$((n + 1))
		if [ $((n % 3)) = 0 ]; then
			rmmod mtcopy dcbm || { echo "# rmmod failed"; exit 1; }
			modprobe mtcopy && modprobe dcbm channels=2 || { echo "# reload failed"; exit 1; }
			reloads=$((reloads + 1))
			echo $reloads >/tmp/reloads
		fi
	done) &
	switcher=$!
	echo 0 >/tmp/reloads
	migrations_until $end 64K || rc=1
	wait $switcher || rc=1
	reloads=$(cat /tmp/reloads)
	set_knob $OFFLOAD/active none || rc=1
	echo "# $reloads reloads of both modules; refcnt: mtcopy $(cat /sys/module/mtcopy/refcnt), dcbm $(cat /sys/module/dcbm/refcnt)"
	[ $rc = 0 ] && [ "$reloads" -gt 0 ] &&
		[ "$(cat /sys/module/mtcopy/refcnt)" = 0 ] && [ "$(cat /sys/module/dcbm/refcnt)" = 0 ]
}

# stress-ng's VM stressor (with its own verification of every page it
# wrote) runs for SECONDS while migratepages(8) moves its two workers' memory
# between the nodes back and forth and another loop switches the active
# migrator among all of them.  stress-ng must report success, the round
# trips must have moved at least STRESS_NG_ROUND_TRIP_PAGES pages each (a
# quarter of a worker's 16 MiB; the workers and migratepages are the only
# movers then), and the migrators must have taken batches.
STRESS_NG_ROUND_TRIP_PAGES=1024
test_stress_ng_switching() { # SECONDS
	local end rc=0 switcher sng b0 b1 m0 m1 pid moves waited=0
	: >/tmp/migratepages.err
	b0=$(total_batches) m0=$(vmstat_of pgmigrate_success)
	# stress-ng outlives the window by 20 s: a slow (debug) kernel takes
	# seconds to start its workers, and the window starts once they run.
	stress-ng --vm 2 --vm-bytes 16M --verify --timeout $(($1 + 20))s --metrics-brief \
		>/tmp/stress-ng.out 2>&1 &
	sng=$!
	while [ "$(pids_of stress-ng-vm | wc -l)" -lt 2 ] && [ $waited -lt 20 ]; do
		sleep 1
		waited=$((waited + 1))
	done
	end=$(($(date +%s) + $1))
	# A switch a second: back-to-back switches (each patches kernel text)
	# starve the migrations on a slow kernel.
	SWITCH_PAUSE=1 switch_active_until $end cpu mtcopy dcbm none &
	switcher=$!
	moves=0
	while [ "$(date +%s)" -lt $end ]; do
		for pid in $(pids_of stress-ng-vm); do
			migratepages "$pid" 0 1 2>/tmp/migratepages.err &&
				migratepages "$pid" 1 0 2>>/tmp/migratepages.err &&
				moves=$((moves + 1))
		done
	done
	wait $sng || rc=1
	wait $switcher || { echo "# a write to active failed"; rc=1; }
	set_knob $OFFLOAD/active none || rc=1
	b1=$(total_batches) m1=$(vmstat_of pgmigrate_success)
	sed 's/^/# /' /tmp/stress-ng.out /tmp/migratepages.err
	echo "# $moves round trips of a stress-ng process, $((m1 - m0)) pages migrated, +$((b1 - b0)) batches offloaded"
	grep -q 'successful run completed' /tmp/stress-ng.out || rc=1
	[ $rc = 0 ] && [ "$moves" -gt 0 ] && [ $((m1 - m0)) -ge $((moves * STRESS_NG_ROUND_TRIP_PAGES)) ] &&
		[ "$b1" -gt "$b0" ]
}

# The processes whose name starts with NAME (busybox has no pgrep).  No
# command per process: on the debug kernel under single-threaded TCG, with
# stress-ng's workers busy, a cat per process made one call take 20 s.
pids_of() { # NAME
	local d comm
	for d in /proc/[0-9]*; do
		read -r comm 2>/dev/null <"$d/comm" || continue
		case $comm in "$1"*) echo "${d#/proc/}" ;; esac
	done
}

# Batches taken by all registered migrators together.
total_batches() {
	cat $MIGRATORS/*/batches | awk '{ n += $1 } END { print n + 0 }'
}

# The drivers' settings refuse what they cannot use, and keep the old value.
test_driver_params_reject_malformed() {
	local rc=0 v
	for v in 0 17 abc -1 ""; do expect_rejected $MIGRATORS/mtcopy/threads "$v" || rc=1; done
	for v in bogus "" "dst src"; do expect_rejected $MIGRATORS/mtcopy/placement "$v" || rc=1; done
	for v in 0 60001 abc -1 ""; do expect_rejected $MIGRATORS/dcbm/timeout_ms "$v" || rc=1; done
	for v in 0 17 abc -1 ""; do expect_rejected $MIGRATORS/dcbm/channels "$v" || rc=1; done
	return $rc
}

# DMA channels held by clients (dcbm is the only one in the plan by now).
chans_in_use() {
	cat /sys/class/dma/dma*chan*/in_use | awk '{ n += $1 } END { print n + 0 }'
}

# dcbm holds DMA channels only while it is active, and its channel count
# changes at run time: while active, at once, for the batches after.  The
# channels held are counted over every DMA client: in the VM none but dcbm
# holds any, so the count while dcbm is inactive must be 0; natively other
# clients may hold some, and dcbm's are those above that count.
test_dcbm_channels_follow_activation() {
	local rc=0 held base
	set_knob $MIGRATORS/dcbm/channels 2 || return 1
	base=$(chans_in_use)
	native_plan || [ "$base" = 0 ] || { echo "# $base channels held while dcbm is inactive"; return 1; }
	held=$(($(chans_in_use) - base))
	set_knob $OFFLOAD/active dcbm || return 1
	held="$held $(($(chans_in_use) - base))"
	set_knob $MIGRATORS/dcbm/channels 1 || rc=1
	held="$held $(($(chans_in_use) - base))/$(cat $MIGRATORS/dcbm/channels_in_service)"
	migrate_integrity -s 64K -r 1 >/tmp/run.out 2>&1 || { sed 's/^/# /' /tmp/run.out; rc=1; }
	set_knob $MIGRATORS/dcbm/channels 2 || rc=1
	held="$held $(($(chans_in_use) - base))"
	set_knob $OFFLOAD/active none || rc=1
	held="$held $(($(chans_in_use) - base))"
	echo "# channels held by dcbm: inactive, active (2), 1 asked, 2 asked, inactive: $held (others: $base)"
	[ $rc = 0 ] && [ "$held" = "0 2 1/1 2 0" ]
}

DRIVER_TESTS=$((1 + 3 + 1 + 26 + 1))
DRIVER_FINAL_TESTS=1
DRIVER_SWITCH_TESTS=5

drivers_switch_plan() {
	modprobe swdma channels=2
	modprobe mtcopy
	modprobe dcbm channels=2
	ktap_test_result "drivers: switching migrators and reloading driver modules during migrations (20 s)" \
		test_switch_and_reload 20
	ktap_test_result "drivers: mtcopy while CPU 3 goes offline and comes back (20 s)" \
		test_mtcopy_cpu_hotplug 20
	ktap_test_result "drivers: mtcopy, a task in a cpuset of CPU 1: no helper runs; of CPUs 0-1: helpers only there; data intact" \
		test_mtcopy_cpuset_task
	for m in mtcopy dcbm; do
		offload_every_batch $m
	done
	ktap_test_result "drivers: stress-ng --vm --verify while migratepages moves it and migrators switch (20 s)" \
		test_stress_ng_switching 20
	rmmod dcbm mtcopy
	report_quoted_status test_no_dma_leak "drivers: no DMA mapping left behind (DMA-API debug)"
}

# The drivers' own tests; their data tests under each migrator are in
# workloads.sh.
drivers_plan() {
	ktap_test_result "drivers: modules $(driver_modules | sed 's/ \([^ ]*\)$/ and \1/; s/ \([^ ]* and\)/, \1/') load and register" \
		test_modules_load
	test_needing swdma "drivers: dmatest against the software DMA engine" test_dmatest
	test_needing swdma "drivers: swdma reports a failed descriptor as DMA_ERROR, and cannot be unbound" \
		test_swdma_reports_errors
	load_dcbm 2
	ktap_test_result "drivers: malformed mtcopy and dcbm setting writes get EINVAL and change nothing" \
		test_driver_params_reject_malformed
	ktap_test_result "drivers: dcbm holds DMA channels only while active, their count changes at run time" \
		test_dcbm_channels_follow_activation
	set_knob $MIGRATORS/dcbm/timeout_ms 300
	test_needing swdma "drivers: dcbm, engine fails every 3rd descriptor: CPU fallback, data intact" \
		with_fault fail_every 3 migrate_integrity -s 64K
	test_needing swdma "drivers: dcbm, engine stalls every 4th descriptor: timeout, CPU fallback, data intact" \
		with_fault stall_every 4 migrate_integrity -s 2M
	test_needing swdma "drivers: dcbm, engine completes a batch's copies after the timeout: the batch counts as copied, not as an error" \
		test_dcbm_copied_after_timeout
	test_needing swdma "drivers: dcbm, engine completes out of order: data intact, no fallback" \
		with_fault reverse Y migrate_integrity -s 16K
	test_needing swdma,destructive "drivers: dcbm, a 2M THP on 2 channels: both channels copy a share, one descriptor each, no fallback" \
		thp_on_every_channel 2
	test_needing swdma,destructive "drivers: dcbm, engine refuses copies over 64K: THPs go in 64K segments, learnt before the first is in flight, no fallback" \
		thp_on_every_channel 32 max_copy=65536
	test_needing swdma,destructive "drivers: dcbm, a PCI device's 64K DMA mapping segment limit is not the engine's: one descriptor per channel, no fallback" \
		thp_on_every_channel 2 max_seg=65536
	test_needing swdma,destructive "drivers: dcbm, engine offering DMA_MEMCPY_SG: a list per channel and batch, one descriptor and two mappings each, no fallback, data intact" \
		sg_lists all
	test_needing swdma,destructive "drivers: dcbm, SG engine takes lists of 8 folios at most: lists cut to 8, learnt before the first is in flight, no fallback" \
		sg_lists 8 max_sg=8
	test_needing swdma,destructive "drivers: dcbm, SG engine fails every 2nd list: CPU fallback, data intact" \
		sg_fault fail_every 2 migrate_integrity -s 4K
	test_needing swdma,destructive "drivers: dcbm, SG engine stalls every 3rd list: timeout, CPU fallback, data intact" \
		sg_fault stall_every 3 migrate_integrity -s 4K
	test_needing swdma,destructive "drivers: dcbm, SG engine cannot read a list's source: its folios go to the CPU copy, none reported poisoned, data intact" \
		test_dcbm_sg_read_error
	test_needing swdma "drivers: dcbm, engine that completes in order: one interrupt per channel and batch, not per copy, data intact" \
		test_dcbm_interrupt_per_channel
	test_needing swdma "drivers: dcbm, engine that calls back only copies that asked for an interrupt: one batch times out, then an interrupt per copy, data intact" \
		test_dcbm_silent_engine
	test_needing swdma "drivers: dcbm, engine halts after an error until reset: no batch times out, data intact" \
		halting_engine 1
	test_needing swdma "drivers: dcbm, two movers on an engine that halts: no batch hit by another's failure" \
		halting_engine 2
	test_needing swdma "drivers: dcbm, two movers on one channel: a batch finding it in use goes to the CPU at once, none waits, data intact" \
		test_dcbm_busy_channel
	test_needing swdma "drivers: dcbm, engine silently corrupts every 5th descriptor: the integrity test catches it" \
		integrity_catches_corruption
	test_needing swdma,destructive "drivers: dcbm, engine that cannot be stopped completes copies late: they land only in lost destinations" \
		test_dcbm_unstoppable_engine
	test_needing swdma "drivers: dcbm, unstoppable engine aborts what follows a failed descriptor, one completion at a time: no aborted copy is kept, data intact" \
		test_dcbm_aborts_after_error
	test_needing swdma "drivers: dcbm, engine that terminates without synchronize completes started copies after the stop: no double completion, data intact" \
		test_dcbm_terminate_without_synchronize
	test_needing swdma "drivers: dcbm, one error on an engine that cannot be stopped: its channel stays in service, later batches offloaded" \
		test_dcbm_unstoppable_transient_error
	test_needing swdma,destructive "drivers: dcbm, late callbacks from a preemptible thread: unloading waits for the last, no kernel report, data intact" \
		test_dcbm_unload_during_late_callbacks
	test_needing slow-node "drivers: mtcopy to and from a node without CPUs: copies run on the nearest node's CPUs" \
		test_mtcopy_cpuless_node
	ktap_test_result "drivers: mtcopy, a task confined to CPU 1: no helper runs; confined to CPUs 0-1: helpers only there; data intact" \
		test_mtcopy_confined_task
	ktap_test_result "drivers: mtcopy, a task niced to 10 gets no helper (they run at normal priority), data intact" \
		test_mtcopy_niced_task
	ktap_test_result "drivers: mtcopy, every CPU busy with stress-ng: moves complete, data intact" \
		test_mtcopy_busy_machine
	# The workloads that follow run dcbm over an engine that completes in
	# order, as ptdma: one interrupt per channel and batch.  (Natively the
	# engine is left as it is: reloading it is destructive.)
	[ -n "$(why_not swdma,destructive)" ] || reload_engine ordered=1
	set_knob $MIGRATORS/dcbm/timeout_ms $WORKLOAD_TIMEOUT_MS
}

# dcbm's timeout in the workloads, which inject no stall: their batches
# reach 64 MiB (the largest max_batch_bytes), and one software channel
# copying 2M-aligned THPs in the emulator's slow mode took 2.7 s for one
# (memory offlining, 32 THPs: ret=-110 after 23 of them at the shipped
# 2000 ms, in 4 of 8 repetitions).
WORKLOAD_TIMEOUT_MS=10000

# After every driver test has run.
drivers_final_plan() {
	rmmod dcbm mtcopy
	report_quoted_status test_no_dma_leak "drivers: no DMA mapping left behind (DMA-API debug)"
}
