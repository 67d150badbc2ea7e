import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { invalid } from "../../lib/errors.ts";
import { resolveInRoot } from "../../lib/path-in-root.ts";
import {
  buildSpec,
  type MountInput,
  type NamespaceChoice,
  type OciSpec,
  type SeccompProfile,
  type SpecInput,
} from "../runtime/index.ts";
import { cgroupPathOf } from "./cgroup-path.ts";
import type { ContainerRecord } from "./model.ts";
import { seccompOption, securityFlag } from "./security-opt.ts";
import { resolveUser } from "./user.ts";

/**
 * Turns a container record (Docker's Config and HostConfig) into the runtime's spec input, once
 * the rootfs is mounted: the user is resolved from the container's own /etc/passwd and the
 * working directory is created, as Docker does at start. `network` is the namespace the
 * networking gave (default: the host's for host mode, else a new one); `env` comes before the
 * container's own variables (legacy links); `mounts` are the binds and volumes, ready.
 */
export function buildContainerSpec(
  rec: ContainerRecord,
  rootfs: string,
  o: {
    initPath?: string;
    /** the daemon's profile for containers that name none */
    seccomp?: SeccompProfile | "unconfined";
    network?: NamespaceChoice;
    env?: string[];
    mounts?: MountInput[];
  },
): OciSpec {
  const hc = rec.hostConfig;
  const securityOpts = hc.SecurityOpt ?? [];
  const user = resolveUser(rootfs, rec.config.User, hc.GroupAdd ?? []);
  const cwd = rec.config.WorkingDir || "/";
  if (!cwd.startsWith("/"))
    throw invalid(`the working directory '${cwd}' is invalid, it needs to be an absolute path`);
  mkdirSync(resolveInRoot(rootfs, cwd), { recursive: true });
  // Docker's init layer has /.dockerenv, which programs test for to know they run in a container
  // (resolved inside the root: an image's symlink there must not lead out of it)
  const dockerenv = resolveInRoot(rootfs, "/.dockerenv");
  if (!existsSync(dockerenv)) writeFileSync(dockerenv, "", { mode: 0o755, flag: "wx" });
  const mode = hc.NetworkMode ?? "bridge";
  const input: SpecInput = {
    rootfs,
    readonlyRootfs: hc.ReadonlyRootfs === true,
    args: [rec.path, ...rec.args],
    // Docker: a bare NAME (-e NAME while NAME is unset on the client) unsets, never reaches the process
    env: [...(o.env ?? []), ...(rec.config.Env ?? []).filter((e) => e.includes("="))],
    cwd,
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    hostname: rec.config.Hostname,
    domainname: rec.config.Domainname || undefined,
    terminal: rec.config.Tty,
    consoleSize:
      hc.ConsoleSize && hc.ConsoleSize[0] > 0
        ? { height: hc.ConsoleSize[0], width: hc.ConsoleSize[1] }
        : undefined,
    init: hc.Init ? (o.initPath ?? true) : undefined,
    network: o.network ?? (mode === "host" ? "host" : "private"),
    uts: mode === "host" || hc.UTSMode === "host" ? "host" : "private",
    ipc: hc.IpcMode === "host" ? "host" : "private",
    pid: hc.PidMode === "host" ? "host" : "private",
    cgroupns: hc.CgroupnsMode === "private" ? "private" : "host",
    mounts: [
      ...etcMounts(rec, hc.ReadonlyRootfs === true),
      ...(o.mounts ?? []),
      ...tmpfsMounts(hc.Tmpfs ?? {}),
      ...apiTmpfsMounts(hc.Mounts ?? []),
    ],
    shmSize: hc.ShmSize || undefined,
    privileged: hc.Privileged === true,
    capAdd: hc.CapAdd ?? [],
    capDrop: hc.CapDrop ?? [],
    devices: (hc.Devices ?? []).map((d) => ({
      hostPath: d.PathOnHost,
      containerPath: d.PathInContainer || undefined,
      permissions: d.CgroupPermissions || undefined,
    })),
    deviceCgroupRules: hc.DeviceCgroupRules ?? [],
    ulimits: (hc.Ulimits ?? []).map((u) => ({ name: u.Name, soft: u.Soft, hard: u.Hard })),
    cgroupsPath: cgroupPathOf(rec.id, hc.CgroupParent),
    sysctls: hc.Sysctls ?? undefined,
    noNewPrivileges: securityFlag(securityOpts, "no-new-privileges") === true,
    writableCgroups: securityFlag(securityOpts, "writable-cgroups"),
    seccomp: seccompChoice(seccompOption(securityOpts), hc.Privileged === true, o.seccomp),
    unmaskSystemPaths: securityOpts.includes("systempaths=unconfined"),
    maskedPaths: hc.MaskedPaths ?? undefined,
    readonlyPaths: hc.ReadonlyPaths ?? undefined,
    oomScoreAdj: hc.OomScoreAdj || undefined,
    resources: {
      memory: hc.Memory || undefined,
      memoryReservation: hc.MemoryReservation || undefined,
      memorySwap: hc.MemorySwap || undefined,
      cpuShares: hc.CpuShares || undefined,
      cpuPeriod: hc.CpuPeriod || undefined,
      cpuQuota: hc.CpuQuota || undefined,
      nanoCpus: hc.NanoCpus || undefined,
      cpusetCpus: hc.CpusetCpus || undefined,
      cpusetMems: hc.CpusetMems || undefined,
      pidsLimit: hc.PidsLimit || undefined,
      memorySwappiness: hc.MemorySwappiness ?? undefined,
      oomKillDisable: hc.OomKillDisable === true,
      blkioWeight: hc.BlkioWeight || undefined,
      blkioWeightDevice: (hc.BlkioWeightDevice ?? []).map((d) => ({
        ...blockDevice(d.Path),
        weight: d.Weight,
      })),
      throttleReadBpsDevice: throttled(hc.BlkioDeviceReadBps),
      throttleWriteBpsDevice: throttled(hc.BlkioDeviceWriteBps),
      throttleReadIOPSDevice: throttled(hc.BlkioDeviceReadIOps),
      throttleWriteIOPSDevice: throttled(hc.BlkioDeviceWriteIOps),
      cpuRealtimePeriod: hc.CpuRealtimePeriod || undefined,
      cpuRealtimeRuntime: hc.CpuRealtimeRuntime || undefined,
    },
  };
  // moby's handleDevice: no device driver is known here, for GPUs (--gpus) or anything else
  const request = hc.DeviceRequests?.[0];
  if (request) {
    const caps = `[${(request.Capabilities ?? []).map((c) => `[${c.join(" ")}]`).join(" ")}]`;
    throw invalid(`could not select device driver "${request.Driver ?? ""}" with capabilities: ${caps}`);
  }
  return buildSpec(input);
}

function throttled(list: Array<{ Path: string; Rate: number }> | null | undefined) {
  return (list ?? []).map((d) => ({ ...blockDevice(d.Path), rate: d.Rate }));
}

/** A host device's numbers, as moby's getBlkio*Devices stat it (their error, at start). */
function blockDevice(path: string): { major: number; minor: number } {
  let rdev: bigint;
  try {
    rdev = statSync(path, { bigint: true }).rdev;
  } catch (err) {
    throw invalid(
      `stat ${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (err as Error).message}`,
    );
  }
  // glibc's gnu_dev_major and gnu_dev_minor
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { major, minor };
}

function etcMounts(rec: ContainerRecord, readonly: boolean): MountInput[] {
  return [
    { type: "bind", source: rec.resolvConfPath, destination: "/etc/resolv.conf", readonly },
    { type: "bind", source: rec.hostnamePath, destination: "/etc/hostname", readonly },
    { type: "bind", source: rec.hostsPath, destination: "/etc/hosts", readonly },
  ];
}

/** --tmpfs /run:rw,noexec,size=64m */
function tmpfsMounts(tmpfs: Record<string, string>): MountInput[] {
  return Object.entries(tmpfs).map(([destination, opts]) => {
    const options = (opts ?? "").split(",").filter(Boolean);
    return {
      type: "tmpfs" as const,
      destination,
      readonly: options.includes("ro"),
      options: options.filter((x) => x !== "ro" && x !== "rw"),
    };
  });
}

interface ApiMount {
  Type: string;
  Target: string;
  ReadOnly?: boolean;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

/** --mount type=tmpfs (binds and volumes are mount points: see mount-points.ts) */
function apiTmpfsMounts(mounts: ApiMount[]): MountInput[] {
  return mounts
    .filter((m) => m.Type === "tmpfs")
    .map((m) => ({
      type: "tmpfs" as const,
      destination: m.Target,
      readonly: m.ReadOnly === true,
      tmpfsSize: m.TmpfsOptions?.SizeBytes,
      tmpfsMode: m.TmpfsOptions?.Mode,
    }));
}

/**
 * As moby's WithSeccomp: the container's own choice ("builtin" is Docker's default profile), else
 * the daemon's, which a privileged container does without.
 */
function seccompChoice(
  own: SeccompProfile | "builtin" | "unconfined" | undefined,
  privileged: boolean,
  daemon: SeccompProfile | "unconfined" | undefined,
): SeccompProfile | "unconfined" | undefined {
  if (own === "builtin") return undefined;
  return own ?? (privileged ? undefined : daemon);
}
