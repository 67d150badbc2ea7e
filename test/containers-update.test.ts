import assert from "node:assert/strict";
import { test } from "node:test";
import { startDaemon } from "./harness/daemon.ts";

// docker update: new limits reach a running container's cgroup (stats shows the new memory
// limit), inspect shows them, and both CLIs print and fail alike.
test("update: limits and restart policy of a running container, with both CLIs", async () => {
  await using d = await startDaemon();
  for (const cli of ["docker", "kapsel"] as const) {
    const name = `up-${cli}`;
    assert.equal((await d.docker(["run", "-d", "--name", name, "busybox", "sleep", "1000"])).code, 0);
    const r = await d[cli]([
      "update",
      "--memory",
      "32m",
      "--memory-swap",
      "64m",
      "--cpus",
      "0.5",
      "--pids-limit",
      "50",
      "--restart",
      "on-failure:3",
      name,
    ]);
    assert.deepEqual(r, { code: 0, stdout: `${name}\n`, stderr: "" }, cli);
    const hc = JSON.parse(
      (await d.docker(["inspect", "--format", "{{json .HostConfig}}", name])).stdout,
    ) as Record<string, unknown>;
    assert.equal(hc.Memory, 32 * 1024 * 1024);
    assert.equal(hc.MemorySwap, 64 * 1024 * 1024);
    assert.equal(hc.NanoCpus, 500_000_000);
    assert.equal(hc.PidsLimit, 50);
    assert.deepEqual(hc.RestartPolicy, { Name: "on-failure", MaximumRetryCount: 3 });
    const mem = await d.docker(["stats", "--no-stream", "--format", "{{.MemUsage}}", name]);
    assert.match(mem.stdout, / \/ 32MiB\n$/);
  }
  for (const args of [
    ["update", "up-docker"],
    ["update", "--cpus", "1", "nope", "up-docker"],
    ["update", "--cpus", "x", "up-docker"],
  ]) {
    const [docker, kapsel] = [await d.docker(args), await d.kapsel(args)];
    assert.deepEqual(
      { ...kapsel, stderr: kapsel.stderr.replaceAll("kapsel", "docker") },
      docker,
      args.join(" "),
    );
  }
});
