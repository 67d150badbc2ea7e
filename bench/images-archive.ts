/**
 * Archive and commit figures (issue 4, ../shared/ANCHORS.md): `docker save -o` and
 * `docker load -i` of a 200 MB image of 4 layers (busybox plus three layers of 64 MB of random
 * data), and `docker commit` of a container that wrote 20 MB, through the real docker CLI
 * against a private kapseld. The image is made without an engine (an OCI layout turned into a
 * docker-archive by skopeo) and loaded once untimed. Each save writes a new file; each load
 * starts with the image and its layers removed; each commit is of a new container (run from
 * that image, untimed) that wrote 20 MB of new random data. Prints medians with the targets,
 * and kapseld's peak RSS. With BENCH_DOCKER_HOST=unix:///path/to/docker.sock the same
 * runs against that engine too.
 *
 *   /opt/kapsel-node/node_modules/node/bin/node bench/images-archive.ts
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DOCKER_BIN, runCommand, startDaemon } from "../test/harness/daemon.ts";
import { busyboxFiles, writeOciImage } from "../test/harness/oci-image.ts";
import { median, processRssMb as rssMb, time } from "./measure.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LAYER_MB = Number(process.env.BENCH_LAYER_MB ?? 64);
const REF = "bench/big:1";

async function must(env: NodeJS.ProcessEnv, args: string[]): Promise<void> {
  const r = await runCommand(DOCKER_BIN, args, env, { timeout: 120_000 });
  if (r.code !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr}${r.stdout}`);
}

/** kapseld's peak RSS since the last reset (sampled every 20 ms). */
const rss = { pid: 0, peak: 0 };

async function suite(label: string, env: NodeJS.ProcessEnv, seed: string, dir: string): Promise<void> {
  console.log(`\n== ${label}`);
  await runCommand(DOCKER_BIN, ["rmi", "-f", REF], env);
  await must(env, ["load", "-q", "-i", seed]);
  const saves: number[] = [];
  const out = join(dir, "saved.tar");
  rss.peak = 0;
  for (let i = 0; i < RUNS; i++) {
    rmSync(out, { force: true });
    saves.push(await time(() => must(env, ["save", "-o", out, REF])));
  }
  const savePeak = rss.peak;
  const loads: number[] = [];
  let loadPeak = 0;
  for (let i = 0; i < RUNS; i++) {
    await must(env, ["rmi", "-f", REF]);
    rss.peak = 0;
    loads.push(await time(() => must(env, ["load", "-q", "-i", out])));
    loadPeak = Math.max(loadPeak, rss.peak);
  }
  const commits: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const name = `bench-commit-${i}`;
    await must(env, ["run", "--name", name, REF, "sh", "-c", "head -c 20971520 /dev/urandom > /data.bin"]);
    commits.push(await time(() => must(env, ["commit", name, `bench/commit:${i}`])));
    await must(env, ["rm", name]);
    await must(env, ["rmi", `bench/commit:${i}`]);
  }
  const line = (what: string, xs: number[], target: number, docker: number) =>
    console.log(
      `${what.padEnd(44)} ${median(xs).toFixed(2)} s  (runs: ${xs.map((x) => x.toFixed(2)).join(" ")})  target ≤ ${target} s, Docker 20.10 ${docker} s`,
    );
  line("save 200 MB / 4 layers to a file", saves, 0.8, 1.54);
  line("load 200 MB / 4 layers from that file", loads, 0.8, 1.25);
  line("commit of a container that wrote 20 MB", commits, 0.15, 0.15);
  if (rss.pid)
    console.log(
      `${"kapseld peak RSS: save, load".padEnd(44)} ${savePeak.toFixed(0)} MB, ${loadPeak.toFixed(0)} MB  target < 150 MB`,
    );
}

const dir = mkdtempSync("/tmp/kbench-archive-");
await using d = await startDaemon({ busybox: false });
rss.pid = d.process?.pid ?? 0;
const sampler = setInterval(() => {
  rss.peak = Math.max(rss.peak, rssMb(rss.pid));
}, 20);

try {
  process.stdout.write(`making the image (busybox + 3 x ${LAYER_MB} MB random) ... `);
  const layout = join(dir, "oci");
  const seed = join(dir, "seed.tar");
  const big = (n: number) => [{ name: `data${n}`, body: randomBytes(LAYER_MB * 1024 * 1024) }];
  await writeOciImage(layout, "big", {
    layers: [busyboxFiles(), big(1), big(2), big(3)],
    compression: "none",
  });
  const copy = await runCommand(
    "skopeo",
    ["copy", `oci:${layout}:big`, `docker-archive:${seed}:${REF}`],
    process.env,
    {
      timeout: 120_000,
    },
  );
  if (copy.code !== 0) throw new Error(copy.stderr);
  console.log("done");
  console.log(`${"kapseld idle RSS".padEnd(44)} ${rssMb(rss.pid).toFixed(0)} MB`);
  await suite("kapseld, driven by the docker CLI", d.env, seed, dir);
  clearInterval(sampler);
  rss.pid = 0;
  if (process.env.BENCH_DOCKER_HOST)
    await suite(
      "Docker, driven by the docker CLI",
      { ...process.env, DOCKER_HOST: process.env.BENCH_DOCKER_HOST },
      seed,
      dir,
    );
} finally {
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
}
