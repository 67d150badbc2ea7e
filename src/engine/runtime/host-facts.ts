import { readFileSync } from "node:fs";

/**
 * Facts about the daemon's own process that bound what a container may get: the capability
 * bounding set (a privileged container gets all of it, never more: runc fails on a capability it
 * cannot hold), the hard rlimits (raising one needs CAP_SYS_RESOURCE, which some hosts drop) and
 * whether the kernel filters syscalls (seccomp).
 * Read once from /proc/self; the daemon's limits do not change while it runs.
 */

/** Linux capability names by bit number (linux/capability.h up to 6.x). */
export const CAPABILITY_NAMES = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
] as const;

let boundingSet: string[] | undefined;

/** The capabilities in the daemon's bounding set, by name. */
export function hostCapabilities(): string[] {
  if (boundingSet) return boundingSet;
  const status = readFileSync("/proc/self/status", "utf8");
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  const mask = hex === undefined ? (1n << BigInt(CAPABILITY_NAMES.length)) - 1n : BigInt(`0x${hex}`);
  boundingSet = CAPABILITY_NAMES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
  return boundingSet;
}

let seccompSupported: boolean | undefined;
/** Whether this kernel has seccomp filters (Docker's sysInfo.Seccomp). */
export function hostHasSeccomp(): boolean {
  if (seccompSupported === undefined) {
    try {
      seccompSupported = /^Seccomp:/m.test(readFileSync("/proc/self/status", "utf8"));
    } catch {
      seccompSupported = false;
    }
  }
  return seccompSupported;
}

/** /proc/self/limits row names → RLIMIT_* names. */
const LIMIT_ROWS: Record<string, string> = {
  "Max cpu time": "RLIMIT_CPU",
  "Max file size": "RLIMIT_FSIZE",
  "Max data size": "RLIMIT_DATA",
  "Max stack size": "RLIMIT_STACK",
  "Max core file size": "RLIMIT_CORE",
  "Max resident set": "RLIMIT_RSS",
  "Max processes": "RLIMIT_NPROC",
  "Max open files": "RLIMIT_NOFILE",
  "Max locked memory": "RLIMIT_MEMLOCK",
  "Max address space": "RLIMIT_AS",
  "Max file locks": "RLIMIT_LOCKS",
  "Max pending signals": "RLIMIT_SIGPENDING",
  "Max msgqueue size": "RLIMIT_MSGQUEUE",
  "Max nice priority": "RLIMIT_NICE",
  "Max realtime priority": "RLIMIT_RTPRIO",
  "Max realtime timeout": "RLIMIT_RTTIME",
};

let hardLimits: Map<string, number> | undefined;

/** The daemon's hard limit per RLIMIT_* name; -1 = unlimited. */
export function hostHardLimits(): Map<string, number> {
  if (hardLimits) return hardLimits;
  hardLimits = new Map();
  for (const line of readFileSync("/proc/self/limits", "utf8").split("\n").slice(1)) {
    for (const [row, type] of Object.entries(LIMIT_ROWS)) {
      if (!line.startsWith(row)) continue;
      const hard = line.slice(row.length).trim().split(/\s+/)[1];
      hardLimits.set(type, hard === "unlimited" ? -1 : Number(hard));
    }
  }
  return hardLimits;
}
