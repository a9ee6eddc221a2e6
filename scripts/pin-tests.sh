#!/usr/bin/env bash
# Pin the guest plan's test names from a run's console logs: for each
# results/test-FLAVOUR-PART.log, guest/plan/expected/FLAVOUR-PART.txt gets
# the names of its results in plan order.  run-tests.sh compares every run
# with them, so a change to the plan (a test added, renamed or lost, a
# migrator configuration added or dropped) is made here on purpose, in the
# same commit.
#   pin-tests.sh [RESULTS_DIR]     (default results/)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/common.sh
. scripts/results.sh

dir=${1:-results}
mkdir -p guest/plan/expected
for log in "$dir"/test-*-main.log "$dir"/test-*-switch.log; do
	[ -f "$log" ] || continue
	part=${log##*/test-}
	part=${part%.log}
	tap_lines "$log" | cut -f2 >"guest/plan/expected/$part.txt"
	echo "guest/plan/expected/$part.txt: $(wc -l <"guest/plan/expected/$part.txt") names"
done
