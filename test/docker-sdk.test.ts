import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { runCommand, startDaemon } from "./harness/daemon.ts";

test("the Python docker SDK scenario (containers, logs, exec_run, wait, volumes, archives, build) passes", async () => {
  await using d = await startDaemon();
  const r = await runCommand(
    "python3",
    ["-m", "pytest", "-q", "-p", "no:cacheprovider", join(import.meta.dirname, "python/test_docker_sdk.py")],
    d.env,
    { timeout: 120_000 },
  );
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}\n${d.log}`);
});
