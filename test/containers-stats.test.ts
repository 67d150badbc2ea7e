import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { DOCKER_BIN, KAPSEL_BIN, startDaemon, type TestDaemon } from "./harness/daemon.ts";

/** Starts "busy" (64 MiB of memory at most) running `script`; returns its ID. */
async function runBusy(d: TestDaemon, script: string): Promise<string> {
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
    script,
  ]);
  assert.equal(run.code, 0, run.stderr);
  return run.stdout.trim();
}

// docker stats against kapseld: the numbers come from the container's cgroups and network
// namespace, in Docker's StatsResponse shape, so the docker CLI shows real usage.
test("stats: docker stats --no-stream shows the container's memory, pids and traffic; the API streams samples", async () => {
  await using d = await startDaemon();
  await runBusy(
    d,
    "dd if=/dev/zero of=/dev/shm/fill bs=1M count=8 2>/dev/null; sleep 1000 & sleep 1000 & wait",
  );
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

/** What a live `stats` printed in `ms` (it runs until interrupted). */
function liveStats(d: TestDaemon, bin: string, args: string[], ms: number, during?: () => Promise<void>) {
  return new Promise<string>((resolve) => {
    const child = spawn(bin, ["stats", ...args], { env: d.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    void during?.();
    setTimeout(() => child.kill("SIGTERM"), ms);
    child.on("close", () => resolve(out));
  });
}

test("stats: both CLIs show the same table, name failures alike, and redraw live", async () => {
  await using d = await startDaemon();
  const busyId = await runBusy(d, "sleep 1000 & wait");
  const created = (await d.docker(["create", "--name", "idle", "busybox"])).stdout.trim();

  const same = async (args: string[]) => {
    const [docker, kapsel] = [await d.docker(args), await d.kapsel(args)];
    assert.deepEqual(kapsel, docker, args.join(" "));
    return docker;
  };
  const table = await same([
    "stats",
    "--no-stream",
    "-a",
    "--format",
    "table {{.Container}}\t{{.Name}}\t{{.PIDs}}",
  ]);
  assert.equal(
    table.stdout,
    `CONTAINER      NAME      PIDS\n${created.slice(0, 12)}   idle      0\n${busyId.slice(0, 12)}   busy      2\n`,
  );
  await same(["stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}} {{.MemPerc}}", "idle"]);
  const missing = await same(["stats", "--no-stream", "nope", "busy"]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, "Error response from daemon: No such container: nope\n");
  await same(["stats", "--no-stream", "--format", "{{.Nope}}"]);

  for (const [cli, bin] of [
    ["docker", DOCKER_BIN],
    ["kapsel", KAPSEL_BIN],
  ] as const) {
    const plain = await d[cli](["stats", "--no-stream"]);
    assert.match(
      plain.stdout,
      /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS\n[0-9a-f]{12} +busy +\d+\.\d\d% +[\d.]+[KM]iB \/ 64MiB +[\d.]+% +[\d.]+k?B \/ [\d.]+k?B +[\d.]+k?B \/ [\d.]+k?B +2\n$/,
      cli,
    );
    // live: the table is redrawn in place, and a container that starts meanwhile joins it
    const name = `late-${cli}`;
    const live = await liveStats(d, bin, ["--format", "table {{.Name}}\t{{.PIDs}}"], 2500, async () => {
      await new Promise((r) => setTimeout(r, 700));
      await d.docker(["run", "-d", "--name", name, "busybox", "sleep", "1000"]);
    });
    const frames = live.split("\x1b[H").filter(Boolean);
    assert.ok(frames.length >= 3, `${cli}: ${JSON.stringify(live)}`);
    assert.match(frames[0], /^NAME +PIDS *(\x1b\[K)?\nbusy +2/);
    // (docker's last frame, drawn as it is interrupted, shows "--" everywhere)
    assert.ok(
      frames.some((f) => new RegExp(`\\n${name} +1`).test(f)),
      `${cli}: ${JSON.stringify(live)}`,
    );
    assert.ok(!frames[0].includes(name), `${cli}: ${frames[0]}`);
    await d.docker(["rm", "-f", name]);
  }
});
