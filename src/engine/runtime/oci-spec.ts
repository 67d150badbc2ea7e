/**
 * The OCI runtime-spec 1.0 `config.json` shape, as far as kapsel writes it (field names are the
 * spec's own). One deviation: an rlimit of -1 means RLIM_INFINITY (2^64-1, which a JS number
 * cannot hold); `serializeSpec` in spec.ts writes it as the exact integer runc expects.
 */

export interface OciSpec {
  ociVersion: string;
  process?: ProcessSpec;
  root?: { path: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts?: OciMount[];
  annotations?: Record<string, string>;
  linux?: OciLinux;
}

export interface ProcessSpec {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: OciUser;
  args: string[];
  env?: string[];
  cwd: string;
  capabilities?: OciCapabilities;
  rlimits?: OciRlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  selinuxLabel?: string;
}

export interface OciUser {
  uid: number;
  gid: number;
  umask?: number;
  additionalGids?: number[];
}

export interface OciCapabilities {
  bounding?: string[];
  effective?: string[];
  inheritable?: string[];
  permitted?: string[];
  ambient?: string[];
}

/** `type` is e.g. "RLIMIT_NOFILE"; -1 means unlimited. */
export interface OciRlimit {
  type: string;
  soft: number;
  hard: number;
}

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export type NamespaceType = "pid" | "network" | "ipc" | "uts" | "mount" | "user" | "cgroup";

export interface OciNamespace {
  type: NamespaceType;
  /** join this existing namespace (e.g. /proc/<pid>/ns/net or a bind-mounted netns file) */
  path?: string;
}

export interface OciDevice {
  type: "c" | "b" | "u" | "p";
  path: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

export interface OciDeviceRule {
  allow: boolean;
  type?: "a" | "c" | "b";
  major?: number;
  minor?: number;
  access?: string;
}

export interface OciResources {
  devices?: OciDeviceRule[];
  memory?: {
    limit?: number;
    reservation?: number;
    swap?: number;
    kernel?: number;
    swappiness?: number;
    disableOOMKiller?: boolean;
  };
  cpu?: {
    shares?: number;
    quota?: number;
    period?: number;
    realtimeRuntime?: number;
    realtimePeriod?: number;
    cpus?: string;
    mems?: string;
  };
  pids?: { limit: number };
  blockIO?: {
    weight?: number;
    weightDevice?: Array<OciBlockDevice & { weight: number }>;
    throttleReadBpsDevice?: Array<OciBlockDevice & { rate: number }>;
    throttleWriteBpsDevice?: Array<OciBlockDevice & { rate: number }>;
    throttleReadIOPSDevice?: Array<OciBlockDevice & { rate: number }>;
    throttleWriteIOPSDevice?: Array<OciBlockDevice & { rate: number }>;
  };
}

/** A host block device by number (the blkio cgroup names devices so). */
export interface OciBlockDevice {
  major: number;
  minor: number;
}

export interface OciIdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface OciLinux {
  namespaces?: OciNamespace[];
  uidMappings?: OciIdMapping[];
  gidMappings?: OciIdMapping[];
  devices?: OciDevice[];
  cgroupsPath?: string;
  resources?: OciResources;
  sysctl?: Record<string, string>;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  rootfsPropagation?: string;
  seccomp?: LinuxSeccomp;
  mountLabel?: string;
}

/** The runtime spec's seccomp object, which runc compiles with libseccomp. */
export interface LinuxSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: LinuxSyscall[];
}

export interface LinuxSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: LinuxSeccompArg[];
}

export interface LinuxSeccompArg {
  index: number;
  value: number | bigint;
  valueTwo?: number | bigint;
  op: string;
}
