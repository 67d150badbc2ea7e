#!/bin/sh
# The first README command: installs kapsel, starts kapseld on /run/kapsel/kapsel.sock, makes
# busybox:latest from the host and runs a first container.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
sock=/run/kapsel/kapsel.sock
if ! kapsel version >/dev/null 2>&1; then
  mkdir -p /var/log
  nohup kapseld >>/var/log/kapseld.log 2>&1 &
  i=0
  while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  [ -S "$sock" ] || { echo "kapseld did not start; see /var/log/kapseld.log" >&2; exit 1; }
fi
kapsel image inspect busybox:latest >/dev/null 2>&1 || kapsel image bootstrap busybox
kapsel run --rm busybox echo hello
