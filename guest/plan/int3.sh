#!/bin/sh
# Guest side of scripts/show-int3.sh: re-patch the static calls of the
# migrate tracepoints while move_pages() runs.  The migrate events stay on
# in the top trace instance; a second instance turns its own copies of them
# on and off, so each tracepoint's static call goes back and forth between
# one probe and two while other vCPUs execute it.  Runs SECONDS
# (migoff.seconds, default 60), then reports what the kernel log shows.
seconds=$(sed -n 's/.*migoff\.seconds=\([0-9]*\).*/\1/p' /proc/cmdline)
end=$(($(date +%s) + ${seconds:-60}))
T=/sys/kernel/tracing
echo always >/sys/kernel/mm/transparent_hugepage/enabled
echo 1 >$T/events/migrate/enable
mkdir $T/instances/toggle
(while [ "$(date +%s)" -lt $end ]; do
	echo 1 >$T/instances/toggle/events/migrate/enable
	echo 0 >$T/instances/toggle/events/migrate/enable
done) &
while [ "$(date +%s)" -lt $end ] && ! dmesg | grep -q 'Oops'; do
	migrate_integrity -s 4K -t 4M -r 4 >/dev/null
done
wait
if dmesg | grep -q 'Oops: int3'; then
	echo "migoff-int3: Oops: int3 seen"
else
	echo "migoff-int3: no Oops in ${seconds:-60} s"
fi
