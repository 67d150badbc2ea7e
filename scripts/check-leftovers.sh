#!/bin/sh
# After the test run: no mounts, conmon/container processes or container cgroups may be left
# behind by the test daemons (their roots are /tmp/kt-*). Prints what leaked and fails.
leaks=0
if grep -q " /tmp/kt-" /proc/self/mountinfo; then
  echo "leftover mounts:"; grep " /tmp/kt-" /proc/self/mountinfo | awk '{print "  " $5}'; leaks=1
fi
for pid in $(pgrep -x conmon 2>/dev/null); do
  if tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null | grep -q "/tmp/kt-"; then
    echo "leftover conmon: $pid"; leaks=1
  fi
done
for dir in /sys/fs/cgroup/*/kapsel /sys/fs/cgroup/unified/kapsel; do
  [ -d "$dir" ] || continue
  for cg in "$dir"/*/; do
    [ -d "$cg" ] || continue
    id=$(basename "$cg")
    # only the test daemons' containers: their state lives under /tmp/kt-*
    if ls -d /tmp/kt-*/data/containers/"$id" >/dev/null 2>&1; then echo "leftover cgroup: $cg"; leaks=1; fi
  done
done
if ls -d /tmp/kt-* >/dev/null 2>&1; then echo "leftover test folders:"; ls -d /tmp/kt-*; leaks=1; fi
[ $leaks -eq 0 ] && echo "no leftovers: mounts, conmon processes, cgroups and test folders are all gone"
exit $leaks
