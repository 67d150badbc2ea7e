import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join, resolve } from "node:path";
import { createNetworkService } from "../../src/engine/network/index.ts";

const ROOT = resolve(import.meta.dirname, "../..");
export const KAPSEL_BIN = join(ROOT, "bin/kapsel");
export const KAPSELD_BIN = join(ROOT, "bin/kapseld");
export const DOCKER_BIN = "/usr/local/bin/docker";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The network a test daemon gets: its own bridge (kt + 6 hex digits) and a /20 of 10.213.0.0/17
 * (the default bridge on its first /24, user networks on the other 15), so daemons side by side
 * never meet. A slot is held by a lock file naming the test process; a dead holder's is reused.
 */
export interface TestNetwork {
  bridge: string;
  /** the default bridge's gateway/prefix: 10.213.<16·slot>.1/24 */
  bip: string;
  /** where user networks' subnets come from */
  pool: { base: string; size: number };
  slot: number;
}

const SLOTS = 8;
const slotLock = (slot: number) => `/tmp/kapsel-test-net-${slot}.lock`;

function takeNetworkSlot(): TestNetwork {
  const routes = execFileSync("ip", ["-4", "-o", "route", "show", "table", "all"], {
    encoding: "utf8",
    timeout: 30_000,
  });
  const start = Math.floor(Math.random() * SLOTS);
  for (let i = 0; i < SLOTS; i++) {
    const slot = (start + i) % SLOTS;
    const third = slot * 16;
    const inUse = [...routes.matchAll(/10\.213\.(\d+)\./g)].some(
      (m) => Number(m[1]) >= third && Number(m[1]) < third + 16,
    );
    if (inUse || !lockSlot(slot)) continue;
    return {
      bridge: `kt${randomBytes(3).toString("hex")}`,
      bip: `10.213.${third}.1/24`,
      pool: { base: `10.213.${third}.0/20`, size: 24 },
      slot,
    };
  }
  throw new Error("no free test network slot in 10.213.0.0/17");
}

function lockSlot(slot: number): boolean {
  try {
    writeFileSync(slotLock(slot), String(process.pid), { flag: "wx" });
    return true;
  } catch {
    const holder = Number(readFileSync(slotLock(slot), "utf8").trim());
    try {
      if (holder > 0) process.kill(holder, 0);
      return false; // its holder lives (this very process included: another daemon holds it)
    } catch {
      rmSync(slotLock(slot), { force: true });
      return lockSlot(slot);
    }
  }
}

/**
 * A private kapseld for one test suite: its own data root, exec root, socket, bridge and subnet.
 * `await using d = await startDaemon()` stops it and removes everything it made, also when the
 * suite fails: containers (rm -f), the daemon (SIGTERM, by pid), its bridges, veths, network
 * namespaces and firewall chains, leftover mounts, the folders.
 */
export class TestDaemon {
  readonly dir: string;
  readonly socket: string;
  readonly dataRoot: string;
  readonly execRoot: string;
  readonly network: TestNetwork;
  process?: ChildProcess;
  log = "";

  constructor() {
    this.dir = mkdtempSync("/tmp/kt-");
    this.dataRoot = join(this.dir, "data");
    this.execRoot = join(this.dir, "run");
    this.socket = join(this.execRoot, "kapsel.sock");
    this.network = takeNetworkSlot();
  }

  /** The flags that give the daemon its network. */
  get networkArgs(): string[] {
    const n = this.network;
    return [
      "--bridge",
      n.bridge,
      "--bip",
      n.bip,
      "--default-address-pool",
      `base=${n.pool.base},size=${n.pool.size}`,
    ];
  }

  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      DOCKER_HOST: `unix://${this.socket}`,
      KAPSEL_HOST: `unix://${this.socket}`,
      DOCKER_CONFIG: join(this.dir, "docker-config"),
    };
  }

  async start(extraArgs: string[] = []): Promise<void> {
    const child = spawn(
      KAPSELD_BIN,
      [
        "--data-root",
        this.dataRoot,
        "--exec-root",
        this.execRoot,
        "-H",
        `unix://${this.socket}`,
        "--config-file",
        "/dev/null",
        ...this.networkArgs,
        ...extraArgs,
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.process = child;
    child.stdout?.on("data", (d) => (this.log += d));
    child.stderr?.on("data", (d) => (this.log += d));
    // a daemon that dies under a test is the first thing to know about a failure that follows
    child.on("exit", (code, signal) => {
      if (this.process === child)
        process.stderr.write(`kapseld exited unexpectedly (${signal ?? code}); its log:\n${this.log}\n`);
    });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`kapseld exited with ${child.exitCode}:\n${this.log}`);
      if (existsSync(this.socket)) {
        try {
          const r = await this.api("GET", "/_ping");
          if (r.status === 200) return;
        } catch {}
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`kapseld did not answer within 20 s:\n${this.log}`);
  }

  /** SIGTERM and wait; containers keep running under conmon, as with a real restart. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    this.process = undefined; // an expected exit
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      exited.then(() => true),
      new Promise<false>((r) => (timer = setTimeout(() => r(false), 15_000))),
    ]);
    clearTimeout(timer);
    if (inTime) return;
    // a daemon that outlives its signal would keep this test file alive for good (its pipes
    // hold the event loop): say what it was doing, then end it
    process.stderr.write(
      `kapseld (pid ${child.pid}) did not exit within 15 s of ${signal}:\n${processReport(child.pid)}\n` +
        `its log:\n${this.log}\n`,
    );
    child.kill("SIGKILL");
    await exited;
  }

  /** A raw API call over the socket. */
  api(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: string; json: () => unknown; headers: Record<string, unknown> }> {
    return new Promise((resolveP, reject) => {
      const payload =
        body === undefined
          ? undefined
          : typeof body === "string" || Buffer.isBuffer(body)
            ? body
            : JSON.stringify(body);
      const req = request(
        {
          socketPath: this.socket,
          method,
          path,
          headers:
            payload !== undefined
              ? { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) }
              : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            resolveP({
              status: res.statusCode ?? 0,
              body: text,
              json: () => JSON.parse(text),
              headers: res.headers,
            });
          });
        },
      );
      req.on("error", reject);
      // an answer that never comes fails the test instead of hanging the run
      req.setTimeout(API_TIMEOUT, () =>
        req.destroy(
          new Error(
            `kapseld gave no answer to ${method} ${path} within ${API_TIMEOUT / 1000} s:\n` +
              `${processReport(this.process?.pid)}\nits log:\n${this.log}`,
          ),
        ),
      );
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Runs the real docker CLI against this daemon; `env` replaces the daemon's `env` for this run. */
  docker(
    args: string[],
    o: { input?: string; timeout?: number; env?: NodeJS.ProcessEnv } = {},
  ): Promise<CommandResult> {
    return runCommand(DOCKER_BIN, args, o.env ?? this.env, o);
  }

  kapsel(
    args: string[],
    o: { input?: string; timeout?: number; env?: NodeJS.ProcessEnv } = {},
  ): Promise<CommandResult> {
    return runCommand(KAPSEL_BIN, args, o.env ?? this.env, o);
  }

  async bootstrapBusybox(): Promise<void> {
    const r = await this.api("POST", "/kapsel/images/bootstrap?ref=busybox");
    if (r.status !== 200 || r.body.includes('"error"'))
      throw new Error(`bootstrap failed: ${r.status} ${r.body}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      if (this.process && this.process.exitCode === null) {
        const list = await this.api("GET", "/containers/json?all=1").catch(() => undefined);
        if (list?.status === 200) {
          for (const c of list.json() as Array<{ Id: string }>) {
            await this.api("DELETE", `/containers/${c.Id}?force=1&v=1`).catch(() => {});
          }
        }
      }
    } finally {
      // the daemon lived on, but a bug showed: say so where the test output is read
      for (const line of this.log.split("\n"))
        if (line.includes("unhandled rejection")) process.stderr.write(`kapseld: ${line}\n`);
      await this.stop();
      await this.destroyNetwork().catch((err) => process.stderr.write(`network cleanup: ${err}\n`));
      cleanupLeftovers(this.dir);
      rmSync(slotLock(this.network.slot), { force: true });
    }
  }

  /**
   * Removes the daemon's kernel network state, which outlives kapseld by design: every bridge,
   * veth, namespace and firewall chain its records name (the network domain's own destroy).
   */
  async destroyNetwork(): Promise<void> {
    if (!existsSync(this.dataRoot)) return;
    const n = this.network;
    const service = await createNetworkService({
      root: join(this.dataRoot, "network"),
      execRoot: join(this.execRoot, "network"),
      bridgeName: n.bridge,
      bip: n.bip,
      defaultAddressPools: [n.pool],
    });
    await service.destroy();
  }
}

/** A socket that stays silent this long: the daemon is stuck (the slowest call, a bootstrap, takes seconds). */
const API_TIMEOUT = 120_000;

/** What a process and its children are doing: each thread's state and kernel wait channel. */
export function processReport(pid: number | undefined): string {
  if (!pid) return "(no process)";
  const lines: string[] = [];
  const describe = (p: number, depth: number) => {
    const cmd = readProc(`/proc/${p}/cmdline`).replaceAll("\0", " ").trim().slice(0, 160);
    lines.push(`${"  ".repeat(depth)}${p} ${cmd}`);
    for (const t of readdirOr(`/proc/${p}/task`)) {
      const state = /\) (\S)/.exec(readProc(`/proc/${p}/task/${t}/stat`))?.[1] ?? "?";
      const comm = readProc(`/proc/${p}/task/${t}/comm`).trim();
      const wchan = readProc(`/proc/${p}/task/${t}/wchan`).trim();
      lines.push(`${"  ".repeat(depth + 1)}thread ${t} ${comm} ${state} ${wchan}`);
    }
    for (const t of readdirOr(`/proc/${p}/task`))
      for (const c of readProc(`/proc/${p}/task/${t}/children`).split(" ").filter(Boolean))
        describe(Number(c), depth + 1);
  };
  describe(pid, 0);
  return lines.join("\n");
}

function readProc(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function readdirOr(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** Unmounts anything still mounted under dir, kills conmon/containers whose state lives there, removes dir. */
export function cleanupLeftovers(dir: string): string[] {
  const leaks: string[] = [];
  const mounts = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((m) => m?.startsWith(dir))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    leaks.push(`mount ${m}`);
    try {
      execFileSync("umount", ["-l", m], { timeout: 30_000 });
    } catch {}
  }
  const runcRoot = join(dir, "run", "runtime", "runc");
  if (existsSync(runcRoot)) {
    try {
      const list = JSON.parse(
        execFileSync("runc", ["--root", runcRoot, "list", "-f", "json"], {
          encoding: "utf8",
          timeout: 30_000,
        }) || "[]",
      ) as Array<{ id: string }> | null;
      for (const c of list ?? []) {
        leaks.push(`container ${c.id}`);
        try {
          execFileSync("runc", ["--root", runcRoot, "delete", "--force", c.id], { timeout: 30_000 });
        } catch {}
      }
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
  return leaks;
}

export async function startDaemon(o: { busybox?: boolean; args?: string[] } = {}): Promise<TestDaemon> {
  const d = new TestDaemon();
  try {
    await d.start(o.args);
    if (o.busybox !== false) await d.bootstrapBusybox();
  } catch (err) {
    await d[Symbol.asyncDispose]();
    throw err;
  }
  return d;
}

export function runCommand(
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  o: { input?: string; timeout?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolveP, reject) => {
    const child = spawn(bin, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${bin} ${args.join(" ")} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, o.timeout ?? 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolveP({ code: code ?? -1, stdout, stderr });
    });
    if (o.input !== undefined) child.stdin.end(o.input);
    else child.stdin.end();
  });
}
