# Memory tiering through the migrator, on the tiered VM (vm.sh --tiered:
# node 2 has memory, no CPUs, and a lower memory tier): demotion by reclaim
# (MR_DEMOTION) and promotion by NUMA balancing in tiering mode
# (MR_NUMA_MISPLACED), every byte checked, each shown to have gone through
# the migrator by the batch tracepoint filtered by its reason.  Sourced by
# run-tests.sh; workloads.sh runs these under each migrator configuration.

TIER_CGROUP=/sys/fs/cgroup/tiering
NUMA_SCAN=/sys/kernel/debug/sched/numa_balancing

# The settings the tiering tests change, restored after each.
TIER_SETTINGS="/sys/kernel/mm/numa/demotion_enabled /proc/sys/kernel/numa_balancing
	$NUMA_SCAN/scan_delay_ms $NUMA_SCAN/scan_period_min_ms"

# A memory cgroup for the test task, whose memory.reclaim demotes.
tier_cgroup() {
	[ -f /sys/fs/cgroup/cgroup.controllers ] || mount -t cgroup2 none /sys/fs/cgroup || return 1
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control || return 1
	[ -d $TIER_CGROUP ] || mkdir $TIER_CGROUP
}

# Demotion on, NUMA balancing in tiering mode, scanning from the start and
# every 100 ms (the default second would make promotion take minutes here).
tier_settings_on() {
	local f
	for f in $TIER_SETTINGS; do cat "$f"; done >/tmp/tier-saved || return 1
	set_knob /sys/kernel/mm/numa/demotion_enabled true &&
		set_knob /proc/sys/kernel/numa_balancing 2 &&
		set_knob $NUMA_SCAN/scan_delay_ms 0 && set_knob $NUMA_SCAN/scan_period_min_ms 100
}

tier_settings_off() {
	local f rc=0
	exec 3</tmp/tier-saved
	for f in $TIER_SETTINGS; do
		read -r v <&3 && echo "$v" >"$f" || rc=1
	done
	exec 3<&-
	return $rc
}

vmstat_of() { # COUNTER
	awk -v c="$1" '$1 == c { print $2 }' /proc/vmstat
}

pages_demoted() {
	awk '$1 ~ /^pgdemote_/ { n += $2 } END { print n + 0 }' /proc/vmstat
}

# Under the migrator of the last use_config, fault 32 MiB of SIZE folios on
# node 1, demote them to node 2 and, with SECONDS, promote them back by
# touching them: tiering checks every byte after each, and the vmstat
# counters must show both.  With EXPECT "through" (the default) the migrator
# must have been handed batches of each path, with "cpu" none (its minimum
# kept them on the CPU); none: no batch at all.
tier_test() { # SIZE [SECONDS [EXPECT]]
	local m=$CONFIG_MIGRATOR rc demoted promoted nd np
	tier_cgroup && tier_settings_on || { tier_settings_off; return 1; }
	demoted=$(pages_demoted)
	promoted=$(vmstat_of pgpromote_success)
	[ "$m" = none ] || set_knob $OFFLOAD/active "$m" || rc=1
	traced_run tiering -s "$1" -t 32M -c $TIER_CGROUP ${2:+-p "$2"}
	rc=$?
	[ "$m" = none ] || set_knob $OFFLOAD/active none || rc=1
	tier_settings_off || rc=1
	demoted=$(($(pages_demoted) - demoted))
	promoted=$(($(vmstat_of pgpromote_success) - promoted))
	nd=$(traced_batches "migrator=$m reason=demotion ")
	np=$(traced_batches "migrator=$m reason=numa_misplaced ")
	echo "# pgdemote_* +$demoted, pgpromote_success +$promoted;" \
		"batches to $m: demotion $nd, numa_misplaced $np, all $(wc -l </tmp/trace)"
	[ $rc = 0 ] && [ "$demoted" -gt 0 ] || return 1
	[ -z "$2" ] || [ "$promoted" -gt 0 ] || return 1
	if [ "$m" = none ] || [ "${3:-through}" = cpu ]; then
		[ ! -s /tmp/trace ]
	else
		[ "$nd" -gt 0 ] && { [ -z "$2" ] || [ "$np" -gt 0 ]; }
	fi
}

# The drivers at the minimum batch they ship with (reloaded): a 2M THP is a
# batch above it, so THP demotion and promotion go through the migrator;
# 4K demotion batches (64 pages) and 4K promotions (one page) are below it
# and stay on the CPU.  Leaves every batch offloaded again.
tier_shipped_minimum() {
	local m args rc=0
	for m in mtcopy dcbm; do
		args=
		[ $m != dcbm ] || args=channels=2
		rmmod $m && modprobe $m $args || return 1
		CONFIG_MIGRATOR=$m
		echo "# $m: min_batch_bytes $(stat_of $m min_batch_bytes) as shipped"
		tier_test 2M 30 through || rc=1
		tier_test 4K 30 cpu || rc=1
		offload_every_batch $m || rc=1
	done
	return $rc
}

TIERING_TESTS=1

tiering_plan() {
	ktap_test_result "tiering: mtcopy and dcbm at their shipped minimum: 2M THPs demoted and promoted through them, 4K on the CPU" \
		tier_shipped_minimum
}
