import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { invalid } from "../../lib/errors.ts";
import { resolveInRoot } from "../../lib/path-in-root.ts";
import {
  buildSpec,
  type MountInput,
  type NamespaceChoice,
  type OciSpec,
  type SpecInput,
} from "../runtime/index.ts";
import type { ContainerRecord } from "./model.ts";
import { resolveUser } from "./user.ts";

/**
 * Turns a container record (Docker's Config and HostConfig) into the runtime's spec input, once
 * the rootfs is mounted: the user is resolved from the container's own /etc/passwd and the
 * working directory is created, as Docker does at start. `network` is the namespace the
 * networking gave (default: the host's for host mode, else a new one); `env` comes before the
 * container's own variables (legacy links).
 */
export function buildContainerSpec(
  rec: ContainerRecord,
  rootfs: string,
  o: { initPath?: string; network?: NamespaceChoice; env?: string[] },
): OciSpec {
  const hc = rec.hostConfig;
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
    mounts: [
      ...etcMounts(rec, hc.ReadonlyRootfs === true),
      ...bindMounts(hc.Binds ?? []),
      ...tmpfsMounts(hc.Tmpfs ?? {}),
      ...apiMounts(hc.Mounts ?? []),
    ],
    shmSize: hc.ShmSize || undefined,
    privileged: hc.Privileged === true,
    capAdd: hc.CapAdd ?? [],
    capDrop: hc.CapDrop ?? [],
    ulimits: (hc.Ulimits ?? []).map((u) => ({ name: u.Name, soft: u.Soft, hard: u.Hard })),
    cgroupsPath: `/kapsel/${rec.id}`,
    sysctls: hc.Sysctls ?? undefined,
    noNewPrivileges: (hc.SecurityOpt ?? []).some(
      (s) => s === "no-new-privileges" || s === "no-new-privileges:true" || s === "no-new-privileges=true",
    ),
    unmaskSystemPaths: (hc.SecurityOpt ?? []).includes("systempaths=unconfined"),
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
    },
  };
  return buildSpec(input);
}

function etcMounts(rec: ContainerRecord, readonly: boolean): MountInput[] {
  return [
    { type: "bind", source: rec.resolvConfPath, destination: "/etc/resolv.conf", readonly },
    { type: "bind", source: rec.hostnamePath, destination: "/etc/hostname", readonly },
    { type: "bind", source: rec.hostsPath, destination: "/etc/hosts", readonly },
  ];
}

/** -v /host:/ctr[:ro|rw|z|Z|propagation|nocopy] */
export function bindMounts(binds: string[]): MountInput[] {
  return binds.map((bind) => {
    const parts = bind.split(":");
    if (parts.length < 2 || parts.length > 3) throw invalid(`invalid volume specification: '${bind}'`);
    const [source, destination, opts = ""] = parts;
    if (!destination.startsWith("/"))
      throw invalid(
        `invalid volume specification: '${bind}': invalid mount config: invalid mount path: '${destination}' mount path must be absolute`,
      );
    const options = opts.split(",").filter(Boolean);
    let readonly = false;
    let propagation: string | undefined;
    for (const opt of options) {
      if (opt === "ro") readonly = true;
      else if (opt === "rw" || opt === "z" || opt === "Z" || opt === "nocopy") continue;
      else if (["private", "rprivate", "shared", "rshared", "slave", "rslave"].includes(opt))
        propagation = opt;
      else throw invalid(`invalid mode: ${opt}`);
    }
    mkdirSync(source, { recursive: true }); // Docker creates a missing bind source for -v
    return { type: "bind", source, destination, readonly, propagation };
  });
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
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

function apiMounts(mounts: ApiMount[]): MountInput[] {
  return mounts.map((m) => {
    if (!m.Target?.startsWith("/"))
      throw invalid(
        `invalid mount config for type "${m.Type}": invalid mount path: '${m.Target}' mount path must be absolute`,
      );
    if (m.Type === "bind") {
      if (!m.Source) throw invalid(`invalid mount config for type "bind": field Source must not be empty`);
      return {
        type: "bind",
        source: m.Source,
        destination: m.Target,
        readonly: m.ReadOnly === true,
        propagation: m.BindOptions?.Propagation,
        nonRecursive: m.BindOptions?.NonRecursive,
      };
    }
    return {
      type: "tmpfs",
      destination: m.Target,
      readonly: m.ReadOnly === true,
      tmpfsSize: m.TmpfsOptions?.SizeBytes,
      tmpfsMode: m.TmpfsOptions?.Mode,
    };
  });
}
