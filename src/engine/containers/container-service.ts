import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { conflict, invalid, KapselError, messageOf, notModified } from "../../lib/errors.ts";
import { newId, shortId } from "../../lib/ids.ts";
import { KeyedLock } from "../../lib/keyed-lock.ts";
import { parseSignal } from "../../lib/signals.ts";
import type { EventBus } from "../events/index.ts";
import type { ImageStore } from "../images/index.ts";
import type { AttachSession, Runtime } from "../runtime/index.ts";
import type { Storage } from "../storage/index.ts";
import { commandOf, mergeImageConfig, normalizeConfig } from "./config-merge.ts";
import { writeEtcFiles } from "./etc-files.ts";
import { normalizeHostConfig } from "./host-config.ts";
import {
  type ContainerRecord,
  type DockerConfig,
  type HostConfig,
  initialState,
  ZERO_TIME,
} from "./model.ts";
import { generateName, validateName } from "./names.ts";
import { buildContainerSpec } from "./spec-input.ts";
import { ContainerStore } from "./store.ts";
import { type WaitCondition, Waiters, type WaitResult } from "./waiters.ts";

export interface ContainerServiceDeps {
  /** <data-root>/containers */
  root: string;
  images: ImageStore;
  storage: Storage;
  runtime: Runtime;
  events: EventBus;
  log: (level: "debug" | "info" | "warn" | "error", msg: string) => void;
  /** the init binary for --init (catatonit or tini), when found */
  initPath?: string;
}

export interface CreateRequest extends Partial<DockerConfig> {
  HostConfig?: HostConfig;
  NetworkingConfig?: unknown;
}

const nowIso = () => new Date().toISOString();

/**
 * The container lifecycle: records, names and the state machine, over storage (rootfs) and
 * the runtime (processes under conmon). Operations on one container run one at a time.
 */
export class ContainerService {
  readonly store: ContainerStore;
  #deps: ContainerServiceDeps;
  #lock = new KeyedLock();
  #waiters = new Waiters();
  /** attach requests made before start, connected between runtime create and start */
  #pendingAttach = new Map<string, Array<(s: AttachSession | Error) => void>>();
  /** containers whose exit is being watched in this daemon */
  #watching = new Set<string>();
  /** containers stopped by the user: restart policies leave them alone */
  #stoppedByUser = new Set<string>();

  constructor(deps: ContainerServiceDeps) {
    this.#deps = deps;
    this.store = new ContainerStore(deps.root);
  }

  #event(rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.#deps.events.publish("container", action, rec.id, {
      ...rec.config.Labels,
      image: rec.image,
      name: rec.name,
      ...extra,
    });
  }

  // ---- create ------------------------------------------------------------------------------

  async create(body: CreateRequest, name?: string): Promise<{ Id: string; Warnings: string[] }> {
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw invalid("invalid JSON: expected an object");
    const config = normalizeConfig(body);
    if (!config.Image) throw invalid("No image specified");
    const hostConfig = normalizeHostConfig(body.HostConfig);
    const image = this.#deps.images.resolve(config.Image);
    const merged = mergeImageConfig(config, image.config.config ?? {});
    const { path, args } = commandOf(merged);
    const id = newId();
    const finalName = name ? validateName(name) : this.#uniqueName();
    if (!merged.Hostname) merged.Hostname = id.slice(0, 12);
    this.store.reserveName(finalName, id);
    const dir = this.store.dir(id);
    const rec: ContainerRecord = {
      id,
      name: finalName,
      created: nowIso(),
      image: config.Image,
      imageId: image.id,
      path,
      args,
      config: merged,
      hostConfig,
      state: initialState(),
      restartCount: 0,
      driver: this.#deps.storage.driver,
      logPath: join(dir, `${id}-json.log`),
      hostnamePath: join(dir, "hostname"),
      hostsPath: join(dir, "hosts"),
      resolvConfPath: join(dir, "resolv.conf"),
    };
    try {
      mkdirSync(dir, { recursive: true });
      await this.#deps.storage.createRw(id, this.#deps.images.topLayer(image.id));
      this.#writeEtc(rec);
      this.store.save(rec);
    } catch (err) {
      // nothing half-made: no record, no layer, no name
      await this.#deps.storage.removeRw(id).catch(() => {});
      this.store.delete(rec);
      throw err;
    }
    this.#event(rec, "create");
    return { Id: id, Warnings: [] };
  }

  #uniqueName(): string {
    for (;;) {
      const n = generateName();
      if (!this.store.find(n)) return n;
    }
  }

  #writeEtc(rec: ContainerRecord): void {
    const hc = rec.hostConfig;
    writeEtcFiles(
      { hostname: rec.hostnamePath, hosts: rec.hostsPath, resolvConf: rec.resolvConfPath },
      {
        hostname: rec.config.Hostname,
        domainname: rec.config.Domainname,
        networkMode: hc.NetworkMode ?? "bridge",
        extraHosts: hc.ExtraHosts ?? [],
        dns: hc.Dns ?? [],
        dnsSearch: hc.DnsSearch ?? [],
        dnsOptions: hc.DnsOptions ?? [],
      },
    );
  }

  // ---- start and exit ----------------------------------------------------------------------

  start(ref: string): Promise<void> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, () => this.#start(rec));
  }

  async #start(rec: ContainerRecord): Promise<void> {
    if (rec.state.Paused) throw conflict("cannot start a paused container, try unpause instead");
    if (rec.state.Running) throw notModified();
    if (rec.state.Status === "removing" || rec.state.Dead)
      throw conflict(`container ${rec.id} is marked for removal and cannot be started`);
    this.#stoppedByUser.delete(rec.id);
    const { runtime, storage } = this.#deps;
    await runtime.delete(rec.id).catch(() => {}); // the previous run's state, if any
    let created = false;
    try {
      const rootfs = await storage.mount(rec.id);
      const spec = buildContainerSpec(rec, rootfs, { initPath: this.#deps.initPath });
      const bundle = join(this.store.dir(rec.id), "bundle");
      mkdirSync(bundle, { recursive: true });
      const { pid } = await runtime.create({
        id: rec.id,
        bundle,
        spec,
        logPath: rec.logPath,
        terminal: rec.config.Tty,
        stdin: rec.config.OpenStdin,
        stdinOnce: rec.config.StdinOnce,
      });
      created = true;
      await this.#connectPendingAttaches(rec.id);
      await runtime.start(rec.id);
      rec.state = {
        ...rec.state,
        Status: "running",
        Running: true,
        Paused: false,
        Restarting: false,
        Dead: false,
        OOMKilled: false,
        Pid: pid,
        ExitCode: 0,
        Error: "",
        StartedAt: nowIso(),
        FinishedAt: rec.state.FinishedAt,
      };
      this.store.save(rec);
    } catch (err) {
      this.#failPendingAttaches(rec.id, err as Error);
      if (created) await runtime.delete(rec.id).catch(() => {});
      await storage.unmount(rec.id).catch(() => {});
      const startErr = this.#startError(rec, err);
      // Docker removes an --rm container whose start failed; `run --rm` waits for that
      if (rec.hostConfig.AutoRemove) await this.#remove(rec, { force: true, volumes: true }).catch(() => {});
      throw startErr;
    }
    this.#event(rec, "start");
    this.#watchExit(rec);
  }

  /** Docker's translation of a runtime start failure: 127/126 exit codes and a 400 for a bad command. */
  #startError(rec: ContainerRecord, err: unknown): Error {
    const msg = messageOf(err);
    const lower = msg.toLowerCase();
    let exitCode = 128;
    let kind: "invalid" | "internal" = "internal";
    if (err instanceof KapselError && err.kind !== "internal")
      kind = err.kind === "invalid" ? "invalid" : "internal";
    if (
      lower.includes("executable file not found") ||
      lower.includes("no such file or directory") ||
      lower.includes("cannot find the file")
    ) {
      exitCode = 127;
      kind = "invalid";
    } else if (lower.includes("permission denied")) {
      exitCode = 126;
      kind = "invalid";
    }
    rec.state = { ...rec.state, Status: "created", Running: false, Pid: 0, ExitCode: exitCode, Error: msg };
    if (rec.state.StartedAt !== ZERO_TIME) rec.state.Status = "exited";
    this.store.save(rec);
    if (err instanceof KapselError && err.kind === "invalid") return err;
    const wrapped = msg.startsWith("failed to create task")
      ? msg
      : `failed to create task for container: ${msg}`;
    return new KapselError(kind, wrapped, { cause: err });
  }

  #watchExit(rec: ContainerRecord): void {
    if (this.#watching.has(rec.id)) return;
    this.#watching.add(rec.id);
    this.#deps.runtime
      .waitExit(rec.id)
      .then((exit) => this.#lock.run(rec.id, () => this.#onExit(rec.id, exit.exitCode, exit.finishedAt)))
      .catch((err) => this.#deps.log("error", `watching ${shortId(rec.id)}: ${messageOf(err)}`))
      .finally(() => this.#watching.delete(rec.id));
  }

  async #onExit(id: string, exitCode: number, finishedAt: Date): Promise<void> {
    const rec = this.store.find(id);
    if (!rec?.state.Running) return;
    rec.state = {
      ...rec.state,
      Status: "exited",
      Running: false,
      Paused: false,
      Pid: 0,
      ExitCode: exitCode,
      FinishedAt: finishedAt.toISOString(),
    };
    this.store.save(rec);
    await this.#deps.runtime.delete(id).catch(() => {});
    await this.#deps.storage.unmount(id).catch(() => {});
    this.#event(rec, "die", { exitCode: String(exitCode) });
    this.#waiters.exited(id, exitCode);
    if (rec.hostConfig.AutoRemove) {
      await this.#remove(rec, { force: true, volumes: true }).catch((err) =>
        this.#deps.log("error", `auto-removing ${shortId(id)}: ${messageOf(err)}`),
      );
      return;
    }
    if (this.#shouldRestart(rec)) {
      rec.restartCount++;
      const delay = Math.min(100 * 2 ** Math.min(rec.restartCount - 1, 10), 60_000);
      setTimeout(() => {
        if (this.store.find(id) && !this.#stoppedByUser.has(id)) {
          this.#lock
            .run(id, () => this.#start(rec))
            .catch((err) => this.#deps.log("warn", `restarting ${shortId(id)}: ${messageOf(err)}`));
        }
      }, delay).unref();
    }
  }

  #shouldRestart(rec: ContainerRecord): boolean {
    if (this.#stoppedByUser.has(rec.id)) return false;
    const policy = rec.hostConfig.RestartPolicy ?? { Name: "no" };
    switch (policy.Name) {
      case "always":
      case "unless-stopped":
        return true;
      case "on-failure":
        return (
          rec.state.ExitCode !== 0 &&
          (!policy.MaximumRetryCount || rec.restartCount < policy.MaximumRetryCount)
        );
      default:
        return false;
    }
  }

  // ---- stop, kill, restart, pause ----------------------------------------------------------

  stop(ref: string, o: { timeout?: number; signal?: string }): Promise<void> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, () => this.#stop(rec, o));
  }

  async #stop(rec: ContainerRecord, o: { timeout?: number; signal?: string }): Promise<void> {
    if (!rec.state.Running) throw notModified();
    this.#stoppedByUser.add(rec.id);
    const signal = parseSignal(o.signal || rec.config.StopSignal || "SIGTERM");
    const timeout = o.timeout ?? rec.config.StopTimeout ?? 10;
    const { runtime } = this.#deps;
    if (rec.state.Paused) await runtime.resume(rec.id).catch(() => {});
    const exited = runtime.waitExit(rec.id);
    if (timeout !== 0) {
      await this.#signal(rec, signal);
    }
    const inTime = timeout < 0 ? await exited.then(() => true) : await raceTimeout(exited, timeout * 1000);
    if (!inTime) {
      await this.#signal(rec, 9);
      await exited;
    }
    await this.#onExit(rec.id, (await runtime.exitStatus(rec.id))?.exitCode ?? 137, new Date());
    this.#event(rec, "stop");
  }

  async #signal(rec: ContainerRecord, signal: number): Promise<void> {
    this.#event(rec, "kill", { signal: String(signal) });
    await this.#deps.runtime.kill(rec.id, signal).catch((err) => {
      // the process may have exited between the check and the signal
      if (!/not running|does not exist|process already finished/i.test(messageOf(err))) throw err;
    });
  }

  kill(ref: string, signalName?: string): Promise<void> {
    const rec = this.store.get(ref);
    const signal = parseSignal(signalName || "SIGKILL");
    return this.#lock.run(rec.id, async () => {
      if (!rec.state.Running)
        throw conflict(`cannot kill container: ${rec.name}: container ${rec.id} is not running`);
      if (signal === 9 || signal === 15 || signal === 2) this.#stoppedByUser.add(rec.id);
      if (rec.state.Paused && signal === 9) await this.#deps.runtime.resume(rec.id).catch(() => {});
      await this.#signal(rec, signal);
      if (signal === 9) {
        const exit = await this.#deps.runtime.waitExit(rec.id);
        await this.#onExit(rec.id, exit.exitCode, exit.finishedAt);
      }
    });
  }

  restart(ref: string, o: { timeout?: number; signal?: string }): Promise<void> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, async () => {
      if (rec.state.Running) await this.#stop(rec, o);
      await this.#start(rec);
      this.#event(rec, "restart");
    });
  }

  pause(ref: string): Promise<void> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, async () => {
      if (!rec.state.Running) throw conflict(`container ${rec.id} is not running`);
      if (rec.state.Paused) throw conflict(`container ${rec.id} is already paused`);
      await this.#deps.runtime.pause(rec.id);
      rec.state = { ...rec.state, Status: "paused", Paused: true };
      this.store.save(rec);
      this.#event(rec, "pause");
    });
  }

  unpause(ref: string): Promise<void> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, async () => {
      if (!rec.state.Paused) throw conflict(`container ${rec.id} is not paused`);
      await this.#deps.runtime.resume(rec.id);
      rec.state = { ...rec.state, Status: "running", Paused: false };
      this.store.save(rec);
      this.#event(rec, "unpause");
    });
  }

  // ---- wait, remove, rename, prune ---------------------------------------------------------

  async wait(ref: string, condition: WaitCondition, signal?: AbortSignal): Promise<WaitResult> {
    const rec = this.store.get(ref);
    if (condition === "not-running" && !rec.state.Running) {
      return { StatusCode: rec.state.ExitCode, Error: rec.state.Error ? { Message: rec.state.Error } : null };
    }
    return this.#waiters.add(rec.id, condition, signal);
  }

  remove(ref: string, o: { force: boolean; volumes: boolean }): Promise<void> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, () => this.#remove(rec, o));
  }

  async #remove(rec: ContainerRecord, o: { force: boolean; volumes: boolean }): Promise<void> {
    if (!this.store.find(rec.id)) return;
    if (rec.state.Running) {
      if (!o.force) {
        const what = rec.state.Paused ? "container is paused" : "container is running";
        throw conflict(
          `cannot remove container "/${rec.name}": ${what}: stop the container before removing or force remove`,
        );
      }
      this.#stoppedByUser.add(rec.id);
      if (rec.state.Paused) await this.#deps.runtime.resume(rec.id).catch(() => {});
      await this.#signal(rec, 9);
      const exit = await this.#deps.runtime.waitExit(rec.id);
      await this.#onExit(rec.id, exit.exitCode, exit.finishedAt);
      if (!this.store.find(rec.id)) return; // auto-removed on exit
    }
    rec.state = { ...rec.state, Status: "removing" };
    await this.#deps.runtime.delete(rec.id).catch(() => {});
    await this.#deps.storage.removeRw(rec.id);
    this.store.delete(rec);
    this.#event(rec, "destroy");
    this.#waiters.removed(rec.id, rec.state.ExitCode);
  }

  rename(ref: string, newName: string): Promise<void> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, async () => {
      if (!newName) throw invalid("Neither old nor new names may be empty");
      const name = validateName(newName);
      if (name === rec.name) throw conflict(`Renaming a container with the same name as its current name`);
      const old = rec.name;
      this.store.reserveName(name, rec.id);
      rec.name = name;
      this.store.save(rec);
      this.store.releaseName(old, rec.id);
      this.#event(rec, "rename", { oldName: `/${old}` });
    });
  }

  async prune(
    filters: Map<string, string[]>,
  ): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    const deleted: string[] = [];
    let space = 0;
    for (const rec of this.store.all()) {
      if (rec.state.Running || rec.state.Status === "removing") continue;
      if (!matchesPruneFilters(rec, filters)) continue;
      space += await this.#deps.storage.rwSize(rec.id).catch(() => 0);
      await this.remove(rec.id, { force: false, volumes: false });
      deleted.push(rec.id);
    }
    this.#deps.events.publish("container", "prune", "", { reclaimed: String(space) });
    return { ContainersDeleted: deleted, SpaceReclaimed: space };
  }

  // ---- attach ------------------------------------------------------------------------------

  /**
   * A live attach session. Before the container starts, the request waits and is connected
   * right after the runtime creates the process, so the first output is not lost.
   */
  async attach(ref: string): Promise<{ rec: ContainerRecord; session: Promise<AttachSession> }> {
    const rec = this.store.get(ref);
    if (rec.state.Running) return { rec, session: this.#deps.runtime.attach(rec.id) };
    if (rec.state.Status !== "created" && rec.state.Status !== "exited") {
      throw conflict(`You cannot attach to a stopped container, start it first`);
    }
    const session = new Promise<AttachSession>((resolve, reject) => {
      const list = this.#pendingAttach.get(rec.id) ?? [];
      list.push((s) => (s instanceof Error ? reject(s) : resolve(s)));
      this.#pendingAttach.set(rec.id, list);
    });
    return { rec, session };
  }

  async #connectPendingAttaches(id: string): Promise<void> {
    const list = this.#pendingAttach.get(id);
    if (!list) return;
    this.#pendingAttach.delete(id);
    for (const deliver of list) {
      try {
        deliver(await this.#deps.runtime.attach(id));
      } catch (err) {
        deliver(err as Error);
      }
    }
  }

  #failPendingAttaches(id: string, err: Error): void {
    const list = this.#pendingAttach.get(id);
    this.#pendingAttach.delete(id);
    for (const deliver of list ?? []) deliver(err);
  }

  /** Drops an attach request that was waiting for start (the client went away). */
  cancelPendingAttach(id: string): void {
    this.#pendingAttach.delete(id);
  }

  attachEvent(rec: ContainerRecord, action: "attach" | "detach"): void {
    this.#event(rec, action);
  }

  async resize(ref: string, height: number, width: number): Promise<void> {
    const rec = this.store.get(ref);
    if (!rec.state.Running) throw conflict(`cannot resize container ${rec.id}: container is not running`);
    await this.#deps.runtime.resize(rec.id, height, width);
  }

  // ---- start-up and shutdown ---------------------------------------------------------------

  /**
   * Brings records and the runtime back in line after a restart or crash of the daemon: a
   * container that exited meanwhile gets its exit code; a running one is watched again.
   */
  async reconcile(): Promise<void> {
    const recs = this.store.load((m) => this.#deps.log("warn", m));
    await Promise.all(
      recs.map(async (rec) => {
        if (rec.state.Status === "removing") {
          await this.#remove(rec, { force: true, volumes: false }).catch(() => {});
          return;
        }
        if (!rec.state.Running) return;
        const state = await this.#deps.runtime.state(rec.id).catch(() => undefined);
        if (state && state.status !== "stopped") {
          const paused = state.status === "paused";
          rec.state = { ...rec.state, Status: paused ? "paused" : "running", Paused: paused, Pid: state.pid };
          this.store.save(rec);
          this.#watchExit(rec);
          return;
        }
        const exit = await this.#deps.runtime.exitStatus(rec.id);
        await this.#onExit(rec.id, exit?.exitCode ?? 255, exit?.finishedAt ?? new Date());
      }),
    );
    for (const rec of this.store.all()) {
      const policy = rec.hostConfig.RestartPolicy?.Name;
      if (
        !rec.state.Running &&
        (policy === "always" || (policy === "unless-stopped" && rec.state.Status !== "exited"))
      ) {
        await this.start(rec.id).catch((err) =>
          this.#deps.log("warn", `restarting ${shortId(rec.id)}: ${messageOf(err)}`),
        );
      }
    }
  }

  /** A container using the image (a running one first), for rmi's refusal. */
  imageUser(imageId: string): { containerId: string; running: boolean } | undefined {
    const users = this.store.all().filter((r) => r.imageId === imageId);
    const rec = users.find((r) => r.state.Running) ?? users[0];
    return rec ? { containerId: rec.id, running: rec.state.Running } : undefined;
  }

  logDirExists(rec: ContainerRecord): boolean {
    return existsSync(rec.logPath);
  }
}

function raceTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    p.then(
      () => {
        clearTimeout(t);
        resolve(true);
      },
      () => {
        clearTimeout(t);
        resolve(true);
      },
    );
  });
}

function matchesPruneFilters(rec: ContainerRecord, filters: Map<string, string[]>): boolean {
  for (const [key, values] of filters) {
    for (const v of values) {
      if (key === "until") {
        const limit = parseUntil(v);
        if (Date.parse(rec.created) >= limit) return false;
      } else if (key === "label" || key === "label!") {
        const [k, val] = v.split("=", 2);
        const has = val === undefined ? k in rec.config.Labels : rec.config.Labels[k] === val;
        if (key === "label" ? !has : has) return false;
      } else {
        throw invalid(`invalid filter '${key}'`);
      }
    }
  }
  return true;
}

/** `until` in prune filters: a timestamp, unix seconds, or a duration ago (10m, 1h30m). */
export function parseUntil(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const d = /^(\d+h)?(\d+m)?(\d+(\.\d+)?s)?$/.exec(v);
  if (d && v !== "") {
    const ms =
      (Number.parseFloat(d[1] ?? "0") * 3600 +
        Number.parseFloat(d[2] ?? "0") * 60 +
        Number.parseFloat(d[3] ?? "0")) *
      1000;
    return Date.now() - ms;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalid(`failed to parse value as time or duration: "${v}"`);
  return t;
}
