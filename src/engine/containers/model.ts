import type { MountPoint } from "./mount-points.ts";

/**
 * The container record: what kapsel keeps about a container. Config and HostConfig are kept in
 * Docker's own shapes because they are the create request's contract and inspect returns them
 * as given; State is kapsel's state machine in Docker's field names.
 */

export type ContainerStatus =
  | "created"
  | "running"
  | "paused"
  | "restarting"
  | "removing"
  | "exited"
  | "dead";

// biome-ignore lint/suspicious/noExplicitAny: Docker's open-ended JSON objects
export type Json = any;

export interface DockerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, object> | null;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  Healthcheck?: Json;
  ArgsEscaped?: boolean;
  Image: string;
  Volumes: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  NetworkDisabled?: boolean;
  MacAddress?: string;
  OnBuild: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  Shell?: string[];
}

export interface HostConfig {
  Binds?: string[] | null;
  ContainerIDFile?: string;
  LogConfig?: { Type: string; Config: Record<string, string> };
  NetworkMode?: string;
  PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null;
  RestartPolicy?: { Name: string; MaximumRetryCount?: number };
  AutoRemove?: boolean;
  VolumeDriver?: string;
  VolumesFrom?: string[] | null;
  Mounts?: Json[];
  ConsoleSize?: [number, number] | null;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  Dns?: string[] | null;
  DnsOptions?: string[] | null;
  DnsSearch?: string[] | null;
  ExtraHosts?: string[] | null;
  GroupAdd?: string[] | null;
  IpcMode?: string;
  PidMode?: string;
  Privileged?: boolean;
  PublishAllPorts?: boolean;
  ReadonlyRootfs?: boolean;
  SecurityOpt?: string[] | null;
  Tmpfs?: Record<string, string> | null;
  UTSMode?: string;
  ShmSize?: number;
  Sysctls?: Record<string, string> | null;
  Runtime?: string;
  Init?: boolean | null;
  Ulimits?: Array<{ Name: string; Soft: number; Hard: number }> | null;
  Links?: string[] | null;
  CgroupnsMode?: string;
  Devices?: Array<{ PathOnHost: string; PathInContainer?: string; CgroupPermissions?: string }> | null;
  DeviceCgroupRules?: string[] | null;
  MemorySwappiness?: number | null;
  PidsLimit?: number | null;
  CgroupParent?: string;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  BlkioWeightDevice?: Array<{ Path: string; Weight: number }> | null;
  BlkioDeviceReadBps?: ThrottleDevice[] | null;
  BlkioDeviceWriteBps?: ThrottleDevice[] | null;
  BlkioDeviceReadIOps?: ThrottleDevice[] | null;
  BlkioDeviceWriteIOps?: ThrottleDevice[] | null;
  DeviceRequests?: Array<{ Driver?: string; Count?: number; Capabilities?: string[][] | null }> | null;
  Isolation?: string;
  IOMaximumBandwidth?: number;
  IOMaximumIOps?: number;
  CpuPercent?: number;
  MaskedPaths?: string[] | null;
  ReadonlyPaths?: string[] | null;
  OomKillDisable?: boolean | null;
  BlkioWeight?: number;
  [key: string]: Json;
}

/** --device-{read,write}-{bps,iops}: a host device and its limit */
export interface ThrottleDevice {
  Path: string;
  Rate: number;
}

/**
 * Docker's EndpointSettings as a create or connect request gives them: the configuration of a
 * container's place on one network (the live address and ports belong to the network domain).
 */
export interface EndpointConfig {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Links?: string[] | null;
  Aliases?: string[] | null;
  MacAddress?: string;
  DriverOpts?: Record<string, string> | null;
  GwPriority?: number;
  [key: string]: Json;
}

/** State.Health, for a container with a healthcheck (see health.ts) */
export interface HealthState {
  Status: "starting" | "healthy" | "unhealthy";
  FailingStreak: number;
  /** the last five probes, oldest first */
  Log: Array<{ Start: string; End: string; ExitCode: number; Output: string }>;
}

export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  Health?: HealthState;
}

export interface ContainerRecord {
  id: string;
  /** without the leading slash */
  name: string;
  created: string;
  /** the image as the user named it */
  image: string;
  imageId: string;
  /** resolved entrypoint + cmd */
  path: string;
  args: string[];
  config: DockerConfig;
  hostConfig: HostConfig;
  state: ContainerState;
  restartCount: number;
  /** set when the rootfs was prepared (layer created) */
  driver: string;
  logPath: string;
  hostnamePath: string;
  hostsPath: string;
  resolvConfPath: string;
  /**
   * The networks the container joins when it starts, by network name, in order (the first is
   * NetworkMode's): filled at create, changed by network connect/disconnect. Records made
   * before networking existed have none; NetworkMode stands for them.
   */
  networks?: Record<string, EndpointConfig>;
  /** binds and volumes, Docker's MountPoints (records made before volumes existed have none: see mountPointsOf) */
  mounts?: MountPoint[];
  /**
   * While it runs in host or none mode: its endpoint on that network. Docker makes one per
   * start although nothing is plugged; inspect and `network inspect host|none` show it.
   */
  endpointId?: string;
}

export const ZERO_TIME = "0001-01-01T00:00:00Z";

export function initialState(): ContainerState {
  return {
    Status: "created",
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: "",
    StartedAt: ZERO_TIME,
    FinishedAt: ZERO_TIME,
  };
}
