/**
 * Networking figures (issue 6, ../shared/ANCHORS.md) against a private kapseld on its own
 * bridge, through the real docker CLI: HTTP download of a 500 MB file from busybox httpd in a
 * container, through `-p 127.0.0.1:PORT:80` and directly to the container's address; 200
 * sequential connections both ways; and `run --rm busybox true` on the default bridge (with
 * --network none beside it). Traffic goes only to 127.0.0.1 and the daemon's own 10.213.x.
 *
 *   /opt/kapsel-node/node_modules/node/bin/node bench/network.ts
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startDaemon, type TestDaemon } from "../test/harness/daemon.ts";
import { freePort, getWhenUp } from "../test/network-support.ts";
import { median } from "./measure.ts";

const run = promisify(execFile);
const RUNS = Number(process.env.BENCH_RUNS ?? 11);
const SIZE_MB = 500;
const CONNECTIONS = 200;
const TURNS = Number(process.env.BENCH_TURNS ?? 7);

function line(name: string, value: string, target: string): void {
  console.log(`${name.padEnd(52)} ${value.padStart(12)}   (target ${target})`);
}

function local(url: string): string {
  const host = new URL(url).hostname;
  if (host !== "127.0.0.1" && !host.startsWith("10.213.")) throw new Error(`not a local address: ${host}`);
  return url;
}

/** Bytes per second of one curl download (the body is thrown away). */
async function download(url: string): Promise<number> {
  const { stdout } = await run("curl", ["-sS", "-o", "/dev/null", "-w", "%{speed_download}", local(url)]);
  return Number(stdout);
}

/** Seconds for CONNECTIONS sequential requests, each on a connection of its own (busybox httpd closes them). */
async function connections(url: string): Promise<number> {
  const urls = Array.from({ length: CONNECTIONS }, () => local(url));
  const t = process.hrtime.bigint();
  await run("curl", ["-sS", "-o", "/dev/null", "-H", "Connection: close", ...urls], { maxBuffer: 1 << 20 });
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function runTime(d: TestDaemon, args: string[]): Promise<number> {
  const once = async () => {
    const t = process.hrtime.bigint();
    const r = await d.docker(args);
    if (r.code !== 0) throw new Error(`docker ${args.join(" ")}: ${r.stderr}`);
    return Number(process.hrtime.bigint() - t) / 1e9;
  };
  await once();
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) xs.push(await once());
  return median(xs);
}

await using d = await startDaemon();
const port = await freePort();
const started = await d.docker([
  "run",
  "-d",
  "--name",
  "bench-web",
  "--tmpfs",
  `/www:size=${SIZE_MB + 64}m`,
  "-p",
  `127.0.0.1:${port}:80`,
  "busybox",
  "sh",
  "-c",
  `head -c ${SIZE_MB}m /dev/zero > /www/big && echo ok > /www/small && exec busybox httpd -f -p 80 -h /www`,
]);
if (started.code !== 0) throw new Error(started.stderr);
const ip = (await d.docker(["inspect", "-f", "{{.NetworkSettings.IPAddress}}", "bench-web"])).stdout.trim();
// writing the file takes a few seconds before httpd listens
for (let deadline = Date.now() + 60_000; ; ) {
  try {
    await getWhenUp("127.0.0.1", port, "/small");
    break;
  } catch (err) {
    if (Date.now() > deadline) throw err;
  }
}

const published = `http://127.0.0.1:${port}`;
const direct = `http://${ip}:80`;
/**
 * Both paths measured in turns (this machine is shared and noisy): the medians of each, and
 * the median of the per-turn ratios, which cancels most of the neighbours' load.
 */
async function interleaved(
  n: number,
  a: () => Promise<number>,
  b: () => Promise<number>,
): Promise<[number, number, number]> {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < n; i++) {
    xs.push(await a());
    ys.push(await b());
  }
  return [median(xs), median(ys), median(xs.map((x, i) => x / ys[i]))];
}

await download(`${direct}/big`); // warm the page cache and the path
const [viaPort, viaDirect, downloadRatio] = await interleaved(
  TURNS,
  () => download(`${published}/big`),
  () => download(`${direct}/big`),
);
const gb = (bps: number) => `${(bps / 1e9).toFixed(2)} GB/s`;
line(`HTTP ${SIZE_MB} MB via -p 127.0.0.1:PORT:80 (median of ${TURNS})`, gb(viaPort), "≥ 90% of direct");
line(`HTTP ${SIZE_MB} MB direct to ${ip} (median of ${TURNS})`, gb(viaDirect), "");
line("  published / direct (median of the turns' ratios)", `${(downloadRatio * 100).toFixed(0)} %`, "≥ 90 %");

await connections(`${direct}/small`);
const [connPort, connDirect, connRatio] = await interleaved(
  TURNS,
  () => connections(`${published}/small`),
  () => connections(`${direct}/small`),
);
line(
  `${CONNECTIONS} sequential connections via the published port`,
  `${connPort.toFixed(3)} s`,
  "≤ 1.05 × direct",
);
line(`${CONNECTIONS} sequential connections direct`, `${connDirect.toFixed(3)} s`, "");
line("  published / direct (median of the turns' ratios)", `${connRatio.toFixed(2)} ×`, "≤ 1.05 ×");

await d.docker(["rm", "-f", "bench-web"]);
const bridge = await runTime(d, ["run", "--rm", "busybox", "true"]);
const none = await runTime(d, ["run", "--rm", "--network", "none", "busybox", "true"]);
line(`run --rm busybox true, default bridge (median of ${RUNS})`, `${bridge.toFixed(3)} s`, "≤ 0.15 s");
line(`run --rm --network none busybox true (median of ${RUNS})`, `${none.toFixed(3)} s`, "≤ 0.08 s");
