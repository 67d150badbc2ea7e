#!/bin/sh
# Installs what kapsel needs on a Debian machine, idempotently: the system tools (runc, conmon,
# busybox-static, catatonit, iptables), Node.js 24 (from the npm registry's `node` package when
# the system's Node is older), the npm dependencies, and `kapsel`/`kapseld` on PATH. Then checks
# the kernel features kapsel relies on and says clearly what is missing.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
NODE_PREFIX=/opt/kapsel-node
NODE_BIN=$NODE_PREFIX/node_modules/node/bin/node

say() { printf '%s\n' "setup: $*"; }

need_pkgs=""
for pair in debootstrap:debootstrap runc:runc conmon:conmon busybox:busybox-static catatonit:catatonit iptables:iptables ip:iproute2 script:util-linux ps:procps; do
  bin=${pair%%:*}; pkg=${pair#*:}
  if ! command -v "$bin" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$bin" ] && [ ! -x "/sbin/$bin" ]; then need_pkgs="$need_pkgs $pkg"; fi
done
# busybox must be the static one: it is copied into images
if [ ! -e /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
  dpkg -s busybox-static >/dev/null 2>&1 || need_pkgs="$need_pkgs busybox-static"
fi
for pkg in $*; do dpkg -s "$pkg" >/dev/null 2>&1 || need_pkgs="$need_pkgs $pkg"; done
if [ -n "$need_pkgs" ]; then
  say "installing Debian packages:$need_pkgs"
  if [ ! -f /var/lib/apt/periodic/kapsel-updated ] || [ -z "$(ls /var/lib/apt/lists 2>/dev/null | grep -v lock | head -1)" ]; then
    apt-get update -qq
    mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/kapsel-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need_pkgs >/dev/null
fi

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ ! -x "$NODE_BIN" ] || [ "$(node_major "$NODE_BIN")" -lt 24 ]; then
  say "installing Node.js 24 into $NODE_PREFIX"
  mkdir -p "$NODE_PREFIX"
  npm install --silent --no-audit --no-fund --prefix "$NODE_PREFIX" node@24 >/dev/null
fi
say "node $("$NODE_BIN" --version)"

cd "$root"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  # npm install, not npm ci: npm 11 writes lock files without the other platforms' optional
  # packages (node-unix-socket-*) and npm ci then refuses them; install keeps the locked versions
  PATH="$NODE_PREFIX/node_modules/node/bin:$PATH" npm install --silent --no-audit --no-fund >/dev/null
fi

ln -sf "$root/bin/kapsel" /usr/local/bin/kapsel
ln -sf "$root/bin/kapseld" /usr/local/bin/kapseld

missing=""
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || true
grep -qw overlay /proc/filesystems || say "WARNING: overlayfs is not available; kapsel falls back to the (slower) copy driver"
for ns in mnt pid net ipc uts; do [ -e /proc/self/ns/$ns ] || missing="$missing $ns-namespace"; done
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then say "cgroup v2"
elif [ -d /sys/fs/cgroup/memory ] || [ -d /sys/fs/cgroup/pids ]; then say "cgroup v1"
else missing="$missing cgroups"; fi
if [ -n "$missing" ]; then
  say "ERROR: the kernel lacks:$missing"
  exit 1
fi
say "ready: kapsel and kapseld are on PATH"
