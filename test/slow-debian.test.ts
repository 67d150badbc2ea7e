import assert from "node:assert/strict";
import { test } from "node:test";
import { startDaemon } from "./harness/daemon.ts";

// Slow (debootstrap from Debian's mirror, ~30 s and network): only with KAPSEL_SLOW_TESTS=1.
const slow = process.env.KAPSEL_SLOW_TESTS === "1";

test("image bootstrap debian:bookworm makes a Debian image that runs", {
  skip: !slow && "set KAPSEL_SLOW_TESTS=1",
}, async () => {
  await using d = await startDaemon({ busybox: false });
  const made = await d.kapsel(["image", "bootstrap", "debian:bookworm"], { timeout: 600_000 });
  assert.equal(made.code, 0, made.stderr);
  const r = await d.docker(["run", "--rm", "debian:bookworm", "cat", "/etc/debian_version"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^12\./);
});
