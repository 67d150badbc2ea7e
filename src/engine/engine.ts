import { existsSync, readdirSync, readFileSync } from "node:fs";
import { cpus, hostname, release, totalmem } from "node:os";
import { join } from "node:path";
import { invalid, type KapselError, messageOf, notImplemented } from "../lib/errors.ts";
import { API_VERSION, ENGINE_VERSION, MIN_API_VERSION } from "../lib/version.ts";
import type { ContainerFs } from "./archive/index.ts";
import { createBuilder } from "./builder/index.ts";
import {
  type ContainerRecord,
  ContainerService,
  checkLogDriver,
  ExecService,
  type LogConfig,
  logLimits,
  mountPointsOf,
} from "./containers/index.ts";
import { createDistribution, registryServiceConfig } from "./distribution/index.ts";
import { createEventBus, type EventBus } from "./events/index.ts";
import type { HostTools } from "./host-tools.ts";
import { createImageStore, type ImageRecord, type ImageStore } from "./images/index.ts";
import { type AddressPool, createNetworkService, type NetworkService } from "./network/index.ts";
import {
  createRuntime,
  hostHasSeccomp,
  parseSeccompProfile,
  type Runtime,
  type SeccompProfile,
} from "./runtime/index.ts";
import { createStorage, type Storage } from "./storage/index.ts";
import { createVolumeService, type VolumeService } from "./volumes/index.ts";

/** What the engine needs of the daemon's settings. */
export interface EngineConfig {
  dataRoot: string;
  execRoot: string;
  logLevel: string;
  defaultRuntime: string;
  /** dockerd's --seccomp-profile: "builtin" (the default), "unconfined" or a profile file */
  seccompProfile?: string;
  /** dockerd's --log-driver and --log-opt: for containers that name no driver */
  logDriver?: string;
  logOpts?: Record<string, string>;
  storageDriver?: "overlay" | "copy";
  detachKeys?: string;
  /** the default network's Linux bridge (dockerd --bridge) */
  bridge?: string;
  /** the default bridge's gateway/prefix (dockerd --bip) */
  bip?: string;
  defaultAddressPools?: AddressPool[];
  /** dockerd --userland-proxy (default true): host IPv6 addresses get published ports */
  userlandProxy?: boolean;
  insecureRegistries?: string[];
  registryMirrors?: string[];
}

export type Logger = (level: "debug" | "info" | "warn" | "error", msg: string) => void;

/**
 * Everything kapseld serves, wired together: the domains and the few cross-domain questions
 * the API asks (sizes, export, top). Built once at start-up; closed on shutdown.
 */
export class Engine {
  readonly config: EngineConfig;
  readonly tools: HostTools;
  readonly events: EventBus;
  readonly storage: Storage;
  readonly images: ImageStore;
  readonly runtime: Runtime;
  readonly network: NetworkService;
  readonly volumes: VolumeService;
  readonly containers: ContainerService;
  /** stopped containers' rootfs mounts lent to readers: id → how many */
  readonly #lent = new Map<string, number>();
  readonly execs: ExecService;
  readonly log: Logger;
  readonly id: string;

  private constructor(parts: {
    config: EngineConfig;
    seccomp: SeccompProfile | "unconfined" | undefined;
    logConfig: LogConfig;
    tools: HostTools;
    events: EventBus;
    storage: Storage;
    images: ImageStore;
    runtime: Runtime;
    network: NetworkService;
    volumes: VolumeService;
    log: Logger;
    id: string;
  }) {
    this.config = parts.config;
    this.tools = parts.tools;
    this.events = parts.events;
    this.storage = parts.storage;
    this.images = parts.images;
    this.runtime = parts.runtime;
    this.network = parts.network;
    this.volumes = parts.volumes;
    this.log = parts.log;
    this.id = parts.id;
    this.containers = new ContainerService({
      root: join(parts.config.dataRoot, "containers"),
      images: parts.images,
      storage: parts.storage,
      runtime: parts.runtime,
      network: parts.network,
      events: parts.events,
      log: parts.log,
      initPath: parts.tools.init,
      volumes: parts.volumes,
      runtimeName: parts.config.defaultRuntime,
      seccomp: parts.seccomp,
      logConfig: parts.logConfig,
    });
    this.execs = new ExecService({
      containers: this.containers,
      runtime: parts.runtime,
      events: parts.events,
      storage: parts.storage,
    });
  }

  static async open(config: EngineConfig, tools: HostTools, log: Logger, id: string): Promise<Engine> {
    const seccomp = daemonSeccomp(config.seccompProfile);
    // a default log driver or option the containers could not take stops the daemon, as dockerd
    const logConfig: LogConfig = { Type: config.logDriver || "json-file", Config: config.logOpts ?? {} };
    checkLogDriver(logConfig.Type);
    logLimits(logConfig.Type, logConfig.Config);
    const events = createEventBus();
    const storage = await createStorage({
      root: join(config.dataRoot, "storage"),
      driver: config.storageDriver,
    });
    const images = await createImageStore({
      root: join(config.dataRoot, "image"),
      storage,
      events: (action, imageId, attrs) => events.publish("image", action, imageId, attrs),
    });
    const runtime = createRuntime({
      stateDir: join(config.execRoot, "runtime"),
      runtimePath: tools.runtime,
      conmonPath: tools.conmon,
      runtimeName: config.defaultRuntime,
      logLevel: config.logLevel,
    });
    const network = await createNetworkService({
      root: join(config.dataRoot, "network"),
      execRoot: join(config.execRoot, "network"),
      events: (action, networkId, attrs) => events.publish("network", action, networkId, attrs),
      log,
      bridgeName: config.bridge,
      bip: config.bip,
      defaultAddressPools: config.defaultAddressPools,
      userlandProxy: config.userlandProxy,
    });
    // containers are made after volumes but answer which volumes they use
    let containers: ContainerService | undefined;
    const volumes = await createVolumeService({
      root: join(config.dataRoot, "volumes"),
      events: (action, name, attrs) => events.publish("volume", action, name, attrs),
      inUse: (name) => containers?.volumeUsers(name) ?? [],
      log,
    });
    const engine = new Engine({
      config,
      seccomp,
      logConfig,
      tools,
      events,
      storage,
      images,
      runtime,
      network,
      volumes,
      log,
      id,
    });
    containers = engine.containers;
    // also settles the network (after the containers' states are known, before restart policies run)
    await engine.containers.reconcile();
    await volumes.reconcile((id) => engine.containers.store.find(id)?.state.Running === true);
    // a build the last daemon left midway has containers and layers to remove now
    const buildTmp = join(config.dataRoot, "builder", "tmp");
    if (existsSync(buildTmp) && readdirSync(buildTmp).length > 0) await engine.builder();
    // compressed layers follow their images out: the registry client, once loaded, prunes them
    events.subscribe((e) => {
      if (e.Type === "image" && e.Action === "delete" && existsSync(join(config.dataRoot, "distribution")))
        engine.distribution().catch((err) => log("warn", `loading the registry client: ${err}`));
    });
    return engine;
  }

  /**
   * The registry client (pull, push, login, search), loaded on first use: its code is a third
   * of an idle daemon's memory, and many daemons never talk to a registry.
   */
  readonly distribution = onFirstUse(() =>
    createDistribution({
      root: join(this.config.dataRoot, "distribution"),
      images: this.images,
      storage: this.storage,
      events: this.events,
      insecureRegistries: this.config.insecureRegistries ?? [],
      registryMirrors: this.config.registryMirrors ?? [],
    }),
  );

  /** The image builder (POST /build), loaded on first use, as the registry client. */
  readonly builder = onFirstUse(() =>
    createBuilder({
      root: join(this.config.dataRoot, "builder"),
      images: this.images,
      storage: this.storage,
      containers: this.containers,
      distribution: { pull: async (o) => (await this.distribution()).pull(o) },
      events: (action, attrs) => this.events.publish("builder", action, "", attrs),
      log: this.log,
    }),
  );

  notImplemented(what: string): KapselError {
    return notImplemented(`${what} is not implemented in kapsel yet`);
  }

  async sizes(rec: ContainerRecord): Promise<{ rw: number; rootFs: number }> {
    const rw = await this.storage.rwSize(rec.id).catch(() => 0);
    const image = this.images.list().find((i) => i.id === rec.imageId);
    return { rw, rootFs: rw + (image?.size ?? 0) };
  }

  graphDriver(rec: ContainerRecord): { Name: string; Data: Record<string, string> | null } {
    return { Name: this.#driverName(), Data: this.#driverData({ container: rec.id }) };
  }

  imageGraphDriver(img: ImageRecord): { Name: string; Data: Record<string, string> | null } {
    const top = img.layers.at(-1);
    return { Name: this.#driverName(), Data: top ? this.#driverData({ layer: top }) : null };
  }

  /** inspect still answers for a container or image whose layers are going away */
  #driverData(of: { container: string } | { layer: string }): Record<string, string> | null {
    try {
      return this.storage.driverData(of);
    } catch {
      return null;
    }
  }

  #driverName(): string {
    return this.storage.driver === "overlay" ? "overlay2" : "vfs";
  }

  /** docker export: mounts the rootfs for the duration of the stream when the container is not running. */
  async exportContainer(rec: ContainerRecord): Promise<NodeJS.ReadableStream> {
    const borrowed = !rec.state.Running;
    if (borrowed) await this.#borrowRootfs(rec.id);
    else await this.storage.mount(rec.id);
    const stream = this.storage.exportRootfs(rec.id);
    this.events.publish("container", "export", rec.id, { image: rec.image, name: rec.name });
    // 'close' also comes when the reader leaves early, which 'end' does not
    if (borrowed) stream.on("close", () => void this.#returnRootfs(rec.id));
    return stream;
  }

  /**
   * A container's file system for cp (the archive domain): the rootfs, mounted for the call
   * when the container is not running, and its binds and volumes. `release` unmounts again
   * unless the container started meanwhile.
   */
  async containerFs(
    ref: string,
  ): Promise<{ fs: ContainerFs; rec: ContainerRecord; release: () => Promise<void> }> {
    const rec = this.containers.store.get(ref);
    const borrowed = !rec.state.Running;
    const rootfs = borrowed ? await this.#borrowRootfs(rec.id) : await this.storage.mount(rec.id);
    const fs: ContainerFs = {
      rootfs,
      readonlyRootfs: rec.hostConfig.ReadonlyRootfs === true,
      mounts: [
        ...[
          ["/etc/resolv.conf", rec.resolvConfPath],
          ["/etc/hostname", rec.hostnamePath],
          ["/etc/hosts", rec.hostsPath],
        ].map(([destination, source]) => ({
          destination,
          source,
          readonly: rec.hostConfig.ReadonlyRootfs === true,
        })),
        ...mountPointsOf(rec)
          .filter((mp) => mp.Source !== "")
          .map((mp) => ({ destination: mp.Destination, source: mp.Source, readonly: !mp.RW })),
      ],
    };
    let released = false;
    const release = async () => {
      if (!borrowed || released) return;
      released = true;
      await this.#returnRootfs(rec.id);
    };
    return { fs, rec, release };
  }

  /**
   * Mounts a stopped container's rootfs for a reader (cp, export), counted: calls overlap
   * (dockerode PUTs while its GET's tar is unread), and only the last one back unmounts, unless
   * the container started meanwhile (its mount is then its own).
   */
  async #borrowRootfs(id: string): Promise<string> {
    this.#lent.set(id, (this.#lent.get(id) ?? 0) + 1);
    try {
      return await this.storage.mount(id);
    } catch (err) {
      await this.#returnRootfs(id);
      throw err;
    }
  }

  /** Gives a borrowed rootfs back; the unmount is asked for at once, so a new borrow queues behind it. */
  async #returnRootfs(id: string): Promise<void> {
    const left = (this.#lent.get(id) ?? 1) - 1;
    if (left > 0) {
      this.#lent.set(id, left);
      return;
    }
    this.#lent.delete(id);
    if (!this.containers.store.find(id)?.state.Running) await this.storage.unmount(id).catch(() => {});
  }

  version() {
    const components = [
      {
        Name: "Engine",
        Version: ENGINE_VERSION,
        Details: {
          ApiVersion: API_VERSION,
          MinAPIVersion: MIN_API_VERSION,
          Os: "linux",
          Arch: "amd64",
          KernelVersion: release(),
          GitCommit: "kapsel",
          GoVersion: process.version,
          BuildTime: "",
          Experimental: "false",
        },
      },
      ...(this.tools.runtimeVersion
        ? [{ Name: "runc", Version: this.tools.runtimeVersion, Details: { GitCommit: "" } }]
        : []),
      ...(this.tools.conmonVersion
        ? [{ Name: "conmon", Version: this.tools.conmonVersion, Details: { GitCommit: "" } }]
        : []),
    ];
    return {
      Platform: { Name: "kapsel" },
      Components: components,
      Version: ENGINE_VERSION,
      ApiVersion: API_VERSION,
      MinAPIVersion: MIN_API_VERSION,
      GitCommit: "kapsel",
      GoVersion: process.version,
      Os: "linux",
      Arch: "amd64",
      KernelVersion: release(),
      BuildTime: "",
    };
  }

  info() {
    const all = this.containers.store.all();
    const running = all.filter((c) => c.state.Running && !c.state.Paused).length;
    const paused = all.filter((c) => c.state.Paused).length;
    // dockerd names the profile by its setting: builtin, unconfined, or the file's path
    const seccompName = this.config.seccompProfile || "builtin";
    return {
      ID: this.id,
      Containers: all.length,
      ContainersRunning: running,
      ContainersPaused: paused,
      ContainersStopped: all.length - running - paused,
      Images: this.images.list().length,
      Driver: this.storage.driver === "overlay" ? "overlay2" : "vfs",
      DriverStatus: [["Backing Filesystem", "extfs"]],
      Plugins: {
        Volume: ["local"],
        Network: ["bridge", "host", "null"],
        Authorization: null,
        Log: ["json-file", "k8s-file"],
      },
      MemoryLimit: true,
      SwapLimit: false,
      CpuCfsPeriod: true,
      CpuCfsQuota: true,
      CPUShares: true,
      CPUSet: true,
      PidsLimit: true,
      OomKillDisable: true,
      IPv4Forwarding: readSysctl("net/ipv4/ip_forward") === "1",
      Debug: this.config.logLevel === "debug",
      NFd: 0,
      NGoroutines: 0,
      SystemTime: new Date().toISOString(),
      LoggingDriver: this.config.logDriver || "json-file",
      CgroupDriver: "cgroupfs",
      CgroupVersion: this.tools.cgroupVersion,
      NEventsListener: 0,
      KernelVersion: release(),
      OperatingSystem: osName(),
      OSVersion: "",
      OSType: "linux",
      Architecture: "x86_64",
      IndexServerAddress: "https://index.docker.io/v1/",
      RegistryConfig: registryServiceConfig({
        insecureRegistries: this.config.insecureRegistries ?? [],
        registryMirrors: this.config.registryMirrors ?? [],
      }),
      NCPU: cpus().length,
      MemTotal: totalmem(),
      GenericResources: null,
      DockerRootDir: this.config.dataRoot,
      HttpProxy: process.env.HTTP_PROXY ?? "",
      HttpsProxy: process.env.HTTPS_PROXY ?? "",
      NoProxy: process.env.NO_PROXY ?? "",
      Name: hostname(),
      Labels: [],
      ExperimentalBuild: false,
      ServerVersion: ENGINE_VERSION,
      Runtimes: { runc: { path: this.tools.runtime } },
      DefaultRuntime: this.config.defaultRuntime,
      Swarm: {
        NodeID: "",
        NodeAddr: "",
        LocalNodeState: "inactive",
        ControlAvailable: false,
        Error: "",
        RemoteManagers: null,
      },
      LiveRestoreEnabled: true,
      Isolation: "",
      InitBinary: this.tools.init ?? "",
      ContainerdCommit: { ID: "" },
      RuncCommit: { ID: this.tools.runtimeVersion ?? "" },
      InitCommit: { ID: "" },
      SecurityOptions: hostHasSeccomp() ? [`name=seccomp,profile=${seccompName}`] : [],
      Warnings:
        hostHasSeccomp() && seccompName !== "builtin"
          ? [...this.tools.warnings, "WARNING: daemon is not using the default seccomp profile"]
          : this.tools.warnings,
    };
  }

  /** Kernel network state (bridges, veths, rules) stays for the containers that keep running. */
  async close(): Promise<void> {
    await this.network.close().catch((err) => this.log("warn", `closing the network: ${err}`));
    await this.storage.close();
  }
}

function readSysctl(path: string): string {
  try {
    return readFileSync(`/proc/sys/${path}`, "utf8").trim();
  } catch {
    return "";
  }
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync("/etc/os-release", "utf8"));
    return m ? m[1] : "Linux";
  } catch {
    return "Linux";
  }
}

/** A part made on its first use; a failed attempt is forgotten, so the next call tries again. */
function onFirstUse<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((err) => {
      made = undefined;
      throw err;
    });
    return made;
  };
}

/** dockerd's setupSeccompProfile: the profile for containers that name none (undefined: Docker's). */
function daemonSeccomp(setting = "builtin"): SeccompProfile | "unconfined" | undefined {
  if (setting === "builtin") return undefined;
  if (setting === "unconfined") return setting;
  let text: string;
  try {
    text = readFileSync(setting, "utf8");
  } catch (err) {
    throw invalid(`opening seccomp profile (${setting}) failed: ${messageOf(err)}`);
  }
  return parseSeccompProfile(text);
}
