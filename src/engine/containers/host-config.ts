import { existsSync, readFileSync } from "node:fs";
import { isIP } from "node:net";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { invalid } from "../../lib/errors.ts";
import { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from "../runtime/index.ts";
import { checkLogDriver, DEFAULT_LOG, type LogConfig, withDaemonLog } from "./log-options.ts";
import type { DockerConfig, HostConfig } from "./model.ts";
import { checkSecurityOpt, type HostSecurity, hostSecurity } from "./security-opt.ts";

/** whether the host enforces AppArmor or SELinux: read on the first create */
let host: HostSecurity | undefined;

const RESTART_POLICIES = ["", "no", "always", "unless-stopped", "on-failure"];

/**
 * Validates a create request's HostConfig and fills Docker's defaults. What kapsel cannot do
 * yet is refused with a clear "not implemented" rather than ignored.
 */
export function normalizeHostConfig(
  input: HostConfig | undefined,
  o: { runtime?: string; log?: LogConfig } = {},
): HostConfig {
  const hc: HostConfig = { ...(input ?? {}) };
  // one runtime runs every container (--default-runtime); another name is unknown to this daemon
  const runtime = o.runtime ?? "runc";
  if (hc.Runtime && hc.Runtime !== runtime) throw invalid(`unknown or invalid runtime name: ${hc.Runtime}`);
  hc.Runtime = runtime;
  // overlay on this kind of file system has no quota to enforce a size with (Docker's words)
  if (Object.keys((hc as { StorageOpt?: Record<string, string> | null }).StorageOpt ?? {}).length > 0)
    throw invalid("--storage-opt is supported only for overlay over xfs with 'pquota' mount option");
  const policy = hc.RestartPolicy ?? { Name: "no", MaximumRetryCount: 0 };
  const retries = policy.MaximumRetryCount ?? 0;
  // moby's validateHostConfig and ValidateRestartPolicy, in their order and words
  if (hc.AutoRemove && policy.Name !== "" && policy.Name !== "no")
    throw invalid("can't create 'AutoRemove' container with restart policy");
  if (!RESTART_POLICIES.includes(policy.Name ?? ""))
    throw invalid(
      `invalid restart policy: unknown policy '${policy.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`,
    );
  if (policy.Name === "on-failure" && retries < 0)
    throw invalid("invalid restart policy: maximum retry count cannot be negative");
  if (policy.Name && policy.Name !== "on-failure" && retries !== 0)
    throw invalid(
      `invalid restart policy: maximum retry count can only be used with 'on-failure'${retries < 0 ? " and cannot be negative" : ""}`,
    );
  hc.RestartPolicy = { Name: policy.Name || "no", MaximumRetryCount: retries };
  hc.NetworkMode = !hc.NetworkMode || hc.NetworkMode === "default" ? "bridge" : hc.NetworkMode;
  checkPortBindings(hc.PortBindings ?? {});
  if (!["", "host", "private"].includes(hc.CgroupnsMode ?? ""))
    throw invalid(`invalid cgroup namespace mode: ${hc.CgroupnsMode}`);
  if (typeof hc.ShmSize === "number" && hc.ShmSize < 0) throw invalid("SHM size can not be less than 0");
  hc.LogConfig = withDaemonLog(hc.LogConfig, o.log ?? DEFAULT_LOG);
  checkLogDriver(hc.LogConfig.Type);
  // gone from the API since 1.42: Docker 28 does not read them
  delete hc.KernelMemory;
  delete hc.KernelMemoryTCP;
  // Linux has one isolation, "default" (moby's Isolation.IsValid)
  if (hc.Isolation && hc.Isolation.toLowerCase() !== "default")
    throw invalid(`invalid isolation '${hc.Isolation}' on linux`);
  checkSecurityOpt(hc.SecurityOpt ?? [], (host ??= hostSecurity()));
  // moby keeps "unset" as no value: the CLI's -1 swappiness (fixMemorySwappiness), and a pids
  // limit of 0 or less, both of which mean unlimited
  if (hc.MemorySwappiness === -1) hc.MemorySwappiness = null;
  if (typeof hc.MemorySwappiness === "number" && (hc.MemorySwappiness < 0 || hc.MemorySwappiness > 100))
    throw invalid(`Invalid value: ${hc.MemorySwappiness}, valid memory swappiness range is 0-100`);
  if (typeof hc.PidsLimit === "number" && hc.PidsLimit <= 0) hc.PidsLimit = null;
  // and it writes the default masked and read-only /proc paths into an unprivileged container's
  // HostConfig, where they stay (createContainerOSSpecificSettings)
  if (!hc.Privileged) {
    hc.MaskedPaths ??= [...DEFAULT_MASKED_PATHS];
    hc.ReadonlyPaths ??= [...DEFAULT_READONLY_PATHS];
  }
  return hc;
}

/** What the host's blkio cgroup (v1) offers; on cgroup v2 runc handles io itself. */
export interface BlkioSupport {
  weight: boolean;
  weightDevice: boolean;
  readBps: boolean;
  writeBps: boolean;
  readIOps: boolean;
  writeIOps: boolean;
}

export function blkioSupport(root = "/sys/fs/cgroup/blkio"): BlkioSupport {
  const v1 = existsSync(root);
  const has = (file: string) => !v1 || existsSync(join(root, file));
  return {
    weight: has("blkio.weight"),
    weightDevice: has("blkio.weight_device"),
    readBps: has("blkio.throttle.read_bps_device"),
    writeBps: has("blkio.throttle.write_bps_device"),
    readIOps: has("blkio.throttle.read_iops_device"),
    writeIOps: has("blkio.throttle.write_iops_device"),
  };
}

/** moby's linuxMinMemory */
const MIN_MEMORY = 6 * 1024 * 1024;

/**
 * moby's verifyPlatformContainerResources, in its order and words: limits that cannot work are
 * refused (memory under 6 MB, swap under memory, more CPUs than the host has, a cpuset it
 * lacks...), what Linux or the kernel cannot do is discarded with a warning.
 */
export function checkResources(hc: HostConfig, support: BlkioSupport, given?: HostCpus): string[] {
  // read only when a CPU option asks (not on every create), and then once per daemon
  const cpus = () => given ?? (hostCpusOnce ??= hostCpus());
  const warnings: string[] = [];
  const num = (key: string) => (typeof hc[key] === "number" ? (hc[key] as number) : 0);
  const memory = num("Memory");
  const swap = num("MemorySwap");
  const reservation = num("MemoryReservation");
  if (memory !== 0 && memory < MIN_MEMORY) throw invalid("Minimum memory limit allowed is 6MB");
  if (memory > 0 && swap > 0 && swap < memory)
    throw invalid("Minimum memoryswap limit should be larger than memory limit, see usage");
  if (memory === 0 && swap > 0)
    throw invalid("You should always set the Memory limit when using Memoryswap limit, see usage");
  if (reservation > 0 && reservation < MIN_MEMORY) throw invalid("Minimum memory reservation allowed is 6MB");
  if (memory > 0 && reservation > 0 && memory < reservation)
    throw invalid("Minimum memory limit can not be less than memory reservation limit, see usage");
  if (hc.OomKillDisable === true && memory === 0)
    warnings.push(
      "OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.",
    );
  const nano = num("NanoCpus");
  if (nano > 0 && num("CpuPeriod") > 0)
    throw invalid("Conflicting options: Nano CPUs and CPU Period cannot both be set");
  if (nano > 0 && num("CpuQuota") > 0)
    throw invalid("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  if (nano !== 0 && (nano < 0 || nano > cpus().count * 1e9))
    throw invalid(
      `range of CPUs is from 0.01 to ${cpus().count}.00, as there are only ${cpus().count} CPUs available`,
    );
  const period = num("CpuPeriod");
  if (period !== 0 && (period < 1000 || period > 1000000))
    throw invalid("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  const quota = num("CpuQuota");
  if (quota > 0 && quota < 1000) throw invalid("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  for (const [key, what] of [
    ["CpusetCpus", "cpus"],
    ["CpusetMems", "mems"],
  ] as const) {
    const asked = typeof hc[key] === "string" ? (hc[key] as string) : "";
    if (!asked) continue;
    const available = what === "cpus" ? cpus().cpuset : cpus().mems;
    const list = parseCpuList(asked);
    if (!list) throw invalid(`Invalid value ${asked} for cpuset ${what}: invalid format: ${asked}`);
    const have = parseCpuList(available);
    if (have && list.some((n) => !have.includes(n)))
      throw invalid(
        `Requested ${what === "cpus" ? "CPUs" : "memory nodes"} are not available - requested ${asked}, available: ${available}`,
      );
  }
  if ((hc.CpuPercent ?? 0) > 0) {
    warnings.push("linux does not support CPU percent. Percent discarded.");
    hc.CpuPercent = 0;
  }
  if ((hc.BlkioWeight ?? 0) > 0 && !support.weight) {
    warnings.push(
      "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.",
    );
    hc.BlkioWeight = 0;
  }
  const weight = hc.BlkioWeight ?? 0;
  if (weight > 0 && (weight < 10 || weight > 1000)) throw invalid("Range of blkio weight is from 10 to 1000");
  if (hc.IOMaximumBandwidth || hc.IOMaximumIOps)
    throw invalid("Invalid QoS settings: linux does not support Maximum IO Bandwidth or Maximum IO IOps");
  const discard = (key: keyof HostConfig, supported: boolean, warning: string) => {
    if ((hc[key] as unknown[] | null | undefined)?.length && !supported) {
      warnings.push(warning);
      hc[key] = [];
    }
  };
  discard(
    "BlkioWeightDevice",
    support.weightDevice,
    "Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.",
  );
  discard(
    "BlkioDeviceReadBps",
    support.readBps,
    "Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit discarded.",
  );
  discard(
    "BlkioDeviceWriteBps",
    support.writeBps,
    "Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write limit discarded.",
  );
  discard(
    "BlkioDeviceReadIOps",
    support.readIOps,
    "Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded.",
  );
  discard(
    "BlkioDeviceWriteIOps",
    support.writeIOps,
    "Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded.",
  );
  return warnings;
}

export interface HostCpus {
  count: number;
  cpuset: string;
  mems: string;
}

let hostCpusOnce: HostCpus | undefined;

/** The CPUs and memory nodes containers may use: the cpuset cgroup's (what moby's sysinfo reads). */
export function hostCpus(): HostCpus {
  const read = (paths: string[]) => {
    for (const p of paths) {
      try {
        const text = readFileSync(p, "utf8").trim();
        if (text) return text;
      } catch {}
    }
    return undefined;
  };
  const cpuset =
    read(["/sys/fs/cgroup/cpuset/cpuset.cpus", "/sys/fs/cgroup/cpuset.cpus.effective"]) ??
    read(["/sys/devices/system/cpu/online"]) ??
    `0-${availableParallelism() - 1}`;
  const mems = read(["/sys/fs/cgroup/cpuset/cpuset.mems", "/sys/fs/cgroup/cpuset.mems.effective"]) ?? "0";
  return { count: availableParallelism(), cpuset, mems };
}

/** A cpuset list ("0-3,6"), as the numbers it names; undefined when it does not parse. */
export function parseCpuList(text: string): number[] | undefined {
  const out: number[] = [];
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (b < a || b - a > 4096) return undefined;
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

/** moby's validatePortBindings (Docker 28's words): container ports and host ports must parse. */
function checkPortBindings(bindings: NonNullable<HostConfig["PortBindings"]>): void {
  const isPort = (s: string) => /^\d{1,5}$/.test(s) && Number(s) <= 65535;
  const isRange = (s: string) => {
    const [a, b, ...rest] = s.split("-");
    return rest.length === 0 && isPort(a) && (b === undefined || (isPort(b) && Number(b) >= Number(a)));
  };
  for (const [key, list] of Object.entries(bindings)) {
    const slash = key.indexOf("/");
    const port = slash < 0 ? key : key.slice(0, slash);
    if (!isRange(port)) throw invalid(`invalid port specification: "${port}"`);
    for (const b of list ?? []) {
      const hostPort = b?.HostPort ?? "";
      if (hostPort === "") continue;
      const hp = hostPort.includes("/") ? hostPort.slice(0, hostPort.indexOf("/")) : hostPort;
      if (!isRange(hp)) throw invalid(`invalid port specification: "${hostPort}"`);
    }
  }
}

/**
 * moby's validateNetMode: what cannot go with sharing another container's network (or the
 * host's), checked on the request as given (before the image's config is merged in).
 */
export function checkNetworkMode(config: Partial<DockerConfig>, hc: HostConfig): void {
  const mode = hc.NetworkMode ?? "";
  const links = hc.Links ?? [];
  if (mode === "container" || mode.startsWith("container:")) {
    if (mode.slice("container:".length) === "")
      throw invalid("invalid network mode: invalid container format container:<name|id>");
    if (config.Hostname) throw invalid("conflicting options: hostname and the network mode");
    if (links.length > 0)
      throw invalid(
        "conflicting options: container type network can't be used with links. This would result in undefined behavior",
      );
    if ((hc.Dns ?? []).length > 0) throw invalid("conflicting options: dns and the network mode");
    if ((hc.ExtraHosts ?? []).length > 0)
      throw invalid("conflicting options: custom host-to-IP mapping and the network mode");
    if (Object.keys(hc.PortBindings ?? {}).length > 0 || hc.PublishAllPorts)
      throw invalid("conflicting options: port publishing and the container type network mode");
    if (Object.keys(config.ExposedPorts ?? {}).length > 0)
      throw invalid("conflicting options: port exposing and the container type network mode");
  }
  if (hc.UTSMode === "host" && config.Hostname)
    throw invalid("conflicting options: hostname and the UTS mode");
  if (mode === "host" && links.length > 0)
    throw invalid(
      "conflicting options: host type networking can't be used with links. This would result in undefined behavior",
    );
  for (const extra of hc.ExtraHosts ?? []) checkExtraHost(extra);
}

/** moby's opts.ValidateExtraHost: "host:ip" or "host=ip", ip may be bracketed or "host-gateway". */
export function checkExtraHost(value: string): { host: string; ip: string } {
  let sep = value.indexOf("=");
  if (sep < 0) sep = value.indexOf(":");
  const host = sep < 0 ? "" : value.slice(0, sep);
  if (sep < 0 || host === "" || host.includes(":")) throw invalid(`bad format for add-host: "${value}"`);
  let ip = value.slice(sep + 1);
  if (ip.length > 2 && ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
  if (ip !== "host-gateway" && isIP(ip) === 0) throw invalid(`invalid IP address in add-host: "${ip}"`);
  return { host, ip };
}
