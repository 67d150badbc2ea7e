import {
  type ContainerRecord,
  mountPointsOf,
  type NetworkView,
  ZERO_TIME,
} from "../engine/containers/index.ts";
import { compareStrings } from "../lib/compare.ts";
import { humanDuration } from "../lib/human-duration.ts";

/** Docker's container state text ("Up 5 seconds", "Exited (0) 2 minutes ago", "Created"). */
export function statusText(rec: ContainerRecord, now = Date.now()): string {
  const s = rec.state;
  if (s.Running) {
    if (s.Paused) return `Up ${humanDuration(now - Date.parse(s.StartedAt))} (Paused)`;
    if (s.Restarting)
      return `Restarting (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
    // moby's State.String: the health status follows, "starting" as "health: starting"
    const health = s.Health
      ? ` (${s.Health.Status === "starting" ? "health: starting" : s.Health.Status})`
      : "";
    return `Up ${humanDuration(now - Date.parse(s.StartedAt))}${health}`;
  }
  if (s.Status === "removing") return "Removal In Progress";
  if (s.Dead) return "Dead";
  if (s.StartedAt === ZERO_TIME) return "Created";
  if (s.FinishedAt === ZERO_TIME) return "";
  return `Exited (${s.ExitCode}) ${humanDuration(now - Date.parse(s.FinishedAt))} ago`;
}

/** Go writes a map's keys sorted; clients that re-encode (docker inspect's json) keep that order. */
function sortedKeys(map: Record<string, string> | null | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(map ?? {}).sort(([a], [b]) => compareStrings(a, b)));
}

const networkMode = (rec: ContainerRecord) => rec.hostConfig.NetworkMode ?? "bridge";

/** Docker 28's field order of an EndpointSettings (clients that print the daemon's JSON show it). */
const ENDPOINT_FIELDS = [
  "IPAMConfig",
  "Links",
  "Aliases",
  "MacAddress",
  "DriverOpts",
  "GwPriority",
  "NetworkID",
  "EndpointID",
  "Gateway",
  "IPAddress",
  "IPPrefixLen",
  "IPv6Gateway",
  "GlobalIPv6Address",
  "GlobalIPv6PrefixLen",
  "DNSNames",
] as const;

function networksView(networks: NetworkView["networks"]) {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, ep] of Object.entries(networks)) {
    const src = ep as unknown as Record<string, unknown>;
    out[name] = Object.fromEntries(ENDPOINT_FIELDS.map((k) => [k, src[k] ?? null]));
  }
  return out;
}

/** Docker's Port list of a summary: one per published binding, one per port only exposed. */
function summaryPorts(ports: NetworkView["ports"]) {
  const out: { IP?: string; PrivatePort: number; PublicPort?: number; Type: string }[] = [];
  for (const [key, bindings] of Object.entries(ports)) {
    const [port, type = "tcp"] = key.split("/");
    if (!bindings || bindings.length === 0) out.push({ PrivatePort: Number(port), Type: type });
    else
      for (const b of bindings)
        out.push({ IP: b.HostIp, PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: type });
  }
  return out;
}

/** One row of GET /containers/json. */
export function containerSummary(
  rec: ContainerRecord,
  net: NetworkView,
  size?: { rw: number; rootFs: number },
  linkNames: string[] = [],
) {
  return {
    Id: rec.id,
    Names: [`/${rec.name}`, ...linkNames],
    Image: rec.image,
    ImageID: rec.imageId,
    Command: [rec.path, ...rec.args].join(" "),
    Created: Math.floor(Date.parse(rec.created) / 1000),
    Ports: summaryPorts(net.ports),
    ...(size ? { SizeRw: size.rw, SizeRootFs: size.rootFs } : {}),
    Labels: sortedKeys(rec.config.Labels),
    State: rec.state.Status,
    Status: statusText(rec),
    HostConfig: { NetworkMode: networkMode(rec) },
    NetworkSettings: { Networks: networksView(net.networks) },
    Mounts: mountsView(rec),
  };
}

/** GET /containers/{id}/json */
export function containerInspect(
  rec: ContainerRecord,
  execIds: string[],
  graphDriver: { Name: string; Data: Record<string, string> | null },
  net: NetworkView,
  size?: { rw: number; rootFs: number },
) {
  // the deprecated top-level addresses are the default bridge's, as in Docker
  const bridge = net.networks.bridge;
  return {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: { ...rec.state },
    Image: rec.imageId,
    ResolvConfPath: rec.resolvConfPath,
    HostnamePath: rec.hostnamePath,
    HostsPath: rec.hostsPath,
    LogPath: rec.hostConfig.LogConfig?.Type === "none" ? "" : rec.logPath,
    Name: `/${rec.name}`,
    RestartCount: rec.restartCount,
    Driver: graphDriver.Name,
    Platform: "linux",
    MountLabel: "",
    ProcessLabel: "",
    AppArmorProfile: "",
    ExecIDs: execIds.length > 0 ? execIds : null,
    HostConfig: hostConfigView(rec),
    GraphDriver: graphDriver,
    ...(size ? { SizeRw: size.rw, SizeRootFs: size.rootFs } : {}),
    Mounts: mountsView(rec),
    Config: { ...rec.config, Labels: sortedKeys(rec.config.Labels) },
    NetworkSettings: {
      Bridge: "",
      SandboxID: net.sandboxId,
      SandboxKey: net.sandboxKey,
      Ports: net.ports,
      HairpinMode: false,
      LinkLocalIPv6Address: "",
      LinkLocalIPv6PrefixLen: 0,
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      EndpointID: bridge?.EndpointID ?? "",
      Gateway: bridge?.Gateway ?? "",
      GlobalIPv6Address: "",
      GlobalIPv6PrefixLen: 0,
      IPAddress: bridge?.IPAddress ?? "",
      IPPrefixLen: bridge?.IPPrefixLen ?? 0,
      IPv6Gateway: "",
      MacAddress: bridge?.MacAddress ?? "",
      Networks: networksView(net.networks),
    },
  };
}

/**
 * Docker's HostConfig as inspect shows it: the fields the create request gave, as given, over
 * Docker 28's defaults for the ones it left out (so settings kapsel keeps but does not list
 * here, e.g. DeviceCgroupRules, still read back).
 */
function hostConfigView(rec: ContainerRecord) {
  const hc = rec.hostConfig;
  const view = {
    Binds: hc.Binds ?? null,
    ContainerIDFile: hc.ContainerIDFile ?? "",
    LogConfig: hc.LogConfig ?? { Type: "json-file", Config: {} },
    NetworkMode: networkMode(rec),
    PortBindings: hc.PortBindings ?? {},
    RestartPolicy: hc.RestartPolicy ?? { Name: "no", MaximumRetryCount: 0 },
    AutoRemove: hc.AutoRemove ?? false,
    VolumeDriver: hc.VolumeDriver ?? "",
    VolumesFrom: hc.VolumesFrom ?? null,
    ConsoleSize: hc.ConsoleSize ?? [0, 0],
    CapAdd: hc.CapAdd ?? null,
    CapDrop: hc.CapDrop ?? null,
    // Docker's default on a cgroup v1 host
    CgroupnsMode: hc.CgroupnsMode || "host",
    Dns: hc.Dns ?? [],
    DnsOptions: hc.DnsOptions ?? [],
    DnsSearch: hc.DnsSearch ?? [],
    ExtraHosts: hc.ExtraHosts ?? null,
    GroupAdd: hc.GroupAdd ?? null,
    IpcMode: hc.IpcMode || "private",
    Cgroup: hc.Cgroup ?? "",
    Links: hc.Links ?? null,
    OomScoreAdj: hc.OomScoreAdj ?? 0,
    PidMode: hc.PidMode ?? "",
    Privileged: hc.Privileged ?? false,
    PublishAllPorts: hc.PublishAllPorts ?? false,
    ReadonlyRootfs: hc.ReadonlyRootfs ?? false,
    SecurityOpt: hc.SecurityOpt ?? null,
    Tmpfs: hc.Tmpfs ?? undefined,
    UTSMode: hc.UTSMode ?? "",
    UsernsMode: hc.UsernsMode ?? "",
    ShmSize: hc.ShmSize || 67108864,
    Runtime: hc.Runtime || "runc",
    Isolation: hc.Isolation ?? "",
    CpuShares: hc.CpuShares ?? 0,
    Memory: hc.Memory ?? 0,
    NanoCpus: hc.NanoCpus ?? 0,
    CgroupParent: hc.CgroupParent ?? "",
    BlkioWeight: hc.BlkioWeight ?? 0,
    BlkioWeightDevice: hc.BlkioWeightDevice ?? null,
    BlkioDeviceReadBps: hc.BlkioDeviceReadBps ?? null,
    BlkioDeviceWriteBps: hc.BlkioDeviceWriteBps ?? null,
    BlkioDeviceReadIOps: hc.BlkioDeviceReadIOps ?? null,
    BlkioDeviceWriteIOps: hc.BlkioDeviceWriteIOps ?? null,
    CpuPeriod: hc.CpuPeriod ?? 0,
    CpuQuota: hc.CpuQuota ?? 0,
    CpuRealtimePeriod: hc.CpuRealtimePeriod ?? 0,
    CpuRealtimeRuntime: hc.CpuRealtimeRuntime ?? 0,
    CpusetCpus: hc.CpusetCpus ?? "",
    CpusetMems: hc.CpusetMems ?? "",
    Devices: hc.Devices ?? [],
    DeviceCgroupRules: hc.DeviceCgroupRules ?? null,
    DeviceRequests: hc.DeviceRequests ?? null,
    MemoryReservation: hc.MemoryReservation ?? 0,
    MemorySwap: hc.MemorySwap ?? 0,
    // containers made before create normalized these: -1 and 0 are Docker's "not set"
    MemorySwappiness: hc.MemorySwappiness === -1 ? null : (hc.MemorySwappiness ?? null),
    OomKillDisable: hc.OomKillDisable ?? null,
    PidsLimit: hc.PidsLimit ?? null,
    Ulimits: hc.Ulimits ?? [],
    CpuCount: hc.CpuCount ?? 0,
    CpuPercent: hc.CpuPercent ?? 0,
    IOMaximumIOps: hc.IOMaximumIOps ?? 0,
    IOMaximumBandwidth: hc.IOMaximumBandwidth ?? 0,
    Init: hc.Init ?? undefined,
    Mounts: hc.Mounts,
    MaskedPaths: hc.MaskedPaths,
    ReadonlyPaths: hc.ReadonlyPaths,
  };
  const given = Object.fromEntries(Object.entries(hc).filter(([k]) => !(k in view)));
  return { ...view, ...given };
}

/** Docker's MountPoints as inspect and ps show them: binds, volumes, --mount tmpfs (not --tmpfs). */
function mountsView(rec: ContainerRecord) {
  const tmpfs = (rec.hostConfig.Mounts ?? [])
    .filter((m: { Type?: string }) => m.Type === "tmpfs")
    .map((m: { Target: string; ReadOnly?: boolean }) => ({
      Type: "tmpfs",
      Source: "",
      Destination: m.Target,
      Mode: "",
      RW: !m.ReadOnly,
      Propagation: "",
    }));
  const points = mountPointsOf(rec).map((mp) => ({
    Type: mp.Type,
    ...(mp.Type === "volume" ? { Name: mp.Name ?? "" } : {}),
    Source: mp.Source,
    Destination: mp.Destination,
    ...(mp.Type === "volume" ? { Driver: mp.Driver ?? "local" } : {}),
    Mode: mp.Mode,
    RW: mp.RW,
    Propagation: mp.Propagation,
  }));
  return [...points, ...tmpfs];
}
