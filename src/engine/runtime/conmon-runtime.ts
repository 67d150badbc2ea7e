import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { mkdir, readdir, readFile, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { conflict, invalid, isKind, notFound, unavailable } from "../../lib/errors.ts";
import { parseSignal } from "../../lib/signals.ts";
import { AttachHub } from "./attach-hub.ts";
import type { AttachSession } from "./attach-socket.ts";
import { type ConmonPaths, conmonArgs, launchConmon } from "./conmon.ts";
import { type ExecOptions, type ExecTask, execProcess, writeCtl } from "./exec.ts";
import { execNative, nativeExecRequest } from "./exec-native.ts";
import { type ExitRecord, ExitWatcher } from "./exit-watcher.ts";
import { hostHelper } from "./host-helper.ts";
import type { Runtime, RuntimeInfo, RuntimeOptions, TaskCreateOptions } from "./index.ts";
import { warmUpCgroupMigration } from "./migration-warmup.ts";
import type { OciSpec } from "./oci-spec.ts";
import { runc } from "./runc.ts";
import { deleteStopped, startViaExecFifo } from "./runc-fast-path.ts";
import {
  cgroupPids,
  isProcessAlive,
  type RuncState,
  readRuncState,
  taskStatus,
  untilExeced,
} from "./runc-state.ts";
import { type ResourcesInput, serializeSpec, updateFlags } from "./spec.ts";

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** marker in containers/<id>/: conmon closes the container's stdin at an attach EOF */
const STDIN_ONCE = "stdin-once";
/** Docker's exit code for a task whose monitor was lost */
const LOST_EXIT_CODE = 255;

/** The Runtime over conmon + runc; see index.ts for the contract and the on-disk layout. */
export class ConmonRuntime implements Runtime {
  #paths: ConmonPaths;
  #runcRoot: string;
  #exitsDir: string;
  #containersDir: string;
  #cgroupParent: string;
  #exits: ExitWatcher;
  /** runc's state layout is known: its start and delete can skip a spawn (runc-fast-path.ts) */
  #isRunc: boolean;
  #runtimeName: string;
  /** one shared attach connection per container (attach-hub.ts says why) */
  #hubs = new Map<string, Promise<AttachHub>>();
  /** the spec each container runs with, as written to its config.json (exec builds on it) */
  #specs = new Map<string, OciSpec>();
  /** each waited container's conmon pid, once known to be its conmon (#lostExit) */
  #conmons = new Map<string, number>();
  /** runc's state of each container met: its init pid, start time and cgroups stay for its life */
  #states = new Map<string, RuncState>();
  /** deleted containers' folders, emptied in the background (and at start-up) */
  readonly #removedDir: string;

  constructor(opts: RuntimeOptions) {
    const stateDir = resolve(opts.stateDir);
    this.#runcRoot = join(stateDir, "runc");
    this.#exitsDir = join(stateDir, "exits");
    this.#containersDir = join(stateDir, "containers");
    const socketDir = join(stateDir, "sock");
    this.#removedDir = join(stateDir, "removed");
    // what a daemon that stopped before it finished deleting left behind
    rmSync(this.#removedDir, { recursive: true, force: true });
    for (const d of [this.#runcRoot, this.#exitsDir, this.#containersDir, socketDir, this.#removedDir]) {
      mkdirSync(d, { recursive: true, mode: 0o700 });
    }
    this.#paths = {
      conmon: opts.conmonPath ?? "conmon",
      runc: { path: opts.runtimePath ?? "runc", root: this.#runcRoot },
      logLevel: opts.logLevel ?? "error",
      socketDir,
    };
    this.#cgroupParent = opts.cgroupParent ?? "/kapsel";
    this.#isRunc = basename(this.#paths.runc.path) === "runc";
    this.#runtimeName = opts.runtimeName ?? basename(this.#paths.runc.path);
    this.#exits = new ExitWatcher(this.#exitsDir, (id) => this.#lostExit(id));
  }

  #dir(id: string): string {
    if (!ID.test(id)) throw invalid(`invalid container id: ${JSON.stringify(id)}`);
    return join(this.#containersDir, id);
  }

  async create(o: TaskCreateOptions): Promise<{ pid: number }> {
    const dir = this.#dir(o.id);
    if (existsSync(join(this.#runcRoot, o.id, "state.json"))) {
      throw conflict(`container ${o.id} already exists in the runtime`);
    }
    // leftovers of an earlier run of this id (its exit record, a failed create, its old conmon)
    this.#conmons.delete(o.id);
    this.#states.delete(o.id);
    await Promise.all([
      rm(dir, { recursive: true, force: true }),
      rm(join(this.#exitsDir, o.id), { force: true }),
    ]);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // no bundle given: the container's own folder here is its bundle (no folder or link to make)
    const bundle = o.bundle ? resolve(o.bundle) : dir;
    const spec: OciSpec = {
      ...o.spec,
      process: o.spec.process ? { ...o.spec.process, terminal: o.terminal } : undefined,
      linux: { ...o.spec.linux, cgroupsPath: o.spec.linux?.cgroupsPath || `${this.#cgroupParent}/${o.id}` },
    };
    this.#specs.delete(o.id);
    await Promise.all([
      writeFile(join(bundle, "config.json"), serializeSpec(spec)),
      bundle !== dir ? symlink(bundle, join(dir, "bundle")) : undefined,
      // how conmon treats stdin, for attach sessions of this and later daemons (attach-hub.ts)
      o.stdin && o.stdinOnce && !o.terminal ? writeFile(join(dir, STDIN_ONCE), "") : undefined,
    ]);
    const args = conmonArgs(this.#paths, {
      cid: o.id,
      cuuid: o.id,
      bundle,
      pidFile: join(dir, "pid"),
      exitDir: this.#exitsDir,
      persistDir: dir,
      log: o.logPath ? `k8s-file:${o.logPath}` : "none",
      logSizeMax: o.logPath ? o.logSizeMax : undefined,
      runcLog: join(dir, "runc.log"),
      conmonPidFile: join(dir, "conmon.pid"),
      terminal: o.terminal,
      stdin: o.stdin,
      leaveStdinOpen: !o.stdinOnce,
    });
    // a log kept from earlier runs of this container stays; one conmon just made goes on failure
    const newLog = o.logPath !== "" && !existsSync(o.logPath);
    warmUpCgroupMigration(); // runc's cgroup write comes ~10 ms later
    try {
      const pid = await launchConmon(this.#paths, args, hostHelper(), "create");
      this.#specs.set(o.id, spec);
      return { pid };
    } catch (e) {
      // conmon exits after reporting a failure; runc removed its own state. Make sure of both.
      await this.#removeAll(o.id, bundle).catch(() => {});
      if (newLog) await rm(o.logPath, { force: true });
      throw e;
    }
  }

  async start(id: string): Promise<void> {
    this.#dir(id);
    const state = this.#isRunc ? await this.#runcState(id) : undefined;
    if (state && (await startViaExecFifo(this.#runcRoot, id, state))) return;
    await runc(this.#paths.runc, ["start", id]);
  }

  async kill(id: string, signal: number | string, all = false): Promise<void> {
    this.#dir(id);
    const sig = parseSignal(signal);
    if (all) {
      await runc(this.#paths.runc, ["kill", "--all", id, String(sig)]);
      return;
    }
    // signalling the init pid ourselves saves spawning `runc kill` (what it does for one process)
    const state = await this.#runcState(id);
    if (!state) throw notFound(`container ${id} does not exist`);
    if (!(await isProcessAlive(state.pid, state.startTime))) throw conflict(`container ${id} is not running`);
    // started (no exec.fifo left) but maybe not yet the user's program
    if (this.#isRunc && !existsSync(join(this.#runcRoot, id, "exec.fifo"))) await untilExeced(state.pid);
    try {
      process.kill(state.pid, sig);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ESRCH") throw conflict(`container ${id} is not running`, e);
      throw e;
    }
  }

  async pause(id: string): Promise<void> {
    this.#dir(id);
    await runc(this.#paths.runc, ["pause", id]);
  }

  async resume(id: string): Promise<void> {
    this.#dir(id);
    await runc(this.#paths.runc, ["resume", id]);
  }

  async update(id: string, resources: ResourcesInput): Promise<void> {
    this.#dir(id);
    await runc(this.#paths.runc, ["update", ...updateFlags(resources), id]);
  }

  async delete(id: string): Promise<void> {
    const dir = this.#dir(id);
    const hub = await this.#hubs.get(id)?.catch(() => undefined);
    this.#hubs.delete(id);
    this.#specs.delete(id);
    try {
      // deleted already (at its exit, before a removal): nothing left to look at
      if (![dir, join(this.#runcRoot, id), join(this.#exitsDir, id)].some((p) => existsSync(p))) return;
      const bundle = await readlink(join(dir, "bundle")).catch(() => undefined);
      await this.#removeAll(id, bundle, hub);
    } finally {
      hub?.end();
    }
  }

  async spec(id: string): Promise<OciSpec> {
    const known = this.#specs.get(id);
    if (known) return known;
    // a container an earlier daemon started: its config.json, read once
    const spec = JSON.parse(await readFile(join(await this.#bundle(id), "config.json"), "utf8")) as OciSpec;
    this.#specs.set(id, spec);
    return spec;
  }

  /** runc state (killing what still runs), then conmon's files once conmon has gone. */
  async #removeAll(id: string, bundle: string | undefined, hub?: AttachHub): Promise<void> {
    const dir = join(this.#containersDir, id);
    // conmon writes the exit file after the process dies: its files go once it has gone, which
    // it usually has by now; runc's state goes meanwhile
    await Promise.all([
      this.#deleteRuncState(id),
      // conmon closed its attach connection as it went: what it sent last is handed on first
      this.#waitConmonGone(dir).then(() => hub && untilEnded(hub, 1000)),
    ]);
    this.#conmons.delete(id);
    this.#exits.settle(id, await this.#exits.read(id), notFound(`container ${id} was deleted before it ran`));
    await Promise.all([
      this.#discard(dir),
      rm(join(this.#exitsDir, id), { force: true }),
      ...(bundle
        ? ["attach", "ctl", "winsz", "config.json"].map((f) => rm(join(bundle, f), { force: true }))
        : []),
    ]);
  }

  async #deleteRuncState(id: string): Promise<void> {
    if (!existsSync(join(this.#runcRoot, id))) return;
    const state = this.#isRunc ? await this.#runcState(id) : undefined;
    if (!state || !(await deleteStopped(this.#runcRoot, id, state))) {
      await runc(this.#paths.runc, ["delete", "--force", id]).catch((e) => {
        if (!isKind(e, "not_found")) throw e;
      });
    }
    this.#states.delete(id);
  }

  /** Moves a container's folder out of the way at once; its files go in the background. */
  async #discard(dir: string): Promise<void> {
    const gone = join(this.#removedDir, `${basename(dir)}-${randomBytes(4).toString("hex")}`);
    try {
      await rename(dir, gone);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      await rm(dir, { recursive: true, force: true });
      return;
    }
    rm(gone, { recursive: true, force: true }).catch(() => {});
  }

  /** runc's state.json (about 30 kB: it repeats the whole config), read once per container */
  async #runcState(id: string): Promise<RuncState | undefined> {
    const known = this.#states.get(id);
    if (known) return known;
    const state = await readRuncState(this.#runcRoot, id);
    if (state) this.#states.set(id, state);
    return state;
  }

  async #waitConmonGone(dir: string, timeoutMs = 5000): Promise<void> {
    const pid = await conmonPid(dir);
    if (!pid) return;
    const deadline = Date.now() + timeoutMs;
    // it is usually on its way out already (the exit file is its last act): look again soon
    while ((await this.#isConmon(pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
  }

  exitStatus(id: string): Promise<ExitRecord | undefined> {
    this.#dir(id);
    return this.#exits.read(id);
  }

  async waitExit(id: string, signal?: AbortSignal): Promise<ExitRecord> {
    const dir = this.#dir(id);
    if (!existsSync(dir)) {
      const rec = await this.#exits.read(id);
      if (rec) return rec;
      throw notFound(`container ${id} does not exist`);
    }
    return this.#exits.wait(id, signal);
  }

  /**
   * For a waited container without an exit file: if its conmon is gone and its process too,
   * nothing will ever write one; record Docker's 255 so every reader agrees.
   */
  async #lostExit(id: string): Promise<ExitRecord | undefined> {
    // the common answer, "its conmon lives", costs one kill(pid, 0) and no file: this runs every
    // second for every running container. Its identity (not a recycled pid) is checked once.
    const known = this.#conmons.get(id);
    if (known && signalable(known)) return undefined;
    this.#conmons.delete(id);
    const pid = await conmonPid(join(this.#containersDir, id));
    if (pid && (await this.#isConmon(pid))) {
      this.#conmons.set(id, pid);
      return undefined;
    }
    const rec = await this.#exits.read(id);
    if (rec) return rec;
    const st = await taskStatus(this.#runcRoot, id);
    if (st && st.status !== "stopped") return undefined;
    await writeFile(join(this.#exitsDir, id), String(LOST_EXIT_CODE));
    return this.#exits.read(id);
  }

  state(id: string) {
    this.#dir(id);
    return taskStatus(this.#runcRoot, id);
  }

  async attach(id: string): Promise<AttachSession> {
    for (;;) {
      let hub = this.#hubs.get(id);
      if (!hub) {
        const opening: Promise<AttachHub> = this.#bundle(id).then((bundle) =>
          AttachHub.open(bundle, existsSync(join(this.#dir(id), STDIN_ONCE)), () => {
            if (this.#hubs.get(id) === opening) this.#hubs.delete(id);
          }),
        );
        hub = opening;
        this.#hubs.set(id, hub);
        hub.catch(() => this.#hubs.get(id) === opening && this.#hubs.delete(id));
      }
      const h = await hub;
      // it ended meanwhile (the container exited): a restarted container gets a new one
      if (!h.ended) return h.session();
      if (this.#hubs.get(id) === hub) this.#hubs.delete(id);
    }
  }

  async resize(id: string, height: number, width: number): Promise<void> {
    await writeCtl(await this.#bundle(id), height, width);
  }

  /** The bundle folder: the one the `bundle` link names, else the container's own folder. */
  async #bundle(id: string): Promise<string> {
    const dir = this.#dir(id);
    try {
      return await readlink(join(dir, "bundle"));
    } catch (e) {
      if (existsSync(join(dir, "config.json"))) return dir;
      throw notFound(`container ${id} does not exist`, e);
    }
  }

  execComing(_id: string): void {
    // its process joins the container's cgroups: the same kernel wait as runc's at a start
    warmUpCgroupMigration();
  }

  async exec(id: string, o: ExecOptions): Promise<ExecTask> {
    const dir = this.#dir(id);
    if (!existsSync(dir)) throw notFound(`container ${id} does not exist`);
    // the common case in the host helper (exec-native.ts); the rest, and crun, through runc
    if (this.#isRunc && !o.tty && !o.detach) {
      const [spec, state] = await Promise.all([this.spec(id).catch(() => undefined), this.#runcState(id)]);
      // a container that is not running: runc says so in its words
      const req =
        spec && state && (await isProcessAlive(state.pid, state.startTime))
          ? nativeExecRequest(id, spec, state, o.process, o)
          : undefined;
      if (req) return execNative(hostHelper(), req);
    }
    const session = join(dir, "exec", randomBytes(6).toString("hex"));
    return execProcess(this.#paths, id, session, o);
  }

  async pids(id: string): Promise<number[]> {
    this.#dir(id);
    const state = await this.#runcState(id);
    if (!state) throw notFound(`container ${id} does not exist`);
    return cgroupPids(state.cgroupPaths);
  }

  async list(): Promise<string[]> {
    const [mine, runcs] = await Promise.all([
      readdir(this.#containersDir).catch(() => []),
      readdir(this.#runcRoot).catch(() => []),
    ]);
    return [...new Set([...mine, ...runcs])].filter((id) => ID.test(id)).sort();
  }

  async info(): Promise<RuntimeInfo> {
    const version = (path: string) =>
      new Promise<string>((resolve, reject) => {
        execFile(path, ["--version"], { timeout: 5000 }, (err, stdout) => {
          if (err) reject(unavailable(`${path} is missing or does not run: ${err.message}`, err));
          else resolve(/version\s+(\S+)/.exec(stdout)?.[1] ?? stdout.trim());
        });
      });
    const [runtimeVersion, conmonVersion] = await Promise.all([
      version(this.#paths.runc.path),
      version(this.#paths.conmon),
    ]);
    return {
      runtimeName: this.#runtimeName,
      runtimePath: this.#paths.runc.path,
      runtimeVersion,
      conmonPath: this.#paths.conmon,
      conmonVersion,
    };
  }

  close(): void {
    this.#exits.close();
  }

  /** Alive and still our conmon, not a recycled pid (comm is the binary name, cut to 15). */
  async #isConmon(pid: number): Promise<boolean> {
    if (!(await isProcessAlive(pid))) return false;
    const comm = readFileOr(`/proc/${pid}/comm`);
    return comm.trim() === basename(this.#paths.conmon).slice(0, 15);
  }
}

/** kill(pid, 0): the process (or its zombie) still exists */
function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Waits for a hub's connection to end, at most `ms`. */
async function untilEnded(hub: AttachHub, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([hub.untilEnded(), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/** A small file read in place (a pid, a command name), or "" when it cannot be read. */
function readFileOr(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

async function conmonPid(dir: string): Promise<number | undefined> {
  const text = readFileOr(join(dir, "conmon.pid"));
  const pid = Number.parseInt(text, 10);
  return pid > 0 ? pid : undefined;
}
