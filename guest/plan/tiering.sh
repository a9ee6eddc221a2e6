# Memory tiering through the migrator between the fast and the slow node
# (FAST_NODE, SLOW_NODE, see plan_nodes in lib.sh; in the tiered VM, vm.sh
# --tiered, nodes 1 and 2, which has memory, no CPUs, and a lower memory
# tier): demotion by reclaim
# (MR_DEMOTION), promotion by NUMA balancing in tiering mode
# (MR_NUMA_MISPLACED), and DAMON's migrate_cold and migrate_hot schemes
# (MR_DAMON), every byte checked, each shown to have gone through the
# migrator by the batch tracepoint filtered by its reason.  Sourced by
# run-tests.sh; workloads.sh runs these under each migrator configuration.

TIER_CGROUP=/sys/fs/cgroup/tiering
NUMA_SCAN=/sys/kernel/debug/sched/numa_balancing

# The settings the tiering tests change, restored after each.
TIER_SETTINGS="/sys/kernel/mm/numa/demotion_enabled /proc/sys/kernel/numa_balancing
	$NUMA_SCAN/scan_delay_ms $NUMA_SCAN/scan_period_min_ms $NUMA_SCAN/hot_threshold_ms"

# A memory cgroup for the test task, whose memory.reclaim demotes.  It may
# not swap: demotion does not uncharge the cgroup, so memory.reclaim would
# go on to swap the demoted pages out of the slow node.
tier_cgroup() {
	[ -f /sys/fs/cgroup/cgroup.controllers ] || mount -t cgroup2 none /sys/fs/cgroup || return 1
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control || return 1
	[ -d $TIER_CGROUP ] || mkdir $TIER_CGROUP || return 1
	set_knob $TIER_CGROUP/memory.swap.max 0
}

# Demotion on, NUMA balancing in tiering mode, scanning from the start and
# every 100 ms (the default second would make promotion take minutes here),
# a page hot when touched within 10 s of a scan (not 1 s: on the debug
# kernel a single-page promotion through dcbm takes 3 to 18 ms, and the reader
# reaches the last pages of a scan late).  With "damon", NUMA balancing is
# off instead, so that only DAMON moves.
tier_settings_on() { # [damon]
	local f
	for f in $TIER_SETTINGS; do cat "$f"; done >/tmp/tier-saved || return 1
	if [ "${1:-}" = damon ]; then
		set_knob /proc/sys/kernel/numa_balancing 0
		return
	fi
	set_knob /sys/kernel/mm/numa/demotion_enabled true &&
		set_knob /proc/sys/kernel/numa_balancing 2 &&
		set_knob $NUMA_SCAN/scan_delay_ms 0 && set_knob $NUMA_SCAN/scan_period_min_ms 100 &&
		set_knob $NUMA_SCAN/hot_threshold_ms 10000
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

pages_demoted() {
	awk '$1 ~ /^pgdemote_/ { n += $2 } END { print n + 0 }' /proc/vmstat
}

# Under the migrator of the last use_config, fault 32 MiB of SIZE folios
# (16 MiB of 4K pages, promoted one per hinting fault) on the fast node,
# demote them to the slow node and, with SECONDS, promote them back by
# touching them, while a writer stores to every page (resting between its
# sweeps, so that reclaim still finds them cold): tiering checks every
# byte and every store after each, and the vmstat
# counters must show both.  With EXPECT "through" (the default) the migrator
# must have been handed batches of each path, with "cpu" none (its minimum
# kept them on the CPU); none: no batch at all.
tier_test() { # SIZE [SECONDS [EXPECT]]
	local m=$CONFIG_MIGRATOR rc demoted promoted nd np b0 ns0 b1=0 ns1=0
	tier_cgroup && tier_settings_on || { tier_settings_off; return 1; }
	demoted=$(pages_demoted)
	promoted=$(vmstat_of pgpromote_success)
	b0=$(stat_of "$m" batches 2>/dev/null || echo 0)
	ns0=$(stat_of "$m" copy_ns 2>/dev/null || echo 0)
	[ "$m" = none ] || set_knob $OFFLOAD/active "$m" || rc=1
	traced_run tiering -s "$1" -t "$([ "$1" = 4K ] && echo 16M || echo 32M)" \
		-c $TIER_CGROUP -H "$FAST_NODE" -L "$SLOW_NODE" -w ${2:+-p "$2"}
	rc=$?
	rmdir $TIER_CGROUP || rc=1
	[ "$m" = none ] || set_knob $OFFLOAD/active none || rc=1
	tier_settings_off || rc=1
	demoted=$(($(pages_demoted) - demoted))
	promoted=$(($(vmstat_of pgpromote_success) - promoted))
	b1=$(($(stat_of "$m" batches 2>/dev/null || echo 0) - b0))
	ns1=$(($(stat_of "$m" copy_ns 2>/dev/null || echo 0) - ns0))
	nd=$(traced_batches "migrator=$m reason=demotion ")
	np=$(traced_batches "migrator=$m reason=numa_misplaced ")
	echo "# pgdemote_* +$demoted, pgpromote_success +$promoted;" \
		"batches to $m: demotion $nd, numa_misplaced $np, all $(wc -l </tmp/trace);" \
		"its copy time $((ns1 / 1000)) us in $b1 batches"
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
	test_needing slow-node,destructive "tiering: mtcopy and dcbm at their shipped minimum: 2M THPs demoted and promoted through them, 4K on the CPU" \
		tier_shipped_minimum
}

DAMON=/sys/kernel/mm/damon/admin/kdamonds

# The physical address range NODE's zones span: "START END".
node_range() { # NODE
	awk -v node="$1" '
	$1 == "Node" { this = ($2 == node ",") }
	this && $1 == "spanned" { spanned = $2 }
	this && $1 == "start_pfn:" && spanned {
		if (start == "" || $2 < start) start = $2
		if ($2 + spanned > end) end = $2 + spanned
	}
	END { if (end) printf "%.0f %.0f\n", start * 4096, end * 4096 }' /proc/zoneinfo
}

# Write VALUE to a DAMON sysfs FILE, saying which write failed.
damon_put() { # FILE VALUE
	echo "$2" 2>/dev/null >"$1" || { echo "# DAMON: writing '$2' to ${1#$DAMON/} failed"; return 1; }
}

# Kdamond IDX watches the physical memory of node FROM and applies ACTION
# with target node TO to regions of any size from a page that were accessed
# between MIN and MAX times per aggregation (100 ms of 20 samples) for at
# least AGE aggregations (every range's maximum must be set: it is 0).
damon_kdamond() { # IDX FROM ACTION TO MIN MAX AGE
	local c=$DAMON/$1/contexts/0 s range
	range=$(node_range "$2")
	echo "# DAMON: kdamond $1 watches node $2 ($range), $3 to node $4"
	damon_put $DAMON/$1/contexts/nr_contexts 1 &&
		damon_put $c/operations paddr &&
		damon_put $c/monitoring_attrs/intervals/sample_us 5000 &&
		damon_put $c/monitoring_attrs/intervals/aggr_us 100000 &&
		damon_put $c/targets/nr_targets 1 &&
		damon_put $c/targets/0/regions/nr_regions 1 &&
		damon_put $c/targets/0/regions/0/start "${range% *}" &&
		damon_put $c/targets/0/regions/0/end "${range#* }" &&
		damon_put $c/schemes/nr_schemes 1 || return 1
	s=$c/schemes/0
	damon_put $s/action "$3" && damon_put $s/target_nid "$4" &&
		damon_put $s/access_pattern/sz/min 4096 &&
		damon_put $s/access_pattern/sz/max 1099511627776 &&
		damon_put $s/access_pattern/nr_accesses/min "$5" &&
		damon_put $s/access_pattern/nr_accesses/max "$6" &&
		damon_put $s/access_pattern/age/min "$7" &&
		damon_put $s/access_pattern/age/max 4294967295
}

# Two kdamonds: 0 moves cold memory of the fast node (no access for half a
# second) to the slow node, 1 moves hot memory of the slow node (accessed
# in at least 4 of 20 samples) to the fast node.  They run one after the other: together they
# would move what the one just moved (DAMON's regions are larger than the
# test's buffer).
damon_setup() {
	damon_put $DAMON/nr_kdamonds 2 &&
		damon_kdamond 0 "$FAST_NODE" migrate_cold "$SLOW_NODE" 0 0 5 &&
		damon_kdamond 1 "$SLOW_NODE" migrate_hot "$FAST_NODE" 4 20 0
}

# Start kdamond IDX.  Its migrations are DAMON's own, not the test task's:
# its pid joins the trace's pid filter.
damon_on() { # IDX
	damon_put $DAMON/"$1"/state on && cat $DAMON/"$1"/pid >>$TRACING/set_event_pid
}

# What each kdamond's scheme tried and applied (bytes).
damon_stats() {
	local k st
	for k in 0 1; do
		st=$DAMON/$k/contexts/0/schemes/0/stats
		echo update_schemes_stats >$DAMON/$k/state 2>/dev/null
		echo "# DAMON: kdamond $k $(cat $DAMON/$k/state): tried $(cat $st/nr_tried) regions" \
			"($(cat $st/sz_tried) bytes), applied to $(cat $st/nr_applied) ($(cat $st/sz_applied) bytes)"
	done
}

damon_stop() {
	local k
	damon_stats
	for k in 0 1; do
		[ "$(cat $DAMON/$k/state 2>/dev/null)" != on ] || echo off >$DAMON/$k/state
	done
	echo 0 >$DAMON/nr_kdamonds
}

# Under the migrator of the last use_config, DAMON moves 32 MiB of SIZE
# folios from the fast node to the slow one while tiering leaves them idle,
# and back while it reads them (kdamond 0, then 1): every byte checked
# after each, and the migrator must have been handed DAMON's batches (none: no batch at all).
tier_damon_test() { # SIZE
	local m=$CONFIG_MIGRATOR rc migrated nd
	tier_settings_on damon || { tier_settings_off; return 1; }
	migrated=$(vmstat_of pgmigrate_success)
	rc=0
	[ "$m" = none ] || set_knob $OFFLOAD/active "$m" || rc=1
	rm -f /tmp/tier-demoted /tmp/tier-go
	if damon_setup && damon_on 0; then
		traced_run tiering -s "$1" -t 32M -D 60 -p 60 -W /tmp/tier -H "$FAST_NODE" -L "$SLOW_NODE" &
		while [ ! -f /tmp/tier-demoted ] && kill -0 $! 2>/dev/null; do sleep 0.2; done
		damon_stats
		damon_put $DAMON/0/state off && damon_on 1 || rc=1
		touch /tmp/tier-go
		wait $! || rc=1
	else
		rc=1
	fi
	damon_stop || rc=1
	[ "$m" = none ] || set_knob $OFFLOAD/active none || rc=1
	tier_settings_off || rc=1
	migrated=$(($(vmstat_of pgmigrate_success) - migrated))
	nd=$(traced_batches "migrator=$m reason=damon ")
	echo "# pgmigrate_success +$migrated; batches to $m: damon $nd, all $(wc -l </tmp/trace)"
	[ $rc = 0 ] && [ "$migrated" -gt 0 ] || return 1
	if [ "$m" = none ]; then [ ! -s /tmp/trace ]; else [ "$nd" -gt 0 ]; fi
}

# Run COMMAND under the migrator of the last use_config: its own
# migrate_pages() calls of REASON must have moved pages and, under a
# migrator, some of its batches must be of that reason.
under_config_for() { # REASON COMMAND...
	local reason=$1 calls batches
	shift
	under_config "$@" || return 1
	calls=$(traced_calls_that_moved "$reason")
	batches=$(traced_batches "reason=$reason ")
	echo "# $calls migrate_pages() calls of reason $reason moved pages; $batches batches of that reason offloaded"
	[ "$calls" -gt 0 ] && { [ "$CONFIG_MIGRATOR" = none ] || [ "$batches" -gt 0 ]; }
}

# Memory offlining, how a CXL expander is removed: a memory block of the
# slow node's ZONE_MOVABLE (run-tests.sh gives the main part one: movablecore) that holds
# part of a buffer of 2M folios goes offline (reason memory_hotplug).  The
# buffer (256M) is larger than the zone's free part outside any one block,
# so every block of the zone holds some of it: the top one also holds
# pages early boot reserved, and cannot go offline.  offline_block checks
# that no page of the buffer stayed in the block and every byte survived,
# and brings the block back.
offline_test() {
	under_config_for memory_hotplug offline_block -n "$SLOW_NODE" -s 2M -t 256M
}

# A contiguous allocation, as a driver's DMA buffer or a gigantic hugetlb
# page takes one: the slow node's CMA area (run-tests.sh gives the main
# part one: numa_cma) is allocated whole while a buffer of 2M folios holds
# at least a quarter of it (reason contig_range).  contig_alloc fills the
# node first, so that the page allocator lends the buffer CMA pages, checks
# that no page of the buffer stayed in the area and every byte survived,
# and frees the area.
contig_test() {
	under_config_for contig_range contig_alloc -a "$(cma_area_of "$SLOW_NODE")" \
		-n "$SLOW_NODE" -s 2M -t 96M
}

# What every kcompactd has scanned so far (/proc/vmstat).
kcompactd_scanned() {
	echo $(($(vmstat_of compact_daemon_migrate_scanned) + $(vmstat_of compact_daemon_free_scanned)))
}

# Wait (at most 120 s) until no kcompactd has scanned anything for 2 s:
# the compactions the raised proactiveness started on every node may go on
# after fragment saw its pages move, and switching the active migrator
# patches the text they run (an Oops: int3 in migrate_pages_batch() under
# multi-threaded TCG, in kcompactd2, when the test switched at once).
kcompactd_quiet() {
	local last now same=0 i
	last=$(kcompactd_scanned)
	for i in $(seq 240); do
		sleep 0.5
		now=$(kcompactd_scanned)
		if [ "$now" = "$last" ]; then same=$((same + 1)); else same=0; fi
		[ $same -lt 4 ] || return 0
		last=$now
	done
	echo "# kcompactd still compacting after 120 s"
	return 1
}

# Compaction that no task asked for, by kcompactd: 448M of base pages on the
# slow node, more than its ZONE_MOVABLE (340M, where the buffer goes first)
# has, every other one freed, fragment the node enough that kcompactd
# compacts it on its own.  The buffer fills that zone because compaction
# moves pages from the bottom of a zone into partly free blocks near its
# top until its scanners meet: with 256M, placed wherever earlier tests
# left room, a pass whose scanners met near the bottom of the zone moved
# 352 of the kept pages in one pre-check, and the likeliest cause of the
# run that moved none is the same; the buffer also spills into
# ZONE_NORMAL, which kcompactd compacts first.  Compaction starts
# once fragment -k raises vm.compaction_proactiveness to 100 (0 until then,
# so that no compaction runs while the buffer is being fragmented, and
# none defers the one that counts): fragment waits for the node's kswapd to
# be idle first (proactive compaction stops while it runs, and then backs
# off for 32 s), waits for kcompactd to move some of the pages kept, and
# checks every byte.  How
# each of kcompactd's passes ended (compaction:mm_compaction_end) is
# printed.  The slow node's
# kcompactd joins the trace's pid filter (traced_run leaves its lines out
# for every other test): its own migrate_pages() calls of reason
# compaction must have moved pages and, under a migrator, its batches of
# that reason must have reached the migrator, none left to the CPU but
# those that found it busy (-EBUSY: dcbm's channels owned by a batch of
# another node's kcompactd, which the raised proactiveness wakes too).
kcompactd_test() {
	local m=$CONFIG_MIGRATOR rc=0 pid saved calls batches busy fallback
	pid=$(kthread_pid "kcompactd$SLOW_NODE") || return 1
	echo "$pid" >>$TRACING/set_event_pid || return 1
	saved=$(cat /proc/sys/vm/compaction_proactiveness)
	set_knob /proc/sys/vm/compaction_proactiveness 0 || return 1
	[ "$m" = none ] || set_knob $OFFLOAD/active "$m" || rc=1
	traced_run fragment -n "$SLOW_NODE" -t 448M -k 60 || rc=1
	set_knob /proc/sys/vm/compaction_proactiveness "$saved" || rc=1
	kcompactd_quiet || rc=1
	[ "$m" = none ] || set_knob $OFFLOAD/active none || rc=1
	grep "^ *kcompactd$SLOW_NODE-" $TRACING/trace >/tmp/trace-kcompactd
	# Its passes: the zone, where its scanners stopped and why (the first 12).
	sed -n 's/.*mm_compaction_end: zone_start=\(0x[0-9a-f]*\) migrate_pfn=\(0x[0-9a-f]*\) free_pfn=\(0x[0-9a-f]*\) .* status=\([a-z_]*\).*/# kcompactd pass: zone at \1, scanners at \2 and \3: \4/p' \
		/tmp/trace-kcompactd | head -n 12
	calls=$(grep 'mm_migrate_pages:.* reason=compaction' /tmp/trace-kcompactd | grep -vc 'nr_succeeded=0 ')
	grep 'migrate_offload_batch:' /tmp/trace-kcompactd >/tmp/trace
	batches=$(traced_batches "migrator=$m reason=compaction ")
	busy=$(traced_batches_returning -16)
	grep -v ' ret=-16$' /tmp/trace >/tmp/trace-not-busy
	fallback=$(traced_fallback_batches /tmp/trace-not-busy)
	echo "# kcompactd$SLOW_NODE: $calls migrate_pages() calls of reason compaction moved pages; batches: $(wc -l </tmp/trace), $batches of them to $m, $busy found the migrator busy, $fallback others left folios to the CPU"
	[ $rc = 0 ] && [ "$calls" -gt 0 ] || return 1
	if [ "$m" = none ]; then [ ! -s /tmp/trace ]; else [ "$batches" -gt 0 ] && [ "$fallback" = 0 ]; fi
}
