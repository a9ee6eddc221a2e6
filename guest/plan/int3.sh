#!/bin/sh
# Guest side of scripts/show-int3.sh: patch kernel text while other vCPUs
# run it, for SECONDS (migoff.seconds, default 60), then report what the
# kernel log shows.  What patches the text (migoff.patch):
#   tracepoints (default): the migrate events stay on in the top trace
#     instance; a second instance turns its own copies of them on and off,
#     so each tracepoint's static call goes back and forth between one
#     probe and two while move_pages() runs on other vCPUs;
#   hotplug: CPUs 1-3 go offline and come back, as the guest plan does once
#     to switch its trace events on; every sched-domain rebuild may flip the
#     scheduler's static keys (in 7.3, sched_cache_active with SCHED_CACHE).
seconds=$(sed -n 's/.*migoff\.seconds=\([0-9]*\).*/\1/p' /proc/cmdline)
patch=$(sed -n 's/.*migoff\.patch=\([a-z]*\).*/\1/p' /proc/cmdline)
end=$(($(date +%s) + ${seconds:-60}))
T=/sys/kernel/tracing
CPUS='1 2 3'

toggle_tracepoints() {
	echo 1 >$T/events/migrate/enable
	mkdir $T/instances/toggle
	while [ "$(date +%s)" -lt $end ]; do
		echo 1 >$T/instances/toggle/events/migrate/enable
		echo 0 >$T/instances/toggle/events/migrate/enable
	done
}

cycle_cpus() {
	local c cycles=0
	while [ "$(date +%s)" -lt $end ]; do
		for c in $CPUS; do echo 0 >/sys/devices/system/cpu/cpu$c/online; done
		for c in $CPUS; do echo 1 >/sys/devices/system/cpu/cpu$c/online; done
		cycles=$((cycles + 1))
	done
	echo "migoff-int3: CPUs $CPUS went offline and came back $cycles times"
}

echo always >/sys/kernel/mm/transparent_hugepage/enabled
case ${patch:-tracepoints} in
hotplug) cycle_cpus & ;;
*) toggle_tracepoints & ;;
esac
while [ "$(date +%s)" -lt $end ] && ! dmesg | grep -q 'Oops'; do
	migrate_integrity -s 4K -t 4M -r 4 >/dev/null
done
wait
if dmesg | grep -q 'Oops: int3'; then
	echo "migoff-int3: Oops: int3 seen"
else
	echo "migoff-int3: no Oops in ${seconds:-60} s"
fi
