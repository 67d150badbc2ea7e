/**
 * The daemon's container and image inspect JSON as the docker CLI sees it: decoded into moby's
 * Go types (v28.2.2 api/types: container.InspectResponse, image.InspectResponse), which its
 * inspect templates run over first. Zero values follow Go: an absent slice is nil (prints `[]`,
 * marshals `null`), an absent map likewise (`map[]`), an absent pointer is nil (`<nil>`), an
 * absent value struct is its zero struct; unknown fields fail ("can't evaluate field"), so
 * inspector.ts falls back to the raw JSON as docker does.
 */

import { compareStrings } from "../lib/compare.ts";
import { formatGoDuration } from "../lib/go-duration.ts";
import { GO_PRINT_FIELDS, goTypedStruct, isGoStruct } from "./format/go-print.ts";

type Scalar = "string" | "int" | "bool" | "any" | "duration" | "time";
type Desc = Scalar | { slice: Desc; zero?: unknown[] } | { map: Desc } | { ptr: StructDesc } | StructDesc;
interface FieldOpts {
  json?: string;
  omitempty?: boolean;
  embed?: boolean;
}
type Field = [goName: string, desc: Desc, opts?: FieldOpts];
interface StructDesc {
  name: string;
  fields: Field[];
}

const S = "string";
const I = "int";
const B = "bool";
const OMIT: FieldOpts = { omitempty: true };
const EMBED: FieldOpts = { embed: true };
const sl = (d: Desc): Desc => ({ slice: d });
const mp = (d: Desc): Desc => ({ map: d });
const ptr = (d: StructDesc): Desc => ({ ptr: d });
const st = (name: string, fields: Field[]): StructDesc => ({ name, fields });
const strs = sl(S);
const strMap = mp(S);
const EMPTY = st("struct {}", []);
const set = mp(EMPTY);

// go-connections nat, go-units, blkiodev
const PORT_MAP = mp(
  sl(
    st("nat.PortBinding", [
      ["HostIP", S, { json: "HostIp" }],
      ["HostPort", S],
    ]),
  ),
);
const ULIMIT = st("units.Ulimit", [
  ["Name", S],
  ["Hard", I],
  ["Soft", I],
]);
const WEIGHT_DEVICE = st("blkiodev.WeightDevice", [
  ["Path", S],
  ["Weight", I],
]);
const THROTTLE_DEVICE = st("blkiodev.ThrottleDevice", [
  ["Path", S],
  ["Rate", I],
]);

const HEALTH_CONFIG = st("v1.HealthcheckConfig", [
  ["Test", strs, OMIT],
  ["Interval", "duration", OMIT],
  ["Timeout", "duration", OMIT],
  ["StartPeriod", "duration", OMIT],
  ["StartInterval", "duration", OMIT],
  ["Retries", I, OMIT],
]);

const PLATFORM = st("v1.Platform", [
  ["Architecture", S, { json: "architecture" }],
  ["OS", S, { json: "os" }],
  ["OSVersion", S, { json: "os.version", omitempty: true }],
  ["OSFeatures", strs, { json: "os.features", omitempty: true }],
  ["Variant", S, { json: "variant", omitempty: true }],
]);

const DESCRIPTOR = st("v1.Descriptor", [
  ["MediaType", S, { json: "mediaType" }],
  ["Digest", S, { json: "digest" }],
  ["Size", I, { json: "size" }],
  ["URLs", strs, { json: "urls", omitempty: true }],
  ["Annotations", strMap, { json: "annotations", omitempty: true }],
  ["Data", "any", { json: "data", omitempty: true }],
  ["Platform", ptr(PLATFORM), { json: "platform", omitempty: true }],
  ["ArtifactType", S, { json: "artifactType", omitempty: true }],
]);

const DRIVER_DATA = st("storage.DriverData", [
  ["Data", strMap],
  ["Name", S],
]);

const STATE = st("container.State", [
  ["Status", S],
  ["Running", B],
  ["Paused", B],
  ["Restarting", B],
  ["OOMKilled", B],
  ["Dead", B],
  ["Pid", I],
  ["ExitCode", I],
  ["Error", S],
  ["StartedAt", S],
  ["FinishedAt", S],
  [
    "Health",
    ptr(
      st("container.Health", [
        ["Status", S],
        ["FailingStreak", I],
        [
          "Log",
          sl(
            ptr(
              st("container.HealthcheckResult", [
                ["Start", "time"],
                ["End", "time"],
                ["ExitCode", I],
                ["Output", S],
              ]),
            ),
          ),
        ],
      ]),
    ),
    OMIT,
  ],
]);

const RESOURCES = st("container.Resources", [
  ["CPUShares", I, { json: "CpuShares" }],
  ["Memory", I],
  ["NanoCPUs", I, { json: "NanoCpus" }],
  ["CgroupParent", S],
  ["BlkioWeight", I],
  ["BlkioWeightDevice", sl(ptr(WEIGHT_DEVICE))],
  ["BlkioDeviceReadBps", sl(ptr(THROTTLE_DEVICE))],
  ["BlkioDeviceWriteBps", sl(ptr(THROTTLE_DEVICE))],
  ["BlkioDeviceReadIOps", sl(ptr(THROTTLE_DEVICE))],
  ["BlkioDeviceWriteIOps", sl(ptr(THROTTLE_DEVICE))],
  ["CPUPeriod", I, { json: "CpuPeriod" }],
  ["CPUQuota", I, { json: "CpuQuota" }],
  ["CPURealtimePeriod", I, { json: "CpuRealtimePeriod" }],
  ["CPURealtimeRuntime", I, { json: "CpuRealtimeRuntime" }],
  ["CpusetCpus", S],
  ["CpusetMems", S],
  [
    "Devices",
    sl(
      st("container.DeviceMapping", [
        ["PathOnHost", S],
        ["PathInContainer", S],
        ["CgroupPermissions", S],
      ]),
    ),
  ],
  ["DeviceCgroupRules", strs],
  [
    "DeviceRequests",
    sl(
      st("container.DeviceRequest", [
        ["Driver", S],
        ["Count", I],
        ["DeviceIDs", strs],
        ["Capabilities", sl(strs)],
        ["Options", strMap],
      ]),
    ),
  ],
  ["KernelMemory", I, OMIT],
  ["KernelMemoryTCP", I, OMIT],
  ["MemoryReservation", I],
  ["MemorySwap", I],
  ["MemorySwappiness", "any"],
  ["OomKillDisable", "any"],
  ["PidsLimit", "any"],
  ["Ulimits", sl(ptr(ULIMIT))],
  ["CPUCount", I, { json: "CpuCount" }],
  ["CPUPercent", I, { json: "CpuPercent" }],
  ["IOMaximumIOps", I],
  ["IOMaximumBandwidth", I],
]);

const MOUNT_DRIVER = st("mount.Driver", [
  ["Name", S, OMIT],
  ["Options", strMap, OMIT],
]);
const MOUNT = st("mount.Mount", [
  ["Type", S, OMIT],
  ["Source", S, OMIT],
  ["Target", S, OMIT],
  ["ReadOnly", B, OMIT],
  ["Consistency", S, OMIT],
  [
    "BindOptions",
    ptr(
      st("mount.BindOptions", [
        ["Propagation", S, OMIT],
        ["NonRecursive", B, OMIT],
        ["CreateMountpoint", B, OMIT],
        ["ReadOnlyNonRecursive", B, OMIT],
        ["ReadOnlyForceRecursive", B, OMIT],
      ]),
    ),
    OMIT,
  ],
  [
    "VolumeOptions",
    ptr(
      st("mount.VolumeOptions", [
        ["NoCopy", B, OMIT],
        ["Labels", strMap, OMIT],
        ["Subpath", S, OMIT],
        ["DriverConfig", ptr(MOUNT_DRIVER), OMIT],
      ]),
    ),
    OMIT,
  ],
  ["ImageOptions", ptr(st("mount.ImageOptions", [["Subpath", S, OMIT]])), OMIT],
  [
    "TmpfsOptions",
    ptr(
      st("mount.TmpfsOptions", [
        ["SizeBytes", I, OMIT],
        ["Mode", I, OMIT],
        ["Options", sl(strs), OMIT],
      ]),
    ),
    OMIT,
  ],
  ["ClusterOptions", ptr(st("mount.ClusterOptions", [])), OMIT],
]);

const HOST_CONFIG = st("container.HostConfig", [
  ["Binds", strs],
  ["ContainerIDFile", S],
  [
    "LogConfig",
    st("container.LogConfig", [
      ["Type", S],
      ["Config", strMap],
    ]),
  ],
  ["NetworkMode", S],
  ["PortBindings", PORT_MAP],
  [
    "RestartPolicy",
    st("container.RestartPolicy", [
      ["Name", S],
      ["MaximumRetryCount", I],
    ]),
  ],
  ["AutoRemove", B],
  ["VolumeDriver", S],
  ["VolumesFrom", strs],
  ["ConsoleSize", { slice: I, zero: [0, 0] }],
  ["Annotations", strMap, OMIT],
  ["CapAdd", strs],
  ["CapDrop", strs],
  ["CgroupnsMode", S],
  ["DNS", strs, { json: "Dns" }],
  ["DNSOptions", strs, { json: "DnsOptions" }],
  ["DNSSearch", strs, { json: "DnsSearch" }],
  ["ExtraHosts", strs],
  ["GroupAdd", strs],
  ["IpcMode", S],
  ["Cgroup", S],
  ["Links", strs],
  ["OomScoreAdj", I],
  ["PidMode", S],
  ["Privileged", B],
  ["PublishAllPorts", B],
  ["ReadonlyRootfs", B],
  ["SecurityOpt", strs],
  ["StorageOpt", strMap, OMIT],
  ["Tmpfs", strMap, OMIT],
  ["UTSMode", S],
  ["UsernsMode", S],
  ["ShmSize", I],
  ["Sysctls", strMap, OMIT],
  ["Runtime", S, OMIT],
  ["Isolation", S],
  ["Resources", RESOURCES, EMBED],
  ["Mounts", sl(MOUNT), OMIT],
  ["MaskedPaths", strs],
  ["ReadonlyPaths", strs],
  ["Init", "any", OMIT],
]);

const CONTAINER_CONFIG = st("container.Config", [
  ["Hostname", S],
  ["Domainname", S],
  ["User", S],
  ["AttachStdin", B],
  ["AttachStdout", B],
  ["AttachStderr", B],
  ["ExposedPorts", set, OMIT],
  ["Tty", B],
  ["OpenStdin", B],
  ["StdinOnce", B],
  ["Env", strs],
  ["Cmd", strs],
  ["Healthcheck", ptr(HEALTH_CONFIG), OMIT],
  ["ArgsEscaped", B, OMIT],
  ["Image", S],
  ["Volumes", set],
  ["WorkingDir", S],
  ["Entrypoint", strs],
  ["NetworkDisabled", B, OMIT],
  ["MacAddress", S, OMIT],
  ["OnBuild", strs],
  ["Labels", strMap],
  ["StopSignal", S, OMIT],
  ["StopTimeout", "any", OMIT],
  ["Shell", strs, OMIT],
]);

const ADDRESS = st("network.Address", [
  ["Addr", S],
  ["PrefixLen", I],
]);

const ENDPOINT_SETTINGS = st("network.EndpointSettings", [
  [
    "IPAMConfig",
    ptr(
      st("network.EndpointIPAMConfig", [
        ["IPv4Address", S, OMIT],
        ["IPv6Address", S, OMIT],
        ["LinkLocalIPs", strs, OMIT],
      ]),
    ),
  ],
  ["Links", strs],
  ["Aliases", strs],
  ["MacAddress", S],
  ["DriverOpts", strMap],
  ["GwPriority", I],
  ["NetworkID", S],
  ["EndpointID", S],
  ["Gateway", S],
  ["IPAddress", S],
  ["IPPrefixLen", I],
  ["IPv6Gateway", S],
  ["GlobalIPv6Address", S],
  ["GlobalIPv6PrefixLen", I],
  ["DNSNames", strs],
]);

const NETWORK_SETTINGS = st("container.NetworkSettings", [
  [
    "NetworkSettingsBase",
    st("container.NetworkSettingsBase", [
      ["Bridge", S],
      ["SandboxID", S],
      ["SandboxKey", S],
      ["Ports", PORT_MAP],
      ["HairpinMode", B],
      ["LinkLocalIPv6Address", S],
      ["LinkLocalIPv6PrefixLen", I],
      ["SecondaryIPAddresses", sl(ADDRESS)],
      ["SecondaryIPv6Addresses", sl(ADDRESS)],
    ]),
    EMBED,
  ],
  [
    "DefaultNetworkSettings",
    st("container.DefaultNetworkSettings", [
      ["EndpointID", S],
      ["Gateway", S],
      ["GlobalIPv6Address", S],
      ["GlobalIPv6PrefixLen", I],
      ["IPAddress", S],
      ["IPPrefixLen", I],
      ["IPv6Gateway", S],
      ["MacAddress", S],
    ]),
    EMBED,
  ],
  ["Networks", mp(ptr(ENDPOINT_SETTINGS))],
]);

const CONTAINER_JSON_BASE = st("container.ContainerJSONBase", [
  ["ID", S, { json: "Id" }],
  ["Created", S],
  ["Path", S],
  ["Args", strs],
  ["State", ptr(STATE)],
  ["Image", S],
  ["ResolvConfPath", S],
  ["HostnamePath", S],
  ["HostsPath", S],
  ["LogPath", S],
  ["Name", S],
  ["RestartCount", I],
  ["Driver", S],
  ["Platform", S],
  ["MountLabel", S],
  ["ProcessLabel", S],
  ["AppArmorProfile", S],
  ["ExecIDs", strs],
  ["HostConfig", ptr(HOST_CONFIG)],
  ["GraphDriver", DRIVER_DATA],
  ["SizeRw", "any", OMIT],
  ["SizeRootFs", "any", OMIT],
]);

const CONTAINER_INSPECT = st("*container.InspectResponse", [
  ["ContainerJSONBase", CONTAINER_JSON_BASE, EMBED],
  [
    "Mounts",
    sl(
      st("container.MountPoint", [
        ["Type", S, OMIT],
        ["Name", S, OMIT],
        ["Source", S],
        ["Destination", S],
        ["Driver", S, OMIT],
        ["Mode", S],
        ["RW", B],
        ["Propagation", S],
      ]),
    ),
  ],
  ["Config", ptr(CONTAINER_CONFIG)],
  ["NetworkSettings", ptr(NETWORK_SETTINGS)],
  ["ImageManifestDescriptor", ptr(DESCRIPTOR), OMIT],
]);

const IMAGE_CONFIG = st("v1.DockerOCIImageConfig", [
  [
    "ImageConfig",
    st("v1.ImageConfig", [
      ["User", S, OMIT],
      ["ExposedPorts", set, OMIT],
      ["Env", strs, OMIT],
      ["Entrypoint", strs, OMIT],
      ["Cmd", strs, OMIT],
      ["Volumes", set, OMIT],
      ["WorkingDir", S, OMIT],
      ["Labels", strMap, OMIT],
      ["StopSignal", S, OMIT],
      ["ArgsEscaped", B, OMIT],
    ]),
    EMBED,
  ],
  [
    "DockerOCIImageConfigExt",
    st("v1.DockerOCIImageConfigExt", [
      ["Healthcheck", ptr(HEALTH_CONFIG), OMIT],
      ["OnBuild", strs, OMIT],
      ["Shell", strs, OMIT],
    ]),
    EMBED,
  ],
]);

const MANIFEST_SUMMARY = st("image.ManifestSummary", [
  ["ID", S],
  ["Descriptor", DESCRIPTOR],
  ["Available", B],
  [
    "Size",
    st('struct { Content int64 "json:\\"Content\\""; Total int64 "json:\\"Total\\"" }', [
      ["Content", I],
      ["Total", I],
    ]),
  ],
  ["Kind", S],
  [
    "ImageData",
    ptr(
      st("image.ImageProperties", [
        ["Platform", PLATFORM],
        ["Size", st('struct { Unpacked int64 "json:\\"Unpacked\\"" }', [["Unpacked", I]])],
        ["Containers", strs],
      ]),
    ),
    OMIT,
  ],
  ["AttestationData", ptr(st("image.AttestationProperties", [["For", S]])), OMIT],
]);

const IMAGE_INSPECT = st("image.InspectResponse", [
  ["ID", S, { json: "Id" }],
  ["RepoTags", strs],
  ["RepoDigests", strs],
  ["Parent", S],
  ["Comment", S],
  ["Created", S, OMIT],
  ["Container", S, OMIT],
  ["ContainerConfig", ptr(CONTAINER_CONFIG), OMIT],
  ["DockerVersion", S],
  ["Author", S],
  ["Config", ptr(IMAGE_CONFIG)],
  ["Architecture", S],
  ["Variant", S, OMIT],
  ["Os", S],
  ["OsVersion", S, OMIT],
  ["Size", I],
  ["VirtualSize", I, OMIT],
  ["GraphDriver", DRIVER_DATA],
  [
    "RootFS",
    st("image.RootFS", [
      ["Type", S, OMIT],
      ["Layers", strs, OMIT],
    ]),
  ],
  ["Metadata", st("image.Metadata", [["LastTagTime", "time", OMIT]])],
  ["Descriptor", ptr(DESCRIPTOR), OMIT],
  ["Manifests", sl(MANIFEST_SUMMARY), OMIT],
]);

const NETWORK_INSPECT = st("network.Inspect", [
  ["Name", S],
  ["ID", S, { json: "Id" }],
  ["Created", "time"],
  ["Scope", S],
  ["Driver", S],
  ["EnableIPv4", B],
  ["EnableIPv6", B],
  [
    "IPAM",
    st("network.IPAM", [
      ["Driver", S],
      ["Options", strMap],
      [
        "Config",
        sl(
          st("network.IPAMConfig", [
            ["Subnet", S, OMIT],
            ["IPRange", S, OMIT],
            ["Gateway", S, OMIT],
            ["AuxAddress", strMap, { json: "AuxiliaryAddresses", omitempty: true }],
          ]),
        ),
      ],
    ]),
  ],
  ["Internal", B],
  ["Attachable", B],
  ["Ingress", B],
  ["ConfigFrom", st("network.ConfigReference", [["Network", S]])],
  ["ConfigOnly", B],
  [
    "Containers",
    mp(
      st("network.EndpointResource", [
        ["Name", S],
        ["EndpointID", S],
        ["MacAddress", S],
        ["IPv4Address", S],
        ["IPv6Address", S],
      ]),
    ),
  ],
  ["Options", strMap],
  ["Labels", strMap],
  [
    "Peers",
    sl(
      st("network.PeerInfo", [
        ["Name", S],
        ["IP", S],
      ]),
    ),
    OMIT,
  ],
  [
    "Services",
    mp(
      st("network.ServiceInfo", [
        ["VIP", S],
        ["Ports", strs],
        ["LocalLBIndex", I],
        [
          "Tasks",
          sl(
            st("network.Task", [
              ["Name", S],
              ["EndpointID", S],
              ["EndpointIP", S],
              ["Info", strMap],
            ]),
          ),
        ],
      ]),
    ),
    OMIT,
  ],
]);

const VOLUME = st("volume.Volume", [
  // kapsel has no cluster volumes: only ever nil
  ["ClusterVolume", ptr(st("volume.ClusterVolume", [])), OMIT],
  ["CreatedAt", S, OMIT],
  ["Driver", S],
  ["Labels", strMap],
  ["Mountpoint", S],
  ["Name", S],
  ["Options", strMap],
  ["Scope", S],
  ["Status", mp("any"), OMIT],
  [
    "UsageData",
    ptr(
      st("volume.UsageData", [
        ["RefCount", I],
        ["Size", I],
      ]),
    ),
    OMIT,
  ],
]);

/** volume.Volume decoded from the daemon's JSON, for templates; its toJSON is encoding/json's. */
export function typedVolume(json: unknown): unknown {
  return build(VOLUME, json);
}

/** network.Inspect decoded from the daemon's JSON, for templates. */
export function typedNetwork(json: unknown): unknown {
  return build(NETWORK_INSPECT, json);
}

/** container.InspectResponse decoded from the daemon's JSON, for templates. */
export function typedContainer(json: unknown): unknown {
  return build(CONTAINER_INSPECT, json);
}

/** image.InspectResponse decoded from the daemon's JSON, for templates. */
export function typedImage(json: unknown): unknown {
  return build(IMAGE_INSPECT, json);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A nil pointer: prints `<nil>` (a template's null would print `<no value>`), is false, marshals
 * `null`, and fails on any field, as Go's "nil pointer evaluating" does.
 */
const NIL: object = new Proxy(
  Object.defineProperties(
    {},
    {
      String: { value: () => "<nil>" },
      toJSON: { value: () => null },
    },
  ),
  {
    getOwnPropertyDescriptor(target, key) {
      const own = Reflect.getOwnPropertyDescriptor(target, key);
      if (own || typeof key !== "string") return own;
      throw new Error(`nil pointer evaluating ${key}`);
    },
  },
);

/** A nil slice or map: printed `[]`/`map[]`, marshalled `null`. */
function nil<T extends object>(v: T): T {
  return Object.defineProperty(v, "toJSON", { value: () => null });
}

function build(desc: Desc, v: unknown): unknown {
  switch (desc) {
    case "string":
      return typeof v === "string" ? v : "";
    case "int":
      return typeof v === "number" ? v : 0;
    case "bool":
      return typeof v === "boolean" ? v : false;
    case "any":
      return v ?? NIL;
    case "duration":
      return goDuration(typeof v === "number" ? v : 0);
    case "time":
      return goTime(typeof v === "string" ? v : "0001-01-01T00:00:00Z");
  }
  if ("slice" in desc) {
    if (Array.isArray(v)) return v.map((e) => build(desc.slice, e));
    return desc.zero ? [...desc.zero] : nil([]);
  }
  if ("map" in desc) {
    if (!isObject(v)) return nil({});
    // encoding/json and fmt both sort a Go map's keys
    const keys = Object.keys(v).sort(compareStrings);
    return Object.fromEntries(keys.map((k) => [k, build(desc.map, v[k])]));
  }
  if ("ptr" in desc) return isObject(v) ? buildStruct(desc.ptr, v) : NIL;
  return buildStruct(desc, isObject(v) ? v : {});
}

function isEmpty(v: unknown): boolean {
  if (v === NIL || v === null || v === undefined || v === "" || v === 0 || v === false) return true;
  if (v instanceof GoDuration) return v.ns === 0;
  if (Array.isArray(v)) return v.length === 0;
  // a map (nil or not) is empty without keys; a struct or time.Time never is
  if (isObject(v) && !isGoStruct(v) && typeof v.String !== "function") return Object.keys(v).length === 0;
  return false;
}

/** A Go struct: its fields (embedded ones promoted), fmt's layout, and encoding/json's output. */
function buildStruct(desc: StructDesc, v: Record<string, unknown>): object {
  const fields: Record<string, unknown> = {};
  const layout: [string, unknown][] = [];
  const parts: {
    embedded?: { toJSON(): Record<string, unknown> };
    json: string;
    value: unknown;
    omit: boolean;
  }[] = [];
  for (const [name, fdesc, opts = {}] of desc.fields) {
    if (opts.embed) {
      // the embedded struct's fields are the outer JSON object's own
      const inner = build(fdesc, v) as Record<string, unknown> & { toJSON(): Record<string, unknown> };
      for (const [k, val] of Object.entries(inner)) if (!(k in fields)) fields[k] = val;
      fields[name] = inner;
      layout.push([name, inner]);
      parts.push({ embedded: inner, json: name, value: inner, omit: false });
      continue;
    }
    const json = opts.json ?? name;
    const value = build(fdesc, v[json]);
    fields[name] = value;
    layout.push([name, value]);
    parts.push({ json, value, omit: opts.omitempty === true });
  }
  Object.defineProperty(fields, GO_PRINT_FIELDS, { value: layout, enumerable: false });
  return goTypedStruct(fields, desc.name, () => {
    const out: Record<string, unknown> = {};
    for (const p of parts) {
      if (p.embedded) Object.assign(out, p.embedded.toJSON());
      else if (!(p.omit && isEmpty(p.value))) out[p.json] = p.value;
    }
    return out;
  });
}

/** time.Duration: prints as Go's String() ("1m30s"), marshals as nanoseconds. */
class GoDuration {
  readonly ns: number;
  constructor(ns: number) {
    this.ns = ns;
  }
  String(): string {
    return formatGoDuration(this.ns);
  }
  toJSON(): number {
    return this.ns;
  }
}

function goDuration(ns: number): unknown {
  return new GoDuration(ns);
}

const RFC3339 = /^(-?\d{4,})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/;

/** time.Time decoded from RFC 3339: prints as Go's String(), marshals as RFC 3339. */
function goTime(text: string): unknown {
  return {
    String: () => timeString(text),
    // encoding/json writes RFC 3339 with the fraction's trailing zeros cut
    toJSON: () =>
      RFC3339.test(text)
        ? text.replace(/\.(\d*?)0*(?=Z|[+-]\d\d:)/, (_, f: string) => (f ? `.${f}` : ""))
        : text,
  };
}

/** Go's time.Time.String() of a parsed RFC 3339 time (kept in the offset it was written in). */
export function timeString(text: string): string {
  const m = RFC3339.exec(text);
  if (!m) return text;
  const [, y, mo, d, h, mi, s, frac = "", zone] = m;
  const f = frac.replace(/0+$/, "");
  const off = zone === "Z" ? "+0000 UTC" : `${zone.replace(":", "")} ${zone.replace(":", "")}`;
  return `${y}-${mo}-${d} ${h}:${mi}:${s}${f === "" ? "" : `.${f}`} ${off}`;
}
