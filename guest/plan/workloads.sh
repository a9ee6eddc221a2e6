# The data tests, run under each migrator: the kernel's own mm migration
# selftest and our integrity tests (every byte checked after every move).
# Sourced by run-tests.sh after offload.sh and drivers.sh.

# Each configuration the workloads run under: "none" (no migrator active:
# the unchanged path) and every migrator, NAME or NAME:PARAM=VALUE.  Every
# migrator takes batches of every size (min_batch_bytes 0).
MIGRATOR_CONFIGS="none cpu mtcopy:threads=1 mtcopy:threads=2 dcbm:channels=1 dcbm:sg-channels=2"

# Make CONFIG ready; sets CONFIG_MIGRATOR to the migrator's name.
use_config() { # CONFIG
	CONFIG_MIGRATOR=${1%%:*}
	case $1 in
	none) return 0 ;;
	mtcopy:threads=*) set_knob $MIGRATORS/mtcopy/threads "${1#*=}" || return 1 ;;
	dcbm:channels=*) load_dcbm "${1#*=}" || return 1 ;;
	# dcbm over an engine that offers DMA_MEMCPY_SG: a batch of whole
	# folios goes as a list per channel (a lone THP still in segments).
	dcbm:sg-channels=*)
		[ -z "$(why_not swdma,destructive)" ] &&
			reload_engine ordered=1 memcpy_sg=1 && load_dcbm "${1#*=}" || return 1 ;;
	esac
	offload_every_batch "$CONFIG_MIGRATOR"
}

# Run COMMAND under the migrator of the last use_config.
under_config() { # COMMAND...
	if [ "$CONFIG_MIGRATOR" = none ]; then
		with_no_migrator "$@"
	else
		with_migrator "$CONFIG_MIGRATOR" "$@"
	fi
}

# Memory failure is not among the default reasons: soft-offlined pages keep
# their data, and none of their migrations reaches the migrator.
soft_offline_stays_off() {
	if [ "$CONFIG_MIGRATOR" = none ]; then
		with_no_migrator softoffline
	else
		with_reasons_on "$CONFIG_MIGRATOR" "$(cat $OFFLOAD/reasons)" memory_failure same softoffline
	fi
}

# The results of workloads CONFIG: two per size of SIZES, 24 others.
tests_per_config() {
	echo $((1 + 1 + 2 * $(echo $SIZES | wc -w) + 3 + 3 + 3 + 2 + 5 + 6))
}

ACCOUNTING_CGROUP=/sys/fs/cgroup/accounting

# Moves of 16 MiB of mlocked 2M folios by a task in a memory cgroup of its
# own, under the migrator of the last use_config: after every move the
# kernel's accounting must have followed the pages (migrate_integrity -A).
accounting_test() {
	[ -f /sys/fs/cgroup/cgroup.controllers ] || mount -t cgroup2 none /sys/fs/cgroup || return 1
	echo +memory >/sys/fs/cgroup/cgroup.subtree_control || return 1
	[ -d $ACCOUNTING_CGROUP ] || mkdir $ACCOUNTING_CGROUP || return 1
	# shellcheck disable=SC2016 # the child shell's own $$ and "$@"
	under_config sh -c 'echo $$ >'$ACCOUNTING_CGROUP'/cgroup.procs && exec "$@"' in_cgroup \
		migrate_integrity -A -l -s 2M -t 16M
}

FAIL_PAGE_ALLOC=/sys/kernel/debug/fail_page_alloc
ALLOC_FAILURE_BUDGET=1000

# fail_page_alloc on: 30% of the order-9 and larger allocations (2M THPs,
# a 2M folio's destination) of tasks whose make-it-fail is set fail, at
# most ALLOC_FAILURE_BUDGET times.  Off: its defaults back, each read back.
fail_thp_allocations() { # on|off
	local f=$FAIL_PAGE_ALLOC
	if [ "$1" = on ]; then
		set_knob $f/task-filter Y && set_knob $f/min-order 9 &&
			set_knob $f/ignore-gfp-highmem N && set_knob $f/ignore-gfp-wait N &&
			set_knob $f/verbose 0 && set_knob $f/interval 1 &&
			set_knob $f/times $ALLOC_FAILURE_BUDGET && set_knob $f/probability 30
	else
		set_knob $f/probability 0 && set_knob $f/times 1 &&
			set_knob $f/task-filter N && set_knob $f/min-order 1 &&
			set_knob $f/ignore-gfp-highmem Y && set_knob $f/ignore-gfp-wait Y &&
			set_knob $f/verbose 2
	fi
}

# Destinations that cannot be allocated part-way through a batch: 2M
# folios move (a writer storing meanwhile) while fail_page_alloc fails
# some of the mover's THP allocations.  The core then moves the folios it
# had unmapped (the batch copy gets part of a batch), splits the folio
# whose destination failed and moves its pages on a retry.  Every byte is
# checked; failures must have been injected, and this test's own
# migrate_pages() calls must have split THPs.
alloc_failure_test() {
	local rc failed splits
	fail_thp_allocations on || return 1
	under_config migrate_integrity -E -s 2M -w
	rc=$?
	failed=$((ALLOC_FAILURE_BUDGET - $(cat $FAIL_PAGE_ALLOC/times)))
	fail_thp_allocations off || rc=1
	splits=$(sed -n 's/.* nr_thp_split=\([0-9]*\) .*/\1/p' /tmp/trace-calls |
		awk '{ n += $1 } END { print n + 0 }')
	echo "# THP allocations failed: $failed; THPs split by this test's moves: $splits"
	[ $rc = 0 ] && [ $failed -gt 0 ] && [ "$splits" -gt 0 ]
}

workloads() { # CONFIG
	local c=$1 s
	ktap_test_result "$c: configured" use_config "$c"
	# All six cases under every migrator: hugetlb folios move one by one
	# and never reach the batch-copy phase, and must not meet the
	# migrator on their way either.
	ktap_test_result "$c: selftests: mm: migration (5 s per case)" under_config mm-migration
	for s in $SIZES; do
		ktap_test_result "$c: integrity, move_pages $s folios" \
			under_config migrate_integrity -s "$s"
		ktap_test_result "$c: integrity, move_pages $s folios, verifying writer" \
			under_config migrate_integrity -s "$s" -w
	done
	for s in 4K 64K 2M; do
		ktap_test_result "$c: integrity, shmem $s folios, verifying writer" \
			under_config migrate_integrity -S -s "$s" -w
	done
	ktap_test_result "$c: integrity, mlocked 64K folios, verifying writer" \
		under_config migrate_integrity -l -s 64K -w
	ktap_test_result "$c: accounting follows the moves of mlocked 2M folios: memcg numa_stat, Mlocked, nr_isolated" \
		accounting_test
	ktap_test_result "$c: integrity, 2M folios whose destinations fail to allocate part-way through a batch, verifying writer" \
		alloc_failure_test
	test_needing destructive "$c: integrity, 4K pages in the swap cache" \
		under_config migrate_integrity -P -s 4K -t 4M
	ktap_test_result "$c: integrity, KSM-merged 4K pages" \
		under_config migrate_integrity -K -s 4K -t 4M
	ktap_test_result "$c: integrity, batches with pages held by a pipe (vmsplice)" \
		under_config migrate_integrity -V -s 4K -t 4M
	test_needing destructive "$c: memory failure: soft-offlined pages keep their data, off the migrator" \
		soft_offline_stays_off
	test_needing destructive "$c: memory failure: a buffer with poisoned pages moves, the rest intact" \
		under_config hwpoison
	for s in fork:2M mprotect:2M dontneed:64K munmap:4K split:2M; do
		ktap_test_result "$c: race, ${s%%:*} against moves of ${s#*:} folios" \
			under_config migrate_race -k "${s%%:*}" -s "${s#*:}" -d 1
	done
	for s in 4K 2M; do
		test_needing slow-node "$c: tiering: $s folios demoted to the slow node by reclaim, promoted back by NUMA balancing, verifying writer" \
			tier_test "$s" 30
	done
	test_needing slow-node,destructive "$c: tiering: DAMON moves 2M folios to the slow node cold (migrate_cold) and back hot (migrate_hot)" \
		tier_damon_test 2M
	test_needing slow-node,destructive "$c: memory hotplug: a block of the slow node holding a 2M-folio buffer goes offline, the buffer moves out intact" \
		offline_test
	test_needing slow-node,destructive,cma-area "$c: contiguous allocation: the slow node's CMA area is allocated while a 2M-folio buffer holds a quarter of it, the buffer moves out intact" \
		contig_test
	test_needing slow-node "$c: compaction by kcompactd: it compacts the slow node's fragmented movable zone on its own, pages kept intact" \
		kcompactd_test
}

# The results of workloads_plan: every test under every configuration.
workloads_tests() {
	echo $(($(tests_per_config) * $(echo $MIGRATOR_CONFIGS | wc -w)))
}

workloads_plan() {
	local c
	for c in $MIGRATOR_CONFIGS; do
		workloads "$c"
	done
}
