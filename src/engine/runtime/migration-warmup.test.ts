import assert from "node:assert/strict";
import { test } from "node:test";
import { listsPid, ownProcsFile } from "./migration-warmup.ts";

test("a hybrid host: the pids hierarchy's file, at the process's own path", () => {
  const text = "9:name=systemd:/\n8:pids:/svc/kapseld\n4:memory:/process_api/abc\n0::/\n";
  assert.equal(ownProcsFile(text), "/sys/fs/cgroup/pids/svc/kapseld/cgroup.procs");
});

test("the root cgroup has no double slash", () => {
  assert.equal(ownProcsFile("3:cpu,cpuacct:/\n8:pids:/\n0::/\n"), "/sys/fs/cgroup/pids/cgroup.procs");
});

test("cgroup v2 alone: the unified hierarchy at the mount's root", () => {
  assert.equal(
    ownProcsFile("0::/system.slice/kapseld.service\n"),
    "/sys/fs/cgroup/system.slice/kapseld.service/cgroup.procs",
  );
});

test("v1 without pids: the unified hierarchy beside it", () => {
  assert.equal(ownProcsFile("4:memory:/a\n0::/a\n", "/cg"), "/cg/unified/a/cgroup.procs");
});

test("nothing known: nothing to write", () => {
  assert.equal(ownProcsFile(""), undefined);
  assert.equal(ownProcsFile("4:memory:/a\n"), undefined);
});

test("the file must list the process itself, by whole line", () => {
  assert.equal(listsPid("1\n42\n4242\n", 42), true);
  assert.equal(listsPid("1\n4242\n", 42), false);
  assert.equal(listsPid("", 42), false);
});
