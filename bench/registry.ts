/**
 * Registry figures (issue 4, ../shared/ANCHORS.md): `docker pull` and `docker push` of a
 * 200 MB image of 4 layers (busybox plus three layers of 64 MB of random data) between a
 * private kapseld and Debian's docker-registry 2.8 on 127.0.0.1, through the real docker CLI.
 * The image is made without an engine (an OCI layout, gzip level 1) and put in the registry
 * by skopeo. Each pull starts from an empty daemon (the image, its layers and its kept blobs
 * removed); each push goes to a fresh registry, so every blob is uploaded. Prints medians with
 * the targets, kapseld's idle RSS and its peak RSS during the pulls and during the pushes.
 *
 *   /opt/kapsel-node/node_modules/node/bin/node bench/registry.ts
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startDaemon } from "../test/harness/daemon.ts";
import { TestRegistry } from "../test/harness/docker-registry.ts";
import { busyboxFiles, writeOciImage } from "../test/harness/oci-image.ts";
import { median, processRssMb as rssMb, time } from "./measure.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const LAYER_MB = Number(process.env.BENCH_LAYER_MB ?? 64);

/**
 * The kept compressed layers follow an image out after `rmi` has answered (a prune on the
 * delete event): wait for it, or a pull may find some of its blobs still there.
 */
async function blobsGone(dataRoot: string): Promise<void> {
  const dir = join(dataRoot, "distribution/blobs/sha256");
  // (no folder yet: the registry client is made on the first pull)
  const count = () => (existsSync(dir) ? readdirSync(dir).length : 0);
  for (let i = 0; i < 200 && count() > 0; i++) await sleep(25);
}

const layout = mkdtempSync("/tmp/kbench-oci-");
await using source = await TestRegistry.start();
await using d = await startDaemon({ busybox: false });
const pid = d.process?.pid ?? 0;
let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, rssMb(pid));
}, 20);

try {
  process.stdout.write(`making the image (busybox + 3 x ${LAYER_MB} MB random) ... `);
  const big = (n: number) => [{ name: `data${n}`, body: randomBytes(LAYER_MB * 1024 * 1024) }];
  await writeOciImage(layout, "big", { layers: [busyboxFiles(), big(1), big(2), big(3)], gzipLevel: 1 });
  const copy = await source.skopeo([
    "copy",
    "--dest-tls-verify=false",
    "--format",
    "v2s2",
    `oci:${layout}:big`,
    `docker://${source.host}/big:1`,
  ]);
  if (copy.code !== 0) throw new Error(copy.stderr);
  console.log("done");

  const ref = `${source.host}/big:1`;
  const idle = rssMb(pid);
  peak = 0;
  const pulls: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await d.docker(["rmi", "-f", ref]);
    await blobsGone(d.dataRoot);
    const t = await time(async () => {
      const r = await d.docker(["pull", ref], { timeout: 120_000 });
      if (r.code !== 0) throw new Error(r.stderr);
    });
    pulls.push(t);
  }

  const pullPeak = peak;
  peak = 0;
  const pushes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    await using target = await TestRegistry.start();
    const to = `${target.host}/big:1`;
    await d.docker(["tag", ref, to]);
    const t = await time(async () => {
      const r = await d.docker(["push", to], { timeout: 120_000 });
      if (r.code !== 0) throw new Error(r.stderr + r.stdout);
    });
    pushes.push(t);
    await d.docker(["rmi", to]);
  }

  clearInterval(sampler);
  const line = (what: string, xs: number[], target: number, docker: number) =>
    console.log(
      `${what.padEnd(44)} ${median(xs).toFixed(2)} s  (runs: ${xs.map((x) => x.toFixed(2)).join(" ")})  target ≤ ${target} s, Docker 20.10 ${docker} s`,
    );
  line("pull 200 MB / 4 layers from docker-registry", pulls, 0.8, 1.34);
  line("push 200 MB / 4 layers to a fresh registry", pushes, 1.0, 3.2);
  console.log(`${"kapseld idle RSS".padEnd(44)} ${idle.toFixed(0)} MB`);
  console.log(
    `${"kapseld peak RSS: pull, push".padEnd(44)} ${pullPeak.toFixed(0)} MB, ${peak.toFixed(0)} MB  target < 150 MB`,
  );
} finally {
  clearInterval(sampler);
  rmSync(layout, { recursive: true, force: true });
}
