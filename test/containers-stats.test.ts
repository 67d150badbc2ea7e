import assert from "node:assert/strict";
import { test } from "node:test";
import { startDaemon } from "./harness/daemon.ts";

// docker stats against kapseld: the numbers come from the container's cgroups and network
// namespace, in Docker's StatsResponse shape, so the docker CLI shows real usage.
test("stats: docker stats --no-stream shows the container's memory, pids and traffic; the API streams samples", async () => {
  await using d = await startDaemon();
  const run = await d.docker([
    "run",
    "-d",
    "--name",
    "busy",
    "--memory",
    "64m",
    "busybox",
    "sh",
    "-c",
    "dd if=/dev/zero of=/dev/shm/fill bs=1M count=8 2>/dev/null; sleep 1000 & sleep 1000 & wait",
  ]);
  assert.equal(run.code, 0, run.stderr);
  await new Promise((r) => setTimeout(r, 500));

  const cli = await d.docker([
    "stats",
    "--no-stream",
    "--format",
    "{{.Name}}|{{.MemUsage}}|{{.PIDs}}|{{.NetIO}}",
    "busy",
  ]);
  assert.equal(cli.code, 0, cli.stderr);
  const [name, mem, pids, net] = cli.stdout.trim().split("|");
  assert.equal(name, "busy");
  assert.match(mem, /^[\d.]+MiB \/ 64MiB$/);
  assert.ok(Number.parseFloat(mem) >= 8, `the 8 MiB in /dev/shm count: ${mem}`);
  assert.equal(pids, "3");
  assert.match(net, /^[\d.]+k?B \/ [\d.]+k?B$/);

  const one = await d.api("GET", "/containers/busy/stats?stream=false");
  assert.equal(one.status, 200);
  // biome-ignore lint/suspicious/noExplicitAny: Docker's StatsResponse
  const s = one.json() as any;
  assert.equal(s.name, "/busy");
  assert.equal(s.memory_stats.limit, 64 * 1024 * 1024);
  assert.ok(s.cpu_stats.cpu_usage.total_usage > 0);
  assert.ok(s.cpu_stats.system_cpu_usage > s.precpu_stats.system_cpu_usage, "precpu is an earlier sample");
  assert.ok(s.networks.eth0.rx_bytes >= 0);
  assert.equal(s.pids_stats.current, 3);

  // a stopped container reports zeros
  await d.docker(["rm", "-f", "busy"]);
  await d.docker(["create", "--name", "idle", "busybox"]);
  const idle = await d.api("GET", "/containers/idle/stats?stream=false");
  assert.equal((idle.json() as { read: string }).read, "0001-01-01T00:00:00Z");
  const missing = await d.api("GET", "/containers/nope/stats?stream=false");
  assert.equal(missing.status, 404);
});
