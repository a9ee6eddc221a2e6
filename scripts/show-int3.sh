#!/usr/bin/env bash
# Show why the switching tests boot on single-threaded TCG: on multi-threaded
# TCG a vCPU can execute a stale int3 while another re-patches kernel text
# (text_poke_bp()), and the kernel oopses.  This needs no part of the series:
# it boots the unpatched kernel (or FLAVOUR) once per TCG threading mode and,
# while move_pages() runs (guest/plan/int3.sh), re-patches the migrate
# tracepoints' static calls (WHAT=tracepoints) or takes CPUs 1-3 offline
# and back, which rebuilds the sched domains (WHAT=hotplug).
#   scripts/show-int3.sh [FLAVOUR] [SECONDS] [WHAT]
set -euo pipefail
. "$(dirname "$0")/common.sh"

flavour=${1:-vanilla}
seconds=${2:-60}
what=${3:-tracepoints}
scripts=$(dirname "$0")
"$scripts/build.sh" "$flavour" >&2
"$scripts/initramfs.sh" "$flavour" >&2
for threading in multi single; do
	log=$RESULTS/int3-$flavour-$what-$threading.log
	MIGOFF_ACCEL=tcg MIGOFF_TCG_THREAD=$threading MIGOFF_TIMEOUT=$((seconds + 300)) \
		"$scripts/vm.sh" "$flavour" int3 "$log" migoff.seconds="$seconds" migoff.patch="$what" || true
	echo "$flavour, $what, $threading-threaded TCG:" \
		"$(tr -d '\r' <"$log" | sed -n 's/^migoff-int3: //p' | paste -sd ';' -)" \
		"$(tr -d '\r' <"$log" | grep -m1 -o 'Oops: int3.*' || true)"
done
