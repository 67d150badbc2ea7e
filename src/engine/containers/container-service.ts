import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import {
  conflict,
  internal,
  invalid,
  KapselError,
  messageOf,
  notFound,
  notModified,
} from "../../lib/errors.ts";
import { newId, shortId } from "../../lib/ids.ts";
import { KeyedLock } from "../../lib/keyed-lock.ts";
import { parseSignal } from "../../lib/signals.ts";
import type { EventBus } from "../events/index.ts";
import { checkImagePlatform, type ImageStore } from "../images/index.ts";
import { LogRotator } from "../logs/index.ts";
import type { NetworkContainer, NetworkService } from "../network/index.ts";
import type { AttachSession, Runtime, SeccompProfile } from "../runtime/index.ts";
import type { Change, Storage } from "../storage/index.ts";
import { commandOf, mergeImageConfig, normalizeConfig } from "./config-merge.ts";
import {
  type AttachedNetwork,
  ContainerNetworking,
  NETWORK_SETUP_ERROR,
  type NetworkView,
} from "./container-network.ts";
import { applyUpdate, type UpdateRequest } from "./container-update.ts";
import { ContainerVolumes, type VolumeAccess } from "./container-volumes.ts";
import { type EtcOptions, updateHostsFile, updateResolvConf, writeEtcFiles } from "./etc-files.ts";
import {
  type BlkioSupport,
  blkioSupport,
  checkNetworkMode,
  checkResources,
  normalizeHostConfig,
} from "./host-config.ts";
import { withoutInitLayer } from "./init-layer.ts";
import { parseLink } from "./legacy-links.ts";
import { type LogConfig, logLimits, logRotation } from "./log-options.ts";
import {
  type ContainerRecord,
  type DockerConfig,
  type EndpointConfig,
  type HostConfig,
  initialState,
  ZERO_TIME,
} from "./model.ts";
import { generateName, validateName } from "./names.ts";
import { pruneFilter } from "./prune-filter.ts";
import { nextBackoff, shouldRestart } from "./restart-policy.ts";
import { buildContainerSpec } from "./spec-input.ts";
import { ContainerStore } from "./store.ts";
import { type TopResult, topProcesses } from "./top.ts";
import { type WaitCondition, Waiters, type WaitResult } from "./waiters.ts";

export interface ContainerServiceDeps {
  /** <data-root>/containers */
  root: string;
  images: ImageStore;
  storage: Storage;
  runtime: Runtime;
  /** plugs containers into networks; see container-network.ts */
  network: NetworkService;
  events: EventBus;
  log: (level: "debug" | "info" | "warn" | "error", msg: string) => void;
  /** the init binary for --init (catatonit or tini), when found */
  initPath?: string;
  /** named and anonymous volumes (the volumes domain) */
  volumes?: VolumeAccess;
  /** the OCI runtime every container runs with (dockerd's --default-runtime); default runc */
  runtimeName?: string;
  /** dockerd's --seccomp-profile for containers that name none: undefined is Docker's default */
  seccomp?: SeccompProfile | "unconfined";
  /** dockerd's --log-driver and --log-opt, for containers that name none */
  logConfig?: LogConfig;
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
  #net: ContainerNetworking;
  #vols: ContainerVolumes;
  #lock = new KeyedLock();
  /** the host's blkio cgroup files, looked at on the first create */
  #blkio?: BlkioSupport;
  #waiters = new Waiters();
  /** attach requests made before start, connected between runtime create and start */
  #pendingAttach = new Map<string, Array<(s: AttachSession | Error) => void>>();
  /** the run being watched per container (see #watchExit) */
  #runs = new Map<string, number>();
  /** containers stopped by the user: restart policies leave them alone */
  #stoppedByUser = new Set<string>();
  /** restart policies' pending restarts, by container id */
  #restartTimers = new Map<string, NodeJS.Timeout>();
  /** the restart back-off per container (Docker's: 100 ms doubling to 1 min) */
  #backoff = new Map<string, number>();

  constructor(deps: ContainerServiceDeps) {
    this.#deps = deps;
    this.store = new ContainerStore(deps.root);
    this.#net = new ContainerNetworking({ network: deps.network, store: this.store });
    this.#vols = new ContainerVolumes({
      volumes: deps.volumes,
      store: this.store,
      log: deps.log,
      // <data-root>/volume-subpaths, beside the containers' folders
      stagingRoot: join(dirname(deps.root), "volume-subpaths"),
    });
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

  async create(
    body: CreateRequest,
    name?: string,
    o: { platform?: string } = {},
  ): Promise<{ Id: string; Warnings: string[] }> {
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw invalid("invalid JSON: expected an object");
    const config = normalizeConfig(body);
    if (!config.Image) throw invalid("No image specified");
    const hostConfig = normalizeHostConfig(body.HostConfig, {
      runtime: this.#deps.runtimeName ?? "runc",
      log: this.#deps.logConfig,
    });
    checkNetworkMode(config, hostConfig);
    const image = this.#deps.images.resolve(config.Image);
    if (o.platform) checkImagePlatform(image, config.Image, o.platform);
    const merged = mergeImageConfig(config, image.config.config ?? {});
    const { path, args } = commandOf(merged);
    const id = newId();
    const finalName = name ? validateName(name) : this.#uniqueName();
    merged.Hostname = this.#net.defaultHostname(merged, hostConfig, id);
    if (typeof body.MacAddress === "string" && body.MacAddress) merged.MacAddress = body.MacAddress;
    const networks = this.#net.planCreate({
      name: finalName,
      hostConfig,
      networkingConfig: body.NetworkingConfig,
    });
    const mounts = this.#vols.plan(merged, hostConfig);
    const logs = logLimits(hostConfig.LogConfig?.Type ?? "json-file", hostConfig.LogConfig?.Config ?? {});
    const warnings = [...checkResources(hostConfig, (this.#blkio ??= blkioSupport())), ...logs.warnings];
    const published = Object.values(hostConfig.PortBindings ?? {}).some((b) => b && b.length > 0);
    if (hostConfig.NetworkMode === "host" && (published || hostConfig.PublishAllPorts))
      warnings.push("Published ports are discarded when using host network mode");
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
      networks,
      mounts,
    };
    try {
      await this.#vols.create(mounts);
      // on the thread pool: an inode allocation may wait on the disk (many starts at once)
      await mkdir(dir, { recursive: true });
      // the etc files are written while storage makes the layer (its calls wait on the disk)
      const layer = this.#deps.storage.createRw(id, this.#deps.images.topLayer(image.id));
      try {
        await this.#writeEtc(rec);
      } finally {
        await layer;
      }
      await this.store.save(rec);
    } catch (err) {
      // nothing half-made: no record, no layer, no name, no anonymous volume
      await this.#deps.storage.removeRw(id).catch(() => {});
      await this.#vols.removeAnonymous(rec);
      await this.store.delete(rec);
      throw err;
    }
    this.#event(rec, "create");
    return { Id: id, Warnings: warnings };
  }

  #uniqueName(): string {
    for (;;) {
      const n = generateName();
      if (!this.store.find(n)) return n;
    }
  }

  #writeEtc(rec: ContainerRecord, net: AttachedNetwork["etc"] = {}): Promise<void> {
    return writeEtcFiles(
      { hostname: rec.hostnamePath, hosts: rec.hostsPath, resolvConf: rec.resolvConfPath },
      this.#etcOptions(rec, net),
    );
  }

  #etcOptions(rec: ContainerRecord, net: AttachedNetwork["etc"]): EtcOptions {
    const hc = rec.hostConfig;
    return {
      hostname: rec.config.Hostname,
      domainname: rec.config.Domainname,
      networkMode: hc.NetworkMode ?? "bridge",
      extraHosts: hc.ExtraHosts ?? [],
      dns: hc.Dns ?? [],
      dnsSearch: hc.DnsSearch ?? [],
      dnsOptions: hc.DnsOptions ?? [],
      ...net,
    };
  }

  // ---- start and exit ----------------------------------------------------------------------

  start(ref: string): Promise<void> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, () => this.#start(rec, "user"));
  }

  /**
   * Starts the container's process. A start by the user (start, restart) resets the restart
   * count and back-off, as Docker does; a restart policy's start does not.
   */
  async #start(rec: ContainerRecord, by: "user" | "policy"): Promise<void> {
    if (rec.state.Paused) throw conflict("cannot start a paused container, try unpause instead");
    if (rec.state.Running && !(by === "policy" && rec.state.Restarting)) throw notModified();
    if (rec.state.Status === "removing" || rec.state.Dead)
      throw conflict(`container ${rec.id} is marked for removal and cannot be started`);
    this.#stoppedByUser.delete(rec.id);
    if (by === "user") {
      rec.restartCount = 0;
      this.#backoff.delete(rec.id);
    }
    const { runtime, storage } = this.#deps;
    await runtime.delete(rec.id).catch(() => {}); // the previous run's state, if any
    let created = false;
    try {
      // the network and the rootfs do not wait for each other; both settle before any cleanup
      const [netResult, rootfsResult] = await Promise.allSettled([
        this.#net.attach(rec),
        storage.mount(rec.id),
      ]);
      if (netResult.status === "rejected") throw netResult.reason;
      if (rootfsResult.status === "rejected") throw rootfsResult.reason;
      const net = netResult.value;
      const rootfs = rootfsResult.value;
      if (net.sharedWith) {
        // container:<x> shares x's hostname, hosts and resolv.conf, as Docker does
        rec.config.Hostname = net.sharedWith.config.Hostname;
        rec.config.Domainname = net.sharedWith.config.Domainname;
        rec.hostnamePath = net.sharedWith.hostnamePath;
        rec.hostsPath = net.sharedWith.hostsPath;
        rec.resolvConfPath = net.sharedWith.resolvConfPath;
      } else await this.#writeEtc(rec, net.etc);
      const mounts = await this.#vols.setup(rec, rootfs);
      const spec = buildContainerSpec(rec, rootfs, {
        initPath: this.#deps.initPath,
        seccomp: this.#deps.seccomp,
        network: net.namespace,
        env: net.env,
        mounts,
      });
      // the bundle is the runtime's own folder (under the exec root): nothing to make here
      const { pid } = await runtime.create({
        id: rec.id,
        spec,
        logPath: rec.logPath,
        logSizeMax: logRotation(rec.hostConfig.LogConfig).sizeMax,
        terminal: rec.config.Tty,
        stdin: rec.config.OpenStdin,
        stdinOnce: rec.config.StdinOnce,
      });
      created = true;
      await this.#vols.bound(rec.id);
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
      await this.store.save(rec);
    } catch (err) {
      this.#failPendingAttaches(rec.id, err as Error);
      if (created) await runtime.delete(rec.id).catch(() => {});
      await this.#vols.teardown(rec);
      await this.#net.release(rec).catch(() => {});
      await storage.unmount(rec.id).catch(() => {});
      const startErr = await this.#startError(rec, err);
      // Docker removes an --rm container whose start failed; `run --rm` waits for that
      if (rec.hostConfig.AutoRemove) await this.#remove(rec, { force: true, volumes: true }).catch(() => {});
      throw startErr;
    }
    this.#event(rec, "start");
    this.#watchExit(rec);
  }

  /** Docker's translation of a runtime start failure: 127/126 exit codes and a 400 for a bad command. */
  async #startError(rec: ContainerRecord, err: unknown): Promise<Error> {
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
    rec.state = {
      ...rec.state,
      Status: "created",
      Running: false,
      Restarting: false,
      Pid: 0,
      ExitCode: exitCode,
      Error: msg,
    };
    if (rec.state.StartedAt !== ZERO_TIME) rec.state.Status = "exited";
    await this.store.save(rec);
    if (err instanceof KapselError && err.kind === "invalid") return err;
    if (msg.startsWith(NETWORK_SETUP_ERROR) && err instanceof KapselError) return err;
    const wrapped = msg.startsWith("failed to create task")
      ? msg
      : `failed to create task for container: ${msg}`;
    return new KapselError(kind, wrapped, { cause: err });
  }

  /**
   * Watches the current run's exit. One watcher per run: a watcher left from an earlier run
   * (stop then start, within one restart) finds its run over and must not end the new one.
   */
  #watchExit(rec: ContainerRecord): void {
    const run = (this.#runs.get(rec.id) ?? 0) + 1;
    this.#runs.set(rec.id, run);
    // max-file: the files conmon's log rotation would lose are kept while it writes
    const { sizeMax, maxFiles } = logRotation(rec.hostConfig.LogConfig);
    const rotator = sizeMax && maxFiles > 1 ? new LogRotator(rec.logPath, maxFiles).start() : undefined;
    this.#deps.runtime
      .waitExit(rec.id)
      .then((exit) =>
        this.#lock.run(rec.id, async () => {
          rotator?.close();
          if (this.#runs.get(rec.id) === run) await this.#onExit(rec.id, exit.exitCode, exit.finishedAt);
        }),
      )
      .catch((err) => this.#deps.log("error", `watching ${shortId(rec.id)}: ${messageOf(err)}`));
  }

  /**
   * Records an exit and cleans up after the process. With `removing` (rm -f of a running
   * container) or --rm, the record is about to go: its exit is not written to disk (after a
   * crash first, the next start-up finds the process gone and finishes the job).
   */
  async #onExit(id: string, exitCode: number, finishedAt: Date, removing = false): Promise<void> {
    const rec = this.store.find(id);
    if (!rec?.state.Running || rec.state.Restarting) return;
    // Docker keeps a container that its policy restarts "running" (and "restarting") meanwhile
    const restart =
      !rec.hostConfig.AutoRemove &&
      !this.#stoppedByUser.has(id) &&
      shouldRestart(rec.hostConfig.RestartPolicy, exitCode, rec.restartCount);
    if (restart) rec.restartCount++;
    rec.state = {
      ...rec.state,
      Status: restart ? "restarting" : "exited",
      Running: restart,
      Restarting: restart,
      Paused: false,
      Pid: 0,
      ExitCode: exitCode,
      FinishedAt: finishedAt.toISOString(),
    };
    // the record, the runtime's state, the rootfs and the network (before a restart policy's
    // restart, too) go side by side: none waits for another, and all are idempotent, so a
    // crash halfway is finished by the next start-up's reconcile
    const goes = removing || rec.hostConfig.AutoRemove === true;
    // Docker reports the death first, then the network's disconnect and the rest
    this.#event(rec, "die", { exitCode: String(exitCode) });
    await Promise.all([
      goes ? undefined : this.store.save(rec),
      this.#deps.runtime
        .delete(id)
        .catch(() => {})
        .then(() => this.#vols.teardown(rec)),
      // a container about to go loses its rootfs now (#remove would only find it gone)
      (goes ? this.#deps.storage.removeRw(id) : this.#deps.storage.unmount(id)).catch(() => {}),
      this.#net
        .release(rec)
        .catch((err) => this.#deps.log("warn", `releasing the network of ${shortId(id)}: ${messageOf(err)}`)),
    ]);
    this.#waiters.exited(id, exitCode);
    if (rec.hostConfig.AutoRemove) {
      await this.#remove(rec, { force: true, volumes: true }).catch(async (err) => {
        this.#deps.log("error", `auto-removing ${shortId(id)}: ${messageOf(err)}`);
        if (this.store.find(id)) await this.store.save(rec).catch(() => {}); // it stays: say it exited
      });
      return;
    }
    if (restart) this.#scheduleRestart(rec);
  }

  /** Schedules the policy's restart after Docker's back-off. */
  #scheduleRestart(rec: ContainerRecord): void {
    const ran = Date.parse(rec.state.FinishedAt) - Date.parse(rec.state.StartedAt);
    const delay = nextBackoff(this.#backoff.get(rec.id) ?? 0, ran);
    this.#backoff.set(rec.id, delay);
    const timer = setTimeout(() => {
      this.#restartTimers.delete(rec.id);
      void this.#lock.run(rec.id, async () => {
        if (!this.store.find(rec.id) || !rec.state.Restarting) return;
        await this.#start(rec, "policy").catch((err) =>
          this.#deps.log("warn", `restarting ${shortId(rec.id)}: ${messageOf(err)}`),
        );
      });
    }, delay);
    timer.unref();
    this.#restartTimers.set(rec.id, timer);
  }

  /** Stop, kill or rm of a container waiting to be restarted: no restart, it stays exited. */
  async #cancelRestart(rec: ContainerRecord): Promise<void> {
    clearTimeout(this.#restartTimers.get(rec.id));
    this.#restartTimers.delete(rec.id);
    this.#stoppedByUser.add(rec.id);
    rec.state = { ...rec.state, Status: "exited", Running: false, Restarting: false };
    await this.store.save(rec);
  }

  // ---- stop, kill, restart, pause ----------------------------------------------------------

  stop(ref: string, o: { timeout?: number; signal?: string }): Promise<void> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, () => this.#stop(rec, o));
  }

  async #stop(rec: ContainerRecord, o: { timeout?: number; signal?: string }): Promise<void> {
    if (!rec.state.Running) throw notModified();
    const signal = parseSignal(o.signal || rec.config.StopSignal || "SIGTERM");
    this.#stoppedByUser.add(rec.id);
    if (rec.state.Restarting) {
      await this.#cancelRestart(rec);
      this.#event(rec, "stop");
      return;
    }
    const timeout = o.timeout ?? rec.config.StopTimeout ?? 10;
    const { runtime } = this.#deps;
    const exited = runtime.waitExit(rec.id);
    // like Docker, the stop signal goes first even with -t 0, then SIGKILL after the timeout
    await this.#signal(rec, signal);
    if (rec.state.Paused) await runtime.resume(rec.id).catch(() => {});
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
        throw conflict(`cannot kill container: ${ref}: container ${rec.id} is not running`);
      // Docker: SIGKILL, or the container's stop signal (any signal when it has none), means
      // "exit on next": no restart policy brings it back, and a paused container is resumed
      const stopSignal = rec.config.StopSignal ? parseSignal(rec.config.StopSignal) : undefined;
      const exitOnNext = signal === 9 || stopSignal === undefined || signal === stopSignal;
      if (exitOnNext) this.#stoppedByUser.add(rec.id);
      if (rec.state.Restarting) {
        if (exitOnNext) await this.#cancelRestart(rec);
        return;
      }
      const exited = this.#deps.runtime.waitExit(rec.id);
      await this.#signal(rec, signal);
      if (rec.state.Paused && exitOnNext) await this.#deps.runtime.resume(rec.id).catch(() => {});
      if (signal === 9) {
        const exit = await exited;
        await this.#onExit(rec.id, exit.exitCode, exit.finishedAt);
      }
    });
  }

  restart(ref: string, o: { timeout?: number; signal?: string }): Promise<void> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, async () => {
      if (rec.state.Running) await this.#stop(rec, o);
      await this.#start(rec, "user");
      this.#event(rec, "restart");
    });
  }

  pause(ref: string): Promise<void> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, async () => {
      if (!rec.state.Running) throw conflict(`container ${rec.id} is not running`);
      if (rec.state.Paused) throw conflict(`container ${rec.id} is already paused`);
      if (rec.state.Restarting) throw restartingError(rec);
      await this.#deps.runtime.pause(rec.id);
      rec.state = { ...rec.state, Status: "paused", Paused: true };
      await this.store.save(rec);
      this.#event(rec, "pause");
    });
  }

  unpause(ref: string): Promise<void> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, async () => {
      if (!rec.state.Paused) throw conflict(`container ${rec.id} is not paused`);
      await this.#deps.runtime.resume(rec.id);
      rec.state = { ...rec.state, Status: "running", Paused: false };
      await this.store.save(rec);
      this.#event(rec, "unpause");
    });
  }

  // ---- wait, remove, rename, prune ---------------------------------------------------------

  /**
   * Waits for the condition. The lookup happens before the promise: an unknown container
   * throws at once, so the route answers 404 before it sends its headers.
   */
  wait(ref: string, condition: WaitCondition, signal?: AbortSignal): Promise<WaitResult> {
    const rec = this.store.get(ref);
    if (condition === "not-running" && !rec.state.Running) {
      const { ExitCode, Error: message } = rec.state;
      return Promise.resolve({ StatusCode: ExitCode, Error: message ? { Message: message } : null });
    }
    return this.#waiters.add(rec.id, condition, signal);
  }

  remove(ref: string, o: { force: boolean; volumes: boolean }): Promise<void> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, () => this.#remove(rec, o, ref));
  }

  async #remove(rec: ContainerRecord, o: { force: boolean; volumes: boolean }, ref = rec.id): Promise<void> {
    if (!this.store.find(rec.id)) return;
    if (rec.state.Running) {
      if (!o.force) {
        const why = rec.state.Paused
          ? "container is paused and must be unpaused first"
          : `container is ${rec.state.Status}: stop the container before removing or force remove`;
        throw conflict(`cannot remove container "${ref}": ${why}`);
      }
      this.#stoppedByUser.add(rec.id);
      if (rec.state.Restarting) await this.#cancelRestart(rec);
      else {
        const exited = this.#deps.runtime.waitExit(rec.id);
        await this.#signal(rec, 9);
        if (rec.state.Paused) await this.#deps.runtime.resume(rec.id).catch(() => {});
        const exit = await exited;
        await this.#onExit(rec.id, exit.exitCode, exit.finishedAt, true);
        if (!this.store.find(rec.id)) return; // auto-removed on exit
      }
    }
    rec.state = { ...rec.state, Status: "removing" };
    // the network, the runtime's state and the rootfs go side by side; the record goes last, so
    // a failure or a crash before leaves a container that rm can remove again
    const released = this.#net.release(rec).catch(() => {});
    const deleted = this.#deps.runtime.delete(rec.id).catch(() => {});
    await this.#deps.storage.removeRw(rec.id).finally(() => Promise.all([released, deleted]));
    await this.store.delete(rec);
    if (o.volumes) await this.#vols.removeAnonymous(rec);
    this.#backoff.delete(rec.id);
    this.#stoppedByUser.delete(rec.id);
    this.#runs.delete(rec.id);
    this.#event(rec, "destroy");
    this.#waiters.removed(rec.id, rec.state.ExitCode);
  }

  /**
   * docker update (moby's daemon.update): new resource limits and restart policy, applied to
   * the running process as well; the record changes only once the runtime has taken them.
   */
  update(ref: string, req: UpdateRequest): Promise<{ Warnings: string[] | null }> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, async () => {
      if (rec.state.Status === "removing" || rec.state.Dead)
        throw conflict(
          `Cannot update container ${rec.id}: container is marked for removal and cannot be "update"`,
        );
      const { hostConfig, resources } = applyUpdate(rec.id, rec.hostConfig, req);
      // a container waiting out its restart back-off has no process: its next start applies them
      if (rec.state.Running && !rec.state.Restarting) {
        await this.#deps.runtime.update(rec.id, resources).catch((err) => {
          throw internal(`Cannot update container ${rec.id}: ${messageOf(err)}`, err);
        });
      }
      rec.hostConfig = hostConfig;
      await this.store.save(rec);
      this.#event(rec, "update");
      return { Warnings: null };
    });
  }

  /**
   * The container a legacy link name ("web/db": web's link aliased db) stands for, as moby's
   * name registry resolves it; 404 when web has no such link.
   */
  linkTarget(parentRef: string, alias: string): ContainerRecord {
    const parent = this.store.find(parentRef);
    const link = (parent?.hostConfig.Links ?? []).map(parseLink).find((l) => l.alias === alias);
    const child = link ? this.store.find(link.name) : undefined;
    if (!child) throw notFound(`No such container: ${parentRef}/${alias}`);
    return child;
  }

  /** DELETE /containers/web/db?link=1 (moby's rmLink): web forgets its link db; both stay. */
  removeLink(parentRef: string, alias: string): Promise<void> {
    this.linkTarget(parentRef, alias);
    const parent = this.store.get(parentRef);
    return this.#lock.run(parent.id, async () => {
      const kept = (parent.hostConfig.Links ?? []).filter((l) => parseLink(l).alias !== alias);
      parent.hostConfig.Links = kept.length > 0 ? kept : null;
      await this.store.save(parent);
    });
  }

  rename(ref: string, newName: string): Promise<void> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, async () => {
      const wanted = newName.trim();
      if (wanted.replace(/^\//, "") === "") throw invalid("Neither old nor new names may be empty");
      if (wanted.replace(/^\//, "") === rec.name)
        throw invalid("Renaming a container with the same name as its current name");
      const old = rec.name;
      let name: string;
      try {
        name = validateName(wanted.startsWith("/") ? wanted : `/${wanted}`);
        this.store.reserveName(name, rec.id);
      } catch (err) {
        const kind = err instanceof KapselError ? err.kind : "internal";
        throw new KapselError(kind, `Error when allocating new name: ${messageOf(err)}`, { cause: err });
      }
      rec.name = name;
      await this.store.save(rec);
      this.store.releaseName(old, rec.id);
      this.#event(rec, "rename", { oldName: `/${old}` });
    });
  }

  async prune(
    filters: Map<string, string[]>,
  ): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    const match = pruneFilter(filters);
    const deleted: string[] = [];
    let space = 0;
    for (const rec of this.store.all()) {
      if (rec.state.Running || rec.state.Status === "removing") continue;
      if (!match(rec)) continue;
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
  async attach(
    ref: string,
  ): Promise<{ rec: ContainerRecord; session: Promise<AttachSession>; cancel: () => void }> {
    const rec = this.store.get(ref);
    if (rec.state.Restarting) throw restartingError(rec);
    if (rec.state.Running) return { rec, session: this.#deps.runtime.attach(rec.id), cancel: () => {} };
    if (rec.state.Status !== "created" && rec.state.Status !== "exited") {
      throw conflict(`You cannot attach to a stopped container, start it first`);
    }
    let deliver!: (s: AttachSession | Error) => void;
    const session = new Promise<AttachSession>((resolve, reject) => {
      deliver = (s) => (s instanceof Error ? reject(s) : resolve(s));
    });
    const list = this.#pendingAttach.get(rec.id) ?? [];
    list.push(deliver);
    this.#pendingAttach.set(rec.id, list);
    // drops this request only (the client went away); other clients waiting for start stay
    const cancel = () => {
      const pending = this.#pendingAttach.get(rec.id);
      const i = pending?.indexOf(deliver) ?? -1;
      if (!pending || i < 0) return;
      pending.splice(i, 1);
      if (pending.length === 0) this.#pendingAttach.delete(rec.id);
      deliver(new Error("the attach client went away"));
    };
    return { rec, session, cancel };
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

  attachEvent(rec: ContainerRecord, action: "attach" | "detach"): void {
    this.#event(rec, action);
  }

  // ---- networks ----------------------------------------------------------------------------

  /** docker network connect: at once when running, at the next start otherwise. */
  connectNetwork(ref: string, network: string, endpoint?: EndpointConfig | null): Promise<void> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, async () => {
      const joined = await this.#net.connect(rec, network, endpoint);
      await this.store.save(rec);
      if (!joined) return;
      // as Docker's endpoint join: the new addresses go into /etc/hosts, and the embedded DNS
      // becomes the nameserver of a container that had none (unless the user edited the file)
      await updateHostsFile(rec.hostsPath, this.#etcOptions(rec, {}), { add: joined.addresses });
      if (joined.dnsServer)
        await updateResolvConf(rec.resolvConfPath, this.#etcOptions(rec, { dnsServer: joined.dnsServer }));
    });
  }

  /** docker network disconnect. */
  disconnectNetwork(ref: string, network: string, force: boolean): Promise<void> {
    const rec = this.store.get(ref);
    return this.#lock.run(rec.id, async () => {
      const left = await this.#net.disconnect(rec, network, force);
      await this.store.save(rec);
      if (left.length > 0) await updateHostsFile(rec.hostsPath, this.#etcOptions(rec, {}), { remove: left });
    });
  }

  /** The running containers' endpoints on the host or none network, as network inspect lists them. */
  endpointsOn(network: "host" | "none"): Record<string, NetworkContainer> {
    const out: Record<string, NetworkContainer> = {};
    for (const rec of this.store.all()) {
      if (!rec.state.Running || !rec.endpointId || rec.hostConfig.NetworkMode !== network) continue;
      out[rec.id] = {
        Name: rec.name,
        EndpointID: rec.endpointId,
        MacAddress: "",
        IPv4Address: "",
        IPv6Address: "",
      };
    }
    return out;
  }

  /** The container's networks and ports as inspect and ps show them. */
  networkView(rec: ContainerRecord): NetworkView {
    return this.#net.view(rec);
  }

  // ---- looking inside: top, diff -----------------------------------------------------------

  /** docker top with ps options (Docker's default: -ef). */
  async top(ref: string, psArgs: string): Promise<TopResult> {
    const rec = this.store.get(ref);
    if (!rec.state.Running) throw conflict(`container ${rec.id} is not running`);
    if (rec.state.Restarting) throw restartingError(rec);
    const result = await topProcesses(await this.#deps.runtime.pids(rec.id), psArgs || "-ef");
    this.#event(rec, "top");
    return result;
  }

  /** docker diff: the container's changes to its image, as Docker lists them (no init layer). */
  async changes(ref: string): Promise<Change[]> {
    const rec = this.store.get(ref);
    return withoutInitLayer(await this.#deps.storage.diff(rec.id));
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
        if (rec.state.Restarting) {
          this.#scheduleRestart(rec);
          return;
        }
        if (!rec.state.Running) return;
        const state = await this.#deps.runtime.state(rec.id).catch(() => undefined);
        if (state && state.status !== "stopped") {
          const paused = state.status === "paused";
          rec.state = { ...rec.state, Status: paused ? "paused" : "running", Paused: paused, Pid: state.pid };
          await this.store.save(rec);
          this.#watchExit(rec);
          return;
        }
        const exit = await this.#deps.runtime.exitStatus(rec.id);
        await this.#onExit(rec.id, exit?.exitCode ?? 255, exit?.finishedAt ?? new Date());
      }),
    );
    // the network next: running containers keep their sandboxes, the rest are released
    if (this.#net.hasState())
      await this.#net.ready().catch((err) => this.#deps.log("error", `network: ${messageOf(err)}`));
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

  /** Ids of the containers that use a volume (volume rm refuses, prune and dangling skip it). */
  volumeUsers(name: string): string[] {
    return this.#vols.users(name);
  }

  logDirExists(rec: ContainerRecord): boolean {
    return existsSync(rec.logPath);
  }
}

/** Docker's refusal for a container between two runs of its restart policy. */
export function restartingError(rec: ContainerRecord): KapselError {
  return conflict(`Container ${rec.id} is restarting, wait until the container is running`);
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
