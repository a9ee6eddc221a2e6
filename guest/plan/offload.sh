# Guest tests of the copy-offload interface (/sys/kernel/mm/migrate_offload);
# sourced by run-tests.sh.  Each test_* function returns 0 on success.

OFFLOAD=/sys/kernel/mm/migrate_offload
MIGRATORS=$OFFLOAD/migrators

stat_of() { cat "$MIGRATORS/$1/$2"; }

# The largest max_batch_bytes the kernel allows (64 MiB): every test after
# the interface tests runs with it, the debug kernel's too, so the largest
# batches meet every integrity test.
LARGEST_BATCH=67108864

set_largest_batch() {
	set_knob $OFFLOAD/max_batch_bytes $LARGEST_BATCH
}

# Where the compaction tests' buffer goes: most of the slow node's memory
# above 4 GiB (in the main part its ZONE_MOVABLE: movablecore), which
# compaction must move for the slow node's free pages to come together;
# the near node where there is no slow node.
FRAGMENT_WHERE=${SLOW_NODE:+"-n $SLOW_NODE -t 256M"}

# "all" with one reason taken out, in the kernel's own spelling.
reasons_without() {
	local saved
	saved=$(cat $OFFLOAD/reasons)
	echo all >$OFFLOAD/reasons
	tr ',' '\n' <$OFFLOAD/reasons | grep -vx "$1" | tr '\n' ',' | sed 's/,$//'
	echo "$saved" >$OFFLOAD/reasons
}

# A malformed write fails with EINVAL and leaves the old value in place.
# FILE is relative to the sysfs home, or absolute.
expect_rejected() { # FILE VALUE
	local f=$OFFLOAD/$1 old err
	case $1 in /*) f=$1 ;; esac
	old=$(cat "$f")
	if echo "$2" 2>/tmp/err >"$f"; then
		echo "# $1: accepted '$2'"
		return 1
	fi
	err=$(cat /tmp/err)
	case $err in *"Invalid argument"*) ;; *) echo "# $1: '$2' failed with '$err', not EINVAL"; return 1 ;; esac
	[ "$(cat "$f")" = "$old" ] || { echo "# $1: changed by '$2'"; return 1; }
}

test_sysfs_rejects_malformed() {
	local rc=0 v
	for v in bogus "cpu,none" "" "cpu extra"; do expect_rejected active "$v" || rc=1; done
	for v in bogus "compaction," "all,none" ",demotion" ""; do expect_rejected reasons "$v" || rc=1; done
	for v in abc -1 12x "" "1 2"; do expect_rejected migrators/cpu/min_batch_bytes "$v" || rc=1; done
	for v in abc -1 8M "" 2097151 $((LARGEST_BATCH + 1)); do
		expect_rejected max_batch_bytes "$v" || rc=1
	done
	for v in 1 2; do
		if echo "$v" >$MIGRATORS/cpu/batches 2>/dev/null; then
			echo "# cpu/batches: write accepted"
			rc=1
		fi
	done
	grep -qw cpu $OFFLOAD/available || { echo "# built-in migrator 'cpu' not available"; rc=1; }
	return $rc
}

# The sysfs home exists with its files, and the built-in copier is there.
# Every later test needs it; missing, this is the first failure.
test_sysfs_home() {
	local f rc=0
	for f in available active reasons max_batch_bytes migrators/cpu/min_batch_bytes \
		migrators/cpu/batches; do
		[ -e "$OFFLOAD/$f" ] || { echo "# $OFFLOAD/$f missing"; rc=1; }
	done
	[ $rc = 0 ] && grep -qw cpu $OFFLOAD/available
}

# The batch event's reason decodes in user space: perf and trace-cmd read
# the event's print format, in which the kernel has replaced each enum name
# by its value only where the event's own trace system defines the enum
# (TRACE_DEFINE_ENUM).  A bare MR_ name there is one they cannot decode.
test_trace_reason_decodes() {
	local fmt=$TRACING/events/migrate_offload/migrate_offload_batch/format
	[ -r "$fmt" ] || { echo "# $fmt missing"; return 1; }
	grep '^print fmt' "$fmt" | sed 's/^/# /'
	grep '^print fmt' "$fmt" | grep -q '__print_symbolic' || { echo "# no symbolic reason"; return 1; }
	! grep '^print fmt' "$fmt" | grep -q 'MR_'
}

# Run COMMAND with MIGRATOR active; it must pass, and the tracepoint must
# show batches of COMMAND's own migrations going to MIGRATOR: a test that
# passes while the offload path is never taken proves nothing.  No batch
# may leave a folio to the CPU, under any migrator: a migrator that handed
# everything back would pass every data test.  Only a test that makes the
# engine fail says --fallback-expected, and checks the fallback itself.
with_migrator() { # [--fallback-expected] MIGRATOR COMMAND...
	local fallback_ok=0 m rc n fb
	[ "$1" != --fallback-expected ] || { fallback_ok=1; shift; }
	m=$1
	shift
	set_knob $OFFLOAD/active "$m" || return 1
	traced_run "$@"
	rc=$?
	set_knob $OFFLOAD/active none || rc=1
	n=$(traced_batches "migrator=$m ")
	fb=$(traced_fallback_batches)
	echo "# $m: $n batches of this test offloaded, $fb of them left folios to the CPU"
	[ $rc = 0 ] && [ "$n" -gt 0 ] || return 1
	[ $fallback_ok = 1 ] || [ "$fb" = 0 ] && return 0
	# Which, and why (ret: -EBUSY every channel owned by another batch,
	# -ETIMEDOUT, ...): the next time it happens.
	traced_fallback_lines | head -n 5 | sed 's/^ */# /'
	return 1
}

# With no migrator active, COMMAND must pass, migrate pages itself
# (migrate:mm_migrate_pages calls of its own that moved some), and no
# batch of its own may reach the tracepoint: "none" is the unchanged path.
with_no_migrator() { # COMMAND...
	local rc n calls
	set_knob $OFFLOAD/active none || return 1
	traced_run "$@"
	rc=$?
	n=$(traced_batches "migrator=")
	calls=$(grep -vc 'nr_succeeded=0 ' /tmp/trace-calls)
	echo "# none: $calls migrate_pages() calls of this test moved pages, $n batches offloaded"
	[ $rc = 0 ] && [ "$calls" -gt 0 ] && [ "$n" = 0 ]
}

# With the reason mask set to REASONS and MIGRATOR active, COMMAND must
# pass and migrate pages for reason REASON itself (migrate:mm_migrate_pages),
# and the series' tracepoint must show batches of COMMAND's own migrations
# of that reason (EXPECT=rise) or none (EXPECT=same).
with_reasons_on() { # MIGRATOR REASONS REASON rise|same COMMAND...
	local m=$1 reasons=$2 reason=$3 expect=$4 saved rc n calls
	shift 4
	saved=$(cat $OFFLOAD/reasons)
	set_knob $OFFLOAD/reasons "$reasons" || return 1
	set_knob $OFFLOAD/active "$m" || return 1
	traced_run "$@"
	rc=$?
	set_knob $OFFLOAD/active none || rc=1
	set_knob $OFFLOAD/reasons "$saved" || rc=1
	n=$(traced_batches "reason=$reason ")
	calls=$(traced_calls_that_moved "$reason")
	echo "# reasons=$reasons: $calls migrate_pages() calls of reason $reason moved pages, $n batches offloaded"
	[ $rc = 0 ] && [ "$calls" -gt 0 ] || return 1
	if [ "$expect" = rise ]; then [ "$n" -gt 0 ]; else [ "$n" = 0 ]; fi
}

# The same with the built-in copier.
with_reasons() { # REASONS REASON rise|same COMMAND...
	with_reasons_on cpu "$@"
}

# With the built-in copier's min_batch_bytes at BYTES, COMMAND must pass
# and its own migrations must (EXPECT=rise) or must not (EXPECT=same)
# reach the copier.
with_min_batch() { # BYTES rise|same COMMAND...
	local bytes=$1 expect=$2 saved rc n
	shift 2
	saved=$(stat_of cpu min_batch_bytes)
	set_knob $MIGRATORS/cpu/min_batch_bytes "$bytes" || return 1
	set_knob $OFFLOAD/max_batch_bytes 2097152 || return 1
	set_knob $OFFLOAD/active cpu || return 1
	traced_run "$@"
	rc=$?
	set_knob $OFFLOAD/active none || rc=1
	set_knob $OFFLOAD/max_batch_bytes $LARGEST_BATCH || rc=1
	set_knob $MIGRATORS/cpu/min_batch_bytes "$saved" || rc=1
	n=$(traced_batches "migrator=cpu ")
	echo "# min_batch_bytes=$bytes: $n batches offloaded"
	[ $rc = 0 ] || return 1
	if [ "$expect" = rise ]; then [ "$n" -gt 0 ]; else [ "$n" = 0 ]; fi
}

# With max_batch_bytes at BYTES, the built-in copier moves 16 MiB of 2M
# THPs both ways: every byte checked, and the largest batch it is handed
# holds FOLIOS folios.
thp_batches_of() { # BYTES FOLIOS
	local rc largest
	set_knob $OFFLOAD/max_batch_bytes "$1" || return 1
	set_knob $OFFLOAD/active cpu || return 1
	traced_run migrate_integrity -s 2M -t 16M -r 1
	rc=$?
	set_knob $OFFLOAD/active none || rc=1
	set_knob $OFFLOAD/max_batch_bytes $LARGEST_BATCH || rc=1
	sed -n 's/.* folios=\([0-9]*\) .*/\1/p' /tmp/trace | sort -n | uniq -c >/tmp/sizes
	echo "# max_batch_bytes=$1, folios per batch:" \
		"$(awk '{ printf "%s%d batches of %d", (NR > 1 ? ", " : ""), $1, $2 }' /tmp/sizes)"
	largest=$(awk 'END { print $2 }' /tmp/sizes)
	[ $rc = 0 ] && [ "$largest" = "$2" ]
}

# Integrity runs back to back until the epoch second END; fails if any did.
migrations_until() { # END SMALL_FOLIO_SIZE
	local rc=0
	while [ "$(date +%s)" -lt "$1" ]; do
		run_quoted migrate_integrity -s 2M -t 8M -r 2 -w || rc=1
		run_quoted migrate_integrity -s "$2" -t 8M -r 2 || rc=1
	done
	return $rc
}

# Until the epoch second END, make each MIGRATOR active in turn, over and
# over; fails at the first write to active that fails.  Run it in the
# background while migrations run.
switch_active_until() { # END MIGRATOR...
	local end=$1 m
	shift
	while [ "$(date +%s)" -lt "$end" ]; do
		for m in "$@"; do
			echo "$m" >$OFFLOAD/active || { echo "# switch to $m failed"; return 1; }
			[ -z "${SWITCH_PAUSE:-}" ] || sleep "$SWITCH_PAUSE"
		done
	done
}

# Switch the active migrator back and forth while migrations run, for a
# fixed time; every migration must keep its data.
test_switch_under_load() { # SECONDS
	local end rc=0 b0 b1 switcher
	end=$(($(date +%s) + $1))
	b0=$(stat_of cpu batches)
	# Each stays active a tenth of a second: a migrator is published only
	# once its static call and key are in place and withdrawn before they
	# change, so back-to-back writes leave it active for almost no time.
	SWITCH_PAUSE=0.1 switch_active_until $end cpu none &
	switcher=$!
	migrations_until $end 16K || rc=1
	wait $switcher || { echo "# a write to active failed"; rc=1; }
	set_knob $OFFLOAD/active none || rc=1
	b1=$(stat_of cpu batches)
	echo "# +$((b1 - b0)) batches offloaded while switching"
	[ $rc = 0 ] && [ "$b1" -gt "$b0" ]
}

offload_stats() {
	local d f
	echo "# migrate_offload: active=$(cat $OFFLOAD/active) reasons=$(cat $OFFLOAD/reasons)"
	for d in $MIGRATORS/*/; do
		for f in min_batch_bytes batches folios bytes fallback_folios lost_folios poisoned_folios errors copy_ns; do
			printf '%s=%s ' $f "$(cat "$d$f")"
		done | sed "s|^|# $(basename "$d"): |"
		echo
	done
	grep migrate_offload /proc/vmstat | sed 's/^/# /'
}

OFFLOAD_TESTS=$((3 + 8 + 2 + 3))
OFFLOAD_SWITCH_TESTS=1

offload_switch_plan() {
	ktap_test_result "offload: switching active none<->cpu during migrations (20 s)" \
		test_switch_under_load 20
}

# The interface and the policy of the core; the data tests under each
# migrator are in workloads.sh.
offload_plan() {
	ktap_test_result "offload: sysfs home $OFFLOAD with the built-in copier" test_sysfs_home
	ktap_test_result "offload: malformed sysfs writes get EINVAL and change nothing" \
		test_sysfs_rejects_malformed
	ktap_test_result "offload: the batch event's reason decodes in user space (no MR_ name in its format)" \
		test_trace_reason_decodes
	ktap_test_result "offload: reason syscall_or_cpuset (move_pages) included" \
		with_reasons syscall_or_cpuset syscall_or_cpuset rise migrate_integrity -s 64K -r 1
	ktap_test_result "offload: reason syscall_or_cpuset (move_pages) excluded" \
		with_reasons "$(reasons_without syscall_or_cpuset)" syscall_or_cpuset same migrate_integrity -s 64K -r 1
	ktap_test_result "offload: reason mempolicy_mbind (mbind) included" \
		with_reasons mempolicy_mbind mempolicy_mbind rise migrate_integrity -s 64K -r 1 -m
	ktap_test_result "offload: reason mempolicy_mbind (mbind) excluded" \
		with_reasons "$(reasons_without mempolicy_mbind)" mempolicy_mbind same migrate_integrity -s 64K -r 1 -m
	ktap_test_result "offload: reason compaction (compact_memory) included" \
		with_reasons compaction compaction rise fragment $FRAGMENT_WHERE
	ktap_test_result "offload: reason compaction (compact_memory) excluded" \
		with_reasons "$(reasons_without compaction)" compaction same fragment $FRAGMENT_WHERE
	test_needing destructive "offload: reason memory_failure (soft offline) stays off the migrator by default" \
		with_reasons "$(cat $OFFLOAD/reasons)" memory_failure same softoffline
	test_needing destructive "offload: reason memory_failure (soft offline) included" \
		with_reasons memory_failure memory_failure rise softoffline
	# max_batch_bytes 2M: 2 MiB batches out (each folio named once), one
	# folio per batch back.
	ktap_test_result "offload: batches below min_batch_bytes stay on the CPU (4M: none offloaded)" \
		with_min_batch 4194304 same migrate_integrity -s 64K -r 1
	ktap_test_result "offload: batches at min_batch_bytes are offloaded (2M)" \
		with_min_batch 2097152 rise migrate_integrity -s 64K -r 1
	ktap_test_result "offload: max_batch_bytes 2M: 2M THPs go one to a batch" \
		thp_batches_of 2097152 1
	ktap_test_result "offload: max_batch_bytes 8M: 2M THPs go four to a batch" \
		thp_batches_of 8388608 4
	ktap_test_result "offload: max_batch_bytes $LARGEST_BATCH for every later test" \
		set_largest_batch
}
