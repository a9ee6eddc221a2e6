# The data tests, run under each migrator: the kernel's own mm migration
# selftest and our integrity tests (every byte checked after every move).
# Sourced by run-tests.sh after offload.sh and drivers.sh.

# Each configuration the workloads run under: "none" (no migrator active:
# the unchanged path) and every migrator, NAME or NAME:PARAM=VALUE.  Every
# migrator takes batches of every size (min_batch_bytes 0).
MIGRATOR_CONFIGS="none cpu mtcopy:threads=1 mtcopy:threads=2 dcbm:channels=1 dcbm:channels=2"

# Make CONFIG ready; sets CONFIG_MIGRATOR to the migrator's name.
use_config() { # CONFIG
	CONFIG_MIGRATOR=${1%%:*}
	case $1 in
	none) return 0 ;;
	mtcopy:threads=*) set_knob $MIGRATORS/mtcopy/threads "${1#*=}" || return 1 ;;
	dcbm:channels=*) load_dcbm "${1#*=}" || return 1 ;;
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

# The results of workloads CONFIG: two per size of SIZES, 21 others.
tests_per_config() {
	echo $((1 + 1 + 2 * $(echo $SIZES | wc -w) + 3 + 2 + 3 + 2 + 5 + 4))
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
		test_needing slow-node "$c: tiering: $s folios demoted to the slow node by reclaim, promoted back by NUMA balancing" \
			tier_test "$s" 30
	done
	test_needing slow-node,destructive "$c: tiering: DAMON moves 2M folios to the slow node cold (migrate_cold) and back hot (migrate_hot)" \
		tier_damon_test 2M
	test_needing slow-node,destructive "$c: memory hotplug: a block of the slow node holding a 2M-folio buffer goes offline, the buffer moves out intact" \
		offline_test
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
