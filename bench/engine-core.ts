/**
 * Engine-core figures (issue 3, ../shared/ANCHORS.md): against a private kapseld, driven by the
 * real docker CLI and by kapsel. Prints one line per figure with the target beside it. With
 * BENCH_DOCKER_HOST=unix:///path/to/docker.sock the same runs against that engine too.
 *
 *   /opt/kapsel-node/node_modules/node/bin/node bench/engine-core.ts
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { DOCKER_BIN, KAPSEL_BIN, runCommand, startDaemon, type TestDaemon } from "../test/harness/daemon.ts";
import { median, time } from "./measure.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 11);

async function medianOf(fn: () => Promise<unknown>, runs = RUNS): Promise<number> {
  await fn(); // warm-up
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await time(fn));
  return median(xs);
}

/** RSS in MB of a process and its descendants whose command is conmon. */
function rssMb(pid: number): number {
  const kb = (p: number) => {
    try {
      return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      return 0;
    }
  };
  let total = kb(pid);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, "utf8").trim();
      if (comm === "conmon") {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
        if (cmdline.includes(daemonDir)) total += kb(Number(entry));
      }
    } catch {}
  }
  return total / 1024;
}

let daemonDir = "";

/**
 * RSS once the daemon is idle: kapseld gives back what a burst of work grew its heap by after
 * a quiet second (src/daemon/idle-gc.ts), so this reads it after two seconds without requests.
 */
async function idleRssMb(d: TestDaemon): Promise<number> {
  await new Promise((r) => setTimeout(r, 2000));
  return rssMb(d.process!.pid!);
}

function line(name: string, value: number, unit: string, target: string): void {
  const v = unit === "s" ? value.toFixed(3) : value.toFixed(1);
  console.log(`${name.padEnd(48)} ${v.padStart(8)} ${unit.padEnd(3)} (target ${target})`);
}

async function suite(label: string, bin: string, env: NodeJS.ProcessEnv, d?: TestDaemon): Promise<void> {
  const cli = (args: string[]) => runCommand(bin, args, env, { timeout: 120_000 });
  const must = async (args: string[]) => {
    const r = await cli(args);
    if (r.code !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
    return r;
  };
  console.log(`\n== ${label}`);
  line(
    "run --rm busybox true (median)",
    await medianOf(() => must(["run", "--rm", "busybox", "true"])),
    "s",
    "≤ 0.12 s",
  );
  line(
    "run --rm --network none busybox true (median)",
    await medianOf(() => must(["run", "--rm", "--network", "none", "busybox", "true"])),
    "s",
    "≤ 0.08 s",
  );
  await must(["run", "-d", "--name", "bench-exec", "busybox", "sleep", "600"]);
  line(
    "exec <ctr> true (median)",
    await medianOf(() => must(["exec", "bench-exec", "true"])),
    "s",
    "≤ 0.04 s",
  );
  await must(["rm", "-f", "bench-exec"]);

  if (d) line("kapseld + conmon RSS, idle", await idleRssMb(d), "MB", "≤ 60 MB");
  const parallel = await time(() =>
    Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        must(["run", "-d", "--name", `bench-p${i}`, "busybox", "sleep", "600"]),
      ),
    ),
  );
  line("50 × run -d in parallel (wall)", parallel, "s", "≤ 1.5 s");
  if (d) line("kapseld + conmon RSS, 50 running", await idleRssMb(d), "MB", "≤ 180 MB");
  for (let i = 0; i < 50; i++) await must(["create", "--name", `bench-c${i}`, "busybox", "true"]);
  line("ps -a with 100 containers (median)", await medianOf(() => must(["ps", "-a"])), "s", "≤ 0.03 s");
  const names = [
    ...Array.from({ length: 50 }, (_, i) => `bench-p${i}`),
    ...Array.from({ length: 50 }, (_, i) => `bench-c${i}`),
  ];
  line("rm -f of 100 containers", await time(() => must(["rm", "-f", ...names])), "s", "≤ 1.0 s");

  await must(["run", "--name", "bench-logs", "busybox", "sh", "-c", "seq 1 200000"]);
  line(
    "logs of 200 000 lines (median)",
    await medianOf(() => must(["logs", "bench-logs"]), 5),
    "s",
    "≤ 0.4 s",
  );
  await must(["rm", "-f", "bench-logs"]);
}

const d = await startDaemon();
daemonDir = d.dir;
try {
  console.log(`kapsel engine-core benchmark, ${new Date().toISOString()}, ${RUNS} runs per median`);
  await suite("kapseld, driven by the docker CLI", DOCKER_BIN, d.env, d);
  await suite("kapseld, driven by kapsel", KAPSEL_BIN, d.env, d);
  if (process.env.BENCH_DOCKER_HOST) {
    await suite("Docker, driven by the docker CLI", DOCKER_BIN, {
      ...process.env,
      DOCKER_HOST: process.env.BENCH_DOCKER_HOST,
    });
  }
} finally {
  await d[Symbol.asyncDispose]();
}
execFileSync("true");
