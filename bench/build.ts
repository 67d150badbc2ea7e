/**
 * Builder figures (issue 5, ../shared/ANCHORS.md): the real docker CLI (classic builder, POST
 * /build) against a private kapseld, with a context of a 50 MB random file and 200 small
 * files and this Dockerfile:
 *
 *   FROM busybox:latest
 *   ENV APP=/app
 *   COPY big.bin /app/big.bin
 *   COPY small/ /app/small/
 *   RUN sh -c 'ls /app/small | wc -l > /app/count'
 *   CMD ["cat", "/app/count"]
 *
 * Prints the cold build (the first one: nothing cached, no file hashed yet; one container has
 * run before, so the default bridge is up as on any running engine), a --no-cache
 * build, the unchanged rebuild and the rebuild after `touch big.bin` (content unchanged: must
 * stay fully cached). With BENCH_DOCKER_HOST=unix:///path/to/docker.sock the same runs against
 * that engine too.
 *
 *   /opt/kapsel-node/node_modules/node/bin/node bench/build.ts
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DOCKER_BIN, runCommand, startDaemon } from "../test/harness/daemon.ts";
import { median, time } from "./measure.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 11);

const DOCKERFILE = `FROM busybox:latest
ENV APP=/app
COPY big.bin /app/big.bin
COPY small/ /app/small/
RUN sh -c 'ls /app/small | wc -l > /app/count'
CMD ["cat", "/app/count"]
`;

function makeContext(): string {
  const dir = mkdtempSync("/tmp/kapsel-bench-build-");
  writeFileSync(join(dir, "Dockerfile"), DOCKERFILE);
  writeFileSync(join(dir, "big.bin"), randomBytes(50 * 1024 * 1024));
  mkdirSync(join(dir, "small"));
  for (let i = 0; i < 200; i++)
    writeFileSync(join(dir, "small", `f${i}.txt`), `small file ${i}\n`.repeat(20));
  return dir;
}

function line(name: string, value: number, target: string, note = ""): void {
  console.log(
    `${name.padEnd(48)} ${value.toFixed(3).padStart(8)} s   (target ${target})${note ? `  ${note}` : ""}`,
  );
}

async function suite(label: string, env: NodeJS.ProcessEnv, ctx: string): Promise<void> {
  let n = 0;
  const build = async (extra: string[] = []) => {
    const r = await runCommand(DOCKER_BIN, ["build", ...extra, "-t", `bench-build:${n++}`, ctx], env, {
      timeout: 300_000,
    });
    if (r.code !== 0) throw new Error(`docker build: ${r.stderr}\n${r.stdout}`);
    return r.stdout;
  };
  const cachedSteps = (out: string) => (out.match(/---> Using cache/g) ?? []).length;
  console.log(`\n== ${label}`);
  // a running engine has its default bridge up: one container first, as Docker's would have
  await runCommand(DOCKER_BIN, ["run", "--rm", "busybox:latest", "true"], env, { timeout: 60_000 });
  let out = "";
  line("cold build", await time(async () => (out = await build())), "≤ 1.0 s");
  const noCache: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 5); i++) noCache.push(await time(() => build(["--no-cache"])));
  line("--no-cache build (median)", median(noCache), "—");
  const unchanged: number[] = [];
  for (let i = 0; i < RUNS; i++) unchanged.push(await time(async () => (out = await build())));
  line("unchanged rebuild (median)", median(unchanged), "≤ 0.15 s", `${cachedSteps(out)}/5 steps cached`);
  const touched: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = new Date(Date.now() + (i + 1) * 1000);
    utimesSync(join(ctx, "big.bin"), t, t);
    touched.push(await time(async () => (out = await build())));
  }
  line(
    "rebuild after touch big.bin (median)",
    median(touched),
    "≤ 0.15 s",
    `${cachedSteps(out)}/5 steps cached`,
  );
}

const ctx = makeContext();
const d = await startDaemon();
try {
  console.log(`kapsel build benchmark, ${new Date().toISOString()}, ${RUNS} runs per median`);
  await suite("kapseld, driven by the docker CLI", d.env, ctx);
  if (process.env.BENCH_DOCKER_HOST)
    await suite(
      "Docker, driven by the docker CLI",
      { ...process.env, DOCKER_HOST: process.env.BENCH_DOCKER_HOST },
      ctx,
    );
} finally {
  await d[Symbol.asyncDispose]();
  rmSync(ctx, { recursive: true, force: true });
}
