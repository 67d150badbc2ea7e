import { invalid } from "../../lib/errors.ts";
import { hostDevices, statDevice } from "./host-devices.ts";
import { CAPABILITY_NAMES, hostCapabilities, hostHardLimits, hostHasSeccomp } from "./host-facts.ts";
import type {
  LinuxSeccomp,
  OciBlockDevice,
  OciDevice,
  OciDeviceRule,
  OciMount,
  OciNamespace,
  OciResources,
  OciSpec,
  ProcessSpec,
} from "./oci-spec.ts";
import { DEFAULT_SECCOMP_PROFILE, ociSeccomp, type SeccompProfile } from "./seccomp-profile.ts";
import {
  DEFAULT_CAPABILITIES,
  DEFAULT_INIT_BINARY,
  DEFAULT_MASKED_PATHS,
  DEFAULT_PATH_ENV,
  DEFAULT_READONLY_PATHS,
  DEFAULT_SHM_SIZE,
  defaultMounts,
  INIT_PATH_IN_CONTAINER,
  ULIMIT_TYPES,
} from "./spec-defaults.ts";

/**
 * Builds an OCI runtime-spec config.json the way Docker (moby's oci/defaults.go and
 * daemon/oci_linux.go) does for `docker run`: default capabilities, masked and read-only /proc
 * paths, the standard /proc /dev /sys mounts, a deny-all device cgroup (runc adds the usual
 * allowed devices itself), one namespace each for pid/ipc/uts/mount/network.
 *
 * Not here, by design: resolving user names (read /etc/passwd in the rootfs: the caller's), the
 * files Docker bind-mounts into every container (/etc/hosts, /etc/resolv.conf, /etc/hostname:
 * the caller passes them in `mounts`), AppArmor. Seccomp: Docker's default profile unless told
 * otherwise (seccomp-profile.ts).
 */

/** A mount the caller adds, Docker's -v/--mount/--tmpfs already resolved to host paths. */
export interface MountInput {
  /** "bind": `source` is a host path (volumes are binds of their data dir); "tmpfs": no source. */
  type: "bind" | "tmpfs";
  source?: string;
  destination: string;
  readonly?: boolean;
  /** bind only: "rprivate" (Docker's default), "private", "rshared", "shared", "rslave", "slave" */
  propagation?: string;
  /** bind only: plain "bind" instead of Docker's recursive "rbind" (--mount bind-recursive=disabled) */
  nonRecursive?: boolean;
  /** tmpfs only: size in bytes (0 or absent: kernel default, half of RAM) */
  tmpfsSize?: number;
  /** tmpfs only: mode bits, e.g. 0o1777 */
  tmpfsMode?: number;
  /** raw mount options appended last (e.g. "exec", "nosuid", "noatime"); later ones win */
  options?: string[];
}

/** A host device passed in (--device hostPath[:containerPath[:permissions]]). */
export interface DeviceInput {
  hostPath: string;
  /** default: hostPath */
  containerPath?: string;
  /** cgroup access, any of "rwm" (default "rwm") */
  permissions?: string;
}

/** Which namespace a container gets: its own, the host's, or one joined by path. */
export type NamespaceChoice = "private" | "host" | { path: string };

/** Docker's HostConfig resource fields, in Docker's units. Absent or 0 means unlimited/default. */
export interface ResourcesInput {
  memory?: number;
  memoryReservation?: number;
  /** memory + swap, bytes; -1 unlimited swap */
  memorySwap?: number;
  memorySwappiness?: number;
  oomKillDisable?: boolean;
  cpuShares?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  /** --cpus in 1e-9 CPUs; becomes quota over a 100 ms period */
  nanoCpus?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  /** ≤ 0: unlimited */
  pidsLimit?: number;
  blkioWeight?: number;
  /** --blkio-weight-device and --device-{read,write}-{bps,iops}, devices already by number */
  blkioWeightDevice?: Array<OciBlockDevice & { weight: number }>;
  throttleReadBpsDevice?: Array<OciBlockDevice & { rate: number }>;
  throttleWriteBpsDevice?: Array<OciBlockDevice & { rate: number }>;
  throttleReadIOPSDevice?: Array<OciBlockDevice & { rate: number }>;
  throttleWriteIOPSDevice?: Array<OciBlockDevice & { rate: number }>;
  /** --cpu-rt-period and --cpu-rt-runtime, microseconds */
  cpuRealtimePeriod?: number;
  cpuRealtimeRuntime?: number;
}

export interface SpecInput {
  /** Absolute path of the container's root filesystem (the mounted snapshot). */
  rootfs: string;
  /** --read-only */
  readonlyRootfs?: boolean;
  /** The command to run: entrypoint + cmd, already resolved. Must not be empty. */
  args: string[];
  /**
   * KEY=VALUE, image env then user env (later wins). Docker's daemon-provided variables come
   * first and are overridden by these: PATH (the default one), HOSTNAME, and TERM=xterm with a tty.
   */
  env?: string[];
  /** Working directory, absolute; default "/". */
  cwd?: string;
  /** Numeric user (names are resolved by the caller); default 0:0. */
  user?: { uid: number; gid: number; additionalGids?: number[]; umask?: number };
  /** Set only with a private uts namespace (runc refuses otherwise). */
  hostname?: string;
  domainname?: string;
  /** -t: the process gets a pty (conmon allocates it; `TaskCreateOptions.terminal` must match). */
  terminal?: boolean;
  /** Initial pty size (rows × columns), applied before the process starts. */
  consoleSize?: { height: number; width: number };
  /**
   * --init. Like Docker, the init binary is bind-mounted read-only at /sbin/docker-init and the
   * process becomes `/sbin/docker-init -- args...`. true: the host's /usr/bin/catatonit (static,
   * a tini work-alike that takes `--`); a string: that host path (e.g. a static tini).
   */
  init?: boolean | string;
  /** default "private" (a new, empty network namespace: the caller plumbs it or joins a path) */
  network?: NamespaceChoice;
  /** default "private" */
  ipc?: NamespaceChoice;
  /** default "private" */
  pid?: NamespaceChoice;
  /** default "private" */
  uts?: "private" | "host";
  /** default "host", as Docker on cgroup v1 */
  cgroupns?: "private" | "host";
  /** Extra mounts; one at the same destination as a default mount (e.g. /dev/shm) replaces it. */
  mounts?: MountInput[];
  /** /dev/shm size in bytes; default 64 MiB, as Docker. */
  shmSize?: number;
  /** --privileged: every capability the daemon holds, every host device, no masked paths, rw /sys. */
  privileged?: boolean;
  /**
   * Docker names, with or without "CAP_", or "ALL". Unknown names throw `invalid`; known ones the
   * daemon itself lacks (here CAP_SYS_RESOURCE) are left out, since runc could not grant them.
   */
  capAdd?: string[];
  capDrop?: string[];
  devices?: DeviceInput[];
  /** --device-cgroup-rule, e.g. "c 1:3 mr", "a *:* rwm" */
  deviceCgroupRules?: string[];
  /**
   * --ulimit, Docker names (nofile, nproc, core, ...); -1 = unlimited. Clamped to the daemon's own
   * hard limit: raising a hard limit needs CAP_SYS_RESOURCE, which this host does not grant.
   */
  ulimits?: { name: string; soft: number; hard: number }[];
  resources?: ResourcesInput;
  /** Default: "/kapsel/<id>" is filled in by Runtime.create when absent (cgroupfs driver). */
  cgroupsPath?: string;
  sysctls?: Record<string, string>;
  /** --security-opt no-new-privileges; default false, as Docker. */
  noNewPrivileges?: boolean;
  /** --security-opt writable-cgroups[=bool]: a read-write /sys/fs/cgroup; default: privileged */
  writableCgroups?: boolean;
  /** --security-opt systempaths=unconfined: no masked or read-only /proc paths. */
  unmaskSystemPaths?: boolean;
  /** HostConfig.MaskedPaths and ReadonlyPaths; default Docker's lists (ignored when privileged or unmasked) */
  maskedPaths?: string[];
  readonlyPaths?: string[];
  /** --oom-score-adj; lowering it below the daemon's own needs CAP_SYS_RESOURCE. */
  oomScoreAdj?: number;
  /**
   * The seccomp profile, in Docker's format: applied for the container's capabilities as moby
   * does. Default: Docker's default profile, except for a privileged container; "unconfined":
   * none. Where the kernel has no seccomp, the default is dropped and a profile refused.
   */
  seccomp?: SeccompProfile | "unconfined";
  annotations?: Record<string, string>;
}

export function buildSpec(input: SpecInput): OciSpec {
  if (!input.args?.length) throw invalid("No command specified");
  if (!input.rootfs) throw invalid("rootfs is required");
  const privileged = input.privileged === true;
  const uid = input.user?.uid ?? 0;
  const privateUts = (input.uts ?? "private") === "private";

  let args = input.args;
  const userMounts: OciMount[] = (input.mounts ?? []).map(toOciMount);
  if (input.init) {
    const initBinary = typeof input.init === "string" ? input.init : DEFAULT_INIT_BINARY;
    userMounts.push({
      destination: INIT_PATH_IN_CONTAINER,
      type: "bind",
      source: initBinary,
      options: ["bind", "ro"],
    });
    args = [INIT_PATH_IN_CONTAINER, "--", ...args];
  }

  const caps = capabilities(input.capAdd ?? [], input.capDrop ?? [], privileged);
  const devices = [...(privileged ? hostDevices() : []), ...(input.devices ?? []).map(toOciDevice)];
  const spec: OciSpec = {
    ociVersion: "1.0.2-dev",
    process: {
      terminal: input.terminal === true,
      ...(input.consoleSize ? { consoleSize: input.consoleSize } : {}),
      user: {
        uid,
        gid: input.user?.gid ?? 0,
        ...(input.user?.umask !== undefined ? { umask: input.user.umask } : {}),
        ...(input.user?.additionalGids?.length ? { additionalGids: input.user.additionalGids } : {}),
      },
      args,
      env: buildEnv(input, privateUts),
      cwd: input.cwd || "/",
      // As moby's oci.SetCapabilities: a non-root process starts with no effective or
      // permitted capabilities, as execve would give it.
      capabilities: uid === 0 ? { bounding: caps, effective: caps, permitted: caps } : { bounding: caps },
      noNewPrivileges: input.noNewPrivileges === true,
      ...(input.ulimits?.length ? { rlimits: input.ulimits.map(toRlimit) } : {}),
      ...(input.oomScoreAdj !== undefined ? { oomScoreAdj: input.oomScoreAdj } : {}),
    },
    root: { path: input.rootfs, readonly: input.readonlyRootfs === true },
    ...(privateUts && input.hostname ? { hostname: input.hostname } : {}),
    ...(privateUts && input.domainname ? { domainname: input.domainname } : {}),
    mounts: mergeMounts(defaultMounts(input.shmSize || DEFAULT_SHM_SIZE), userMounts, privileged, input),
    ...(input.annotations ? { annotations: input.annotations } : {}),
    linux: {
      namespaces: namespaces(input),
      ...(devices.length ? { devices } : {}),
      resources: resources(input, devices, privileged),
      ...(input.cgroupsPath ? { cgroupsPath: input.cgroupsPath } : {}),
      sysctl: sysctls(input),
      ...(privileged || input.unmaskSystemPaths
        ? {}
        : {
            maskedPaths: [...(input.maskedPaths ?? DEFAULT_MASKED_PATHS)],
            readonlyPaths: [...(input.readonlyPaths ?? DEFAULT_READONLY_PATHS)],
          }),
      ...seccompOf(input, caps),
    },
  };
  return spec;
}

function seccompOf(input: SpecInput, bounding: string[]): { seccomp?: LinuxSeccomp } {
  const profile = input.seccomp;
  if (profile === "unconfined" || (profile === undefined && input.privileged)) return {};
  if (!hostHasSeccomp()) {
    if (profile === undefined) return {};
    throw invalid("seccomp is not enabled in your kernel, cannot run a custom seccomp profile");
  }
  const seccomp = ociSeccomp(profile ?? DEFAULT_SECCOMP_PROFILE, bounding);
  return seccomp ? { seccomp } : {};
}

const RLIM_INFINITY_MARK = "\u0000rlim-infinity\u0000";

/** config.json text; an rlimit of -1 is written as RLIM_INFINITY (2^64-1). */
export function serializeSpec(spec: OciSpec): string {
  const text = JSON.stringify(spec, (key, value) =>
    (key === "soft" || key === "hard") && value === -1 ? RLIM_INFINITY_MARK : value,
  );
  return text.replaceAll(JSON.stringify(RLIM_INFINITY_MARK), "18446744073709551615");
}

function buildEnv(input: SpecInput, privateUts: boolean): string[] {
  const env = new Map<string, string>();
  const put = (kv: string) => {
    const eq = kv.indexOf("=");
    env.set(eq < 0 ? kv : kv.slice(0, eq), kv);
  };
  put(DEFAULT_PATH_ENV);
  if (privateUts && input.hostname) put(`HOSTNAME=${input.hostname}`);
  if (input.terminal) put("TERM=xterm");
  for (const kv of input.env ?? []) put(kv);
  return [...env.values()];
}

/** moby's caps.TweakCapabilities, limited to what the daemon itself holds. */
function capabilities(add: string[], drop: string[], privileged: boolean): string[] {
  const all = hostCapabilities();
  if (privileged) return [...all];
  const adds = add.map(normalizeCap);
  const drops = drop.map(normalizeCap);
  let caps: string[];
  if (adds.includes("ALL")) caps = all.filter((c) => !drops.includes(c));
  else if (drops.includes("ALL")) caps = adds;
  else caps = [...DEFAULT_CAPABILITIES.filter((c) => !drops.includes(c)), ...adds];
  return [...new Set(caps)].filter((c) => all.includes(c));
}

function normalizeCap(name: string): string {
  const upper = name.trim().toUpperCase();
  if (upper === "ALL") return upper;
  const cap = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
  if (!/^CAP_[A-Z_]+$/.test(cap) || !KNOWN_CAPS.has(cap)) throw invalid(`unknown capability: "${name}"`);
  return cap;
}

/** every name the kernel defines, whether or not this host grants it */
const KNOWN_CAPS = new Set<string>(CAPABILITY_NAMES);

function toOciMount(m: MountInput): OciMount {
  if (!m.destination?.startsWith("/")) throw invalid(`invalid mount destination: "${m.destination}"`);
  if (m.type === "tmpfs") {
    const options = ["nosuid", "nodev", "noexec"];
    if (m.tmpfsMode !== undefined) options.push(`mode=${m.tmpfsMode.toString(8)}`);
    if (m.tmpfsSize) options.push(`size=${m.tmpfsSize}`);
    if (m.readonly) options.push("ro");
    return {
      destination: m.destination,
      type: "tmpfs",
      source: "tmpfs",
      options: [...options, ...(m.options ?? [])],
    };
  }
  if (!m.source) throw invalid(`bind mount to "${m.destination}" has no source`);
  const options = [m.nonRecursive ? "bind" : "rbind", m.propagation ?? "rprivate"];
  if (m.readonly) options.push("ro");
  return {
    destination: m.destination,
    type: "bind",
    source: m.source,
    options: [...options, ...(m.options ?? [])],
  };
}

/** Default mounts first (minus those a user mount replaces), then user mounts, shallowest first. */
function mergeMounts(
  defaults: OciMount[],
  user: OciMount[],
  privileged: boolean,
  input: SpecInput,
): OciMount[] {
  const targets = new Set(user.map((m) => cleanPath(m.destination)));
  const kept = defaults
    .filter((m) => !targets.has(m.destination) && !(targets.has("/dev") && m.destination.startsWith("/dev/")))
    .filter((m) => !(m.destination === "/dev/mqueue" && input.ipc === "host"));
  // privileged containers may write /sys, and the cgroup tree unless writable-cgroups=false
  // says otherwise (moby clears "ro" for them, after a read-only rootfs has added it)
  const writableCgroups = input.writableCgroups ?? privileged;
  for (const m of kept) {
    if ((privileged && m.type === "sysfs") || (writableCgroups && m.type === "cgroup")) {
      m.options = m.options?.filter((o) => o !== "ro");
    }
  }
  const depth = (p: string) => cleanPath(p).split("/").length;
  const sorted = user
    .map((m, i) => ({ m, i }))
    .sort((a, b) => depth(a.m.destination) - depth(b.m.destination) || a.i - b.i);
  return [...kept, ...sorted.map((x) => x.m)];
}

function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

function namespaces(input: SpecInput): OciNamespace[] {
  const ns: OciNamespace[] = [];
  const choose = (type: OciNamespace["type"], choice: NamespaceChoice | undefined) => {
    if (choice === "host") return;
    if (choice === undefined || choice === "private") ns.push({ type });
    else ns.push({ type, path: choice.path });
  };
  choose("pid", input.pid);
  choose("ipc", input.ipc);
  choose("uts", input.uts);
  ns.push({ type: "mount" });
  choose("network", input.network);
  if (input.cgroupns === "private") ns.push({ type: "cgroup" });
  return ns;
}

function sysctls(input: SpecInput): Record<string, string> {
  // Docker opens ping and low ports to unprivileged users of non-host networks
  const base: Record<string, string> =
    input.network === "host"
      ? {}
      : { "net.ipv4.ip_unprivileged_port_start": "0", "net.ipv4.ping_group_range": "0 2147483647" };
  return { ...base, ...(input.sysctls ?? {}) };
}

function resources(input: SpecInput, devices: OciDevice[], privileged: boolean): OciResources {
  const rules: OciDeviceRule[] = privileged
    ? [{ allow: true, access: "rwm" }]
    : [{ allow: false, access: "rwm" }];
  if (!privileged) {
    for (const d of input.devices ?? []) {
      const dev = devices.find((x) => x.path === (d.containerPath || d.hostPath));
      if (dev && (dev.type === "c" || dev.type === "b")) {
        rules.push({
          allow: true,
          type: dev.type,
          major: dev.major,
          minor: dev.minor,
          access: d.permissions || "rwm",
        });
      }
    }
  }
  for (const rule of input.deviceCgroupRules ?? []) rules.push(parseDeviceRule(rule));
  const r = input.resources ?? {};
  const out: OciResources = { devices: rules };
  const memory: NonNullable<OciResources["memory"]> = {};
  if (r.memory) memory.limit = r.memory;
  if (r.memoryReservation) memory.reservation = r.memoryReservation;
  if (r.memorySwap) memory.swap = r.memorySwap;
  if (r.memorySwappiness !== undefined && r.memorySwappiness >= 0) memory.swappiness = r.memorySwappiness;
  if (r.oomKillDisable) memory.disableOOMKiller = true;
  if (Object.keys(memory).length) out.memory = memory;
  const cpu: NonNullable<OciResources["cpu"]> = {};
  if (r.cpuShares) cpu.shares = r.cpuShares;
  if (r.nanoCpus) {
    cpu.period = 100_000;
    cpu.quota = Math.round((r.nanoCpus * 100_000) / 1e9);
  }
  if (r.cpuPeriod) cpu.period = r.cpuPeriod;
  if (r.cpuQuota) cpu.quota = r.cpuQuota;
  if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems) cpu.mems = r.cpusetMems;
  if (r.cpuRealtimePeriod) cpu.realtimePeriod = r.cpuRealtimePeriod;
  if (r.cpuRealtimeRuntime) cpu.realtimeRuntime = r.cpuRealtimeRuntime;
  if (Object.keys(cpu).length) out.cpu = cpu;
  if (r.pidsLimit && r.pidsLimit > 0) out.pids = { limit: r.pidsLimit };
  const blockIO: NonNullable<OciResources["blockIO"]> = {};
  if (r.blkioWeight) blockIO.weight = r.blkioWeight;
  if (r.blkioWeightDevice?.length) blockIO.weightDevice = r.blkioWeightDevice;
  if (r.throttleReadBpsDevice?.length) blockIO.throttleReadBpsDevice = r.throttleReadBpsDevice;
  if (r.throttleWriteBpsDevice?.length) blockIO.throttleWriteBpsDevice = r.throttleWriteBpsDevice;
  if (r.throttleReadIOPSDevice?.length) blockIO.throttleReadIOPSDevice = r.throttleReadIOPSDevice;
  if (r.throttleWriteIOPSDevice?.length) blockIO.throttleWriteIOPSDevice = r.throttleWriteIOPSDevice;
  if (Object.keys(blockIO).length) out.blockIO = blockIO;
  return out;
}

/**
 * `runc update` flags for Docker's resource fields (what `docker update` changes on a running
 * container); fields left out keep their value. --cpus becomes quota over a 100 ms period, as
 * at create.
 */
export function updateFlags(r: ResourcesInput): string[] {
  const flags: string[] = [];
  const add = (flag: string, v: number | string | undefined) => {
    if (v !== undefined && v !== "" && v !== 0) flags.push(`--${flag}`, String(v));
  };
  add("memory", r.memory);
  add("memory-reservation", r.memoryReservation);
  add("memory-swap", r.memorySwap);
  add("cpu-share", r.cpuShares);
  if (r.nanoCpus) {
    add("cpu-period", 100_000);
    add("cpu-quota", Math.round((r.nanoCpus * 100_000) / 1e9));
  }
  add("cpu-period", r.cpuPeriod);
  add("cpu-quota", r.cpuQuota);
  add("cpuset-cpus", r.cpusetCpus);
  add("cpuset-mems", r.cpusetMems);
  // runc takes 0 as "no change": Docker's "unlimited" (≤ 0) is -1 to the pids controller
  if (r.pidsLimit !== undefined) flags.push("--pids-limit", String(r.pidsLimit > 0 ? r.pidsLimit : -1));
  add("blkio-weight", r.blkioWeight);
  return flags;
}

function parseDeviceRule(rule: string): OciDeviceRule {
  const m = /^([acb]) (\*|\d+):(\*|\d+) ([rwm]{1,3})$/.exec(rule.trim());
  if (!m) throw invalid(`invalid device cgroup rule format: '${rule}'`);
  return {
    allow: true,
    type: m[1] as "a" | "c" | "b",
    ...(m[2] === "*" ? {} : { major: Number(m[2]) }),
    ...(m[3] === "*" ? {} : { minor: Number(m[3]) }),
    access: m[4],
  };
}

function toRlimit(u: { name: string; soft: number; hard: number }): {
  type: string;
  soft: number;
  hard: number;
} {
  const name = u.name.toLowerCase();
  if (!ULIMIT_TYPES.has(name)) throw invalid(`invalid ulimit type: ${u.name}`);
  const type = `RLIMIT_${name.toUpperCase()}`;
  const max = hostHardLimits().get(type) ?? -1;
  const min = (a: number, b: number) => (a === -1 ? b : b === -1 ? a : Math.min(a, b));
  const hard = min(u.hard, max);
  return { type, soft: min(u.soft, hard), hard };
}

function toOciDevice(d: DeviceInput): OciDevice {
  const dev = statDevice(d.hostPath);
  if (!dev)
    throw invalid(
      `error gathering device information while adding custom device "${d.hostPath}": not a device node`,
    );
  return { ...dev, path: d.containerPath || d.hostPath };
}

/** What `docker exec` varies from the container's own process. */
export interface ExecProcessInput {
  args: string[];
  /** KEY=VALUE added to (and overriding) the container's environment */
  env?: string[];
  /** default: the container's user */
  user?: { uid: number; gid: number; additionalGids?: number[] };
  /** default: the container's working directory */
  cwd?: string;
  tty: boolean;
  consoleSize?: { height: number; width: number };
  /** docker exec --privileged: every capability the daemon holds */
  privileged?: boolean;
}

/**
 * The process spec of an exec session, from the container's spec.process: same rlimits,
 * no-new-privileges and capabilities (all with `privileged`; none effective for non-root),
 * environment = container's + TERM=xterm with a tty + the exec's own.
 */
export function execProcessSpec(base: ProcessSpec, input: ExecProcessInput): ProcessSpec {
  if (!input.args?.length) throw invalid("No exec command specified");
  const env = new Map<string, string>();
  const put = (kv: string) => {
    const eq = kv.indexOf("=");
    env.set(eq < 0 ? kv : kv.slice(0, eq), kv);
  };
  for (const kv of base.env ?? []) put(kv);
  if (input.tty && !env.has("TERM")) put("TERM=xterm");
  for (const kv of input.env ?? []) put(kv);
  const user = input.user ? { ...input.user } : { ...base.user };
  const caps = input.privileged ? hostCapabilities() : (base.capabilities?.bounding ?? []);
  return {
    ...base,
    terminal: input.tty,
    ...(input.consoleSize ? { consoleSize: input.consoleSize } : {}),
    args: input.args,
    env: [...env.values()],
    cwd: input.cwd || base.cwd,
    user,
    capabilities: user.uid === 0 ? { bounding: caps, effective: caps, permitted: caps } : { bounding: caps },
  };
}

export {
  DEFAULT_CAPABILITIES,
  DEFAULT_INIT_BINARY,
  DEFAULT_MASKED_PATHS,
  DEFAULT_PATH_ENV,
  DEFAULT_READONLY_PATHS,
  INIT_PATH_IN_CONTAINER,
} from "./spec-defaults.ts";
