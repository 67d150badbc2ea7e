#!/bin/sh
# After the test run: no mounts, conmon/container processes, container cgroups, firewall chains,
# bridges or veths may be left behind by the test daemons (their roots are /tmp/kt-*). Prints
# what leaked and fails.
leaks=0
if grep -q " /tmp/kt-" /proc/self/mountinfo; then
  echo "leftover mounts:"; grep " /tmp/kt-" /proc/self/mountinfo | awk '{print "  " $5}'; leaks=1
fi
for pid in $(pgrep -x conmon 2>/dev/null); do
  if { tr '\0' ' ' < /proc/$pid/cmdline; } 2>/dev/null | grep -q "/tmp/kt-"; then
    echo "leftover conmon: $pid"; leaks=1
  fi
done
# a test daemon that outlived its suite (the harness kills one that ignores SIGTERM, and says so)
for pid in $(pgrep -f "src/daemon/entry.mjs --data-root /tmp/kt-" 2>/dev/null); do
  echo "leftover kapseld: $pid $({ tr '\0' ' ' < /proc/$pid/cmdline; } 2>/dev/null | cut -c1-200)"; leaks=1
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
# cgroup parents the tests make (runtime.test.ts, --cgroup-parent) and must remove
if ls -d /sys/fs/cgroup/*/kapsel-test-* >/dev/null 2>&1; then
  echo "leftover test cgroup parents:"; ls -d /sys/fs/cgroup/*/kapsel-test-*; leaks=1
fi
if ls -d /tmp/kt-* >/dev/null 2>&1; then echo "leftover test folders:"; ls -d /tmp/kt-*; leaks=1; fi
# networking: the test daemons' firewall chains (KAPSEL-kt*, named after their bridges; a real
# kapseld's own KAPSEL-* chains are not the tests' business), their bridges (kt*, and user
# networks' br-* in 10.213.0.0/16), veths still on them or left without a bridge
for table in filter nat; do
  if iptables-save -t $table 2>/dev/null | grep -q "KAPSEL-kn\?t"; then
    echo "leftover iptables ($table):"; iptables-save -t $table | grep "KAPSEL-kn\?t" | sed 's/^/  /'; leaks=1
  fi
done
if ip6tables-save -t filter 2>/dev/null | grep -q "KAPSEL-kn\?t"; then
  echo "leftover ip6tables:"; ip6tables-save -t filter | grep "KAPSEL-kn\?t" | sed 's/^/  /'; leaks=1
fi
for dev in /sys/class/net/*; do
  name=$(basename "$dev")
  master=$(basename "$(readlink "$dev/master" 2>/dev/null)" 2>/dev/null)
  case "$name" in
    kt*|knt*) echo "leftover test bridge: $name"; leaks=1 ;;
    br-*)
      if ip -4 -o addr show dev "$name" 2>/dev/null | grep -q " 10\.213\."; then
        echo "leftover test network bridge: $name"; leaks=1
      fi ;;
    veth*)
      case "$master" in
        kt*|knt*|br-*|"") echo "leftover veth: $name${master:+ (on $master)}"; leaks=1 ;;
      esac ;;
  esac
done
if ls /tmp/kapsel-test-net-*.lock >/dev/null 2>&1; then echo "leftover network slot locks:"; ls /tmp/kapsel-test-net-*.lock; leaks=1; fi
[ $leaks -eq 0 ] && echo "no leftovers: mounts, conmon processes, cgroups, firewall chains, bridges, veths and test folders are all gone"
exit $leaks
