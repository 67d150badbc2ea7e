#!/bin/sh
# The second README command: installs what the tests need, then type-checks, lints and runs the
# unit and integration tests (each integration suite starts its own private kapseld).
# KAPSEL_SLOW_TESTS=1 adds the slow cases (debootstrap, apt-get inside containers).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
# the test-only tools: a registry, skopeo and docker-compose from Debian
"$root/scripts/setup.sh" docker-registry skopeo docker-compose openssl
cd "$root"
NODE=/opt/kapsel-node/node_modules/node/bin/node
export PATH="/opt/kapsel-node/node_modules/node/bin:$PATH"
echo "== type check and lint"
"$NODE" node_modules/typescript/bin/tsc --noEmit -p .
node_modules/.bin/biome check src test bench
echo "== tests"
# A file that never ends would hold the run until CI's own limit: after 45 minutes (the run
# takes 4-5), the runner is stopped and names the files still running. (Not --test-force-exit:
# it loses the reports of files that end while their output is still in the pipe.)
timeout --signal=TERM 2700 "$NODE" --disable-warning=ExperimentalWarning --test --test-concurrency=2 \
  --test-timeout=300000 "src/**/*.test.ts" "test/**/*.test.ts"
echo "== leftovers"
"$root/scripts/check-leftovers.sh"
