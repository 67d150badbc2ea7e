import { resolve } from "node:path";
import { ramInBytes } from "../lib/byte-size.ts";
import { csvFields } from "./flags/csv-record.ts";

/** A mount as the Engine API takes it in HostConfig.Mounts. */
export interface MountSpec {
  Type: string;
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: {
    Propagation?: string;
    NonRecursive?: boolean;
    ReadOnlyNonRecursive?: boolean;
    ReadOnlyForceRecursive?: boolean;
  };
  VolumeOptions?: {
    NoCopy?: boolean;
    Labels: Record<string, string>;
    Subpath?: string;
    DriverConfig?: { Name?: string; Options?: Record<string, string> };
  };
  ImageOptions?: { Subpath?: string };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

function goBool(key: string, val: string): boolean {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(val)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(val)) return false;
  throw new Error(`invalid value for ${key}: ${val}`);
}

/** docker's MountOpt.Set: `--mount type=bind,source=/a,target=/b,readonly`. */
export function parseMount(value: string): MountSpec {
  const m: MountSpec = { Type: "volume", Target: "" };
  const volume = () => {
    m.VolumeOptions ??= { Labels: {} };
    m.VolumeOptions.DriverConfig ??= {};
    return m.VolumeOptions;
  };
  const bind = () => (m.BindOptions ??= {});
  const tmpfs = () => (m.TmpfsOptions ??= {});
  const setOnMap = (target: Record<string, string>, v: string) => {
    const eq = v.indexOf("=");
    const k = eq < 0 ? v : v.slice(0, eq);
    if (k !== "") target[k] = eq < 0 ? "" : v.slice(eq + 1);
  };
  for (const field of csvFields(value)) {
    const eq = field.indexOf("=");
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? "" : field.slice(eq + 1);
    if (eq < 0) {
      if (key === "readonly" || key === "ro") m.ReadOnly = true;
      else if (key === "volume-nocopy") volume().NoCopy = true;
      else if (key === "bind-nonrecursive") bind().NonRecursive = true;
      else throw new Error(`invalid field '${field}' must be a key=value pair`);
      continue;
    }
    switch (key) {
      case "type":
        m.Type = val.toLowerCase();
        break;
      case "source":
      case "src":
        m.Source = !val.startsWith("/") && val.startsWith(".") ? resolve(val) : val;
        break;
      case "target":
      case "dst":
      case "destination":
        m.Target = val;
        break;
      case "readonly":
      case "ro":
        m.ReadOnly = goBool(key, val);
        break;
      case "consistency":
        m.Consistency = val.toLowerCase();
        break;
      case "bind-propagation":
        bind().Propagation = val.toLowerCase();
        break;
      case "bind-nonrecursive":
        bind().NonRecursive = goBool(key, val);
        break;
      case "bind-recursive":
        if (val === "disabled") bind().NonRecursive = true;
        else if (val === "writable") bind().ReadOnlyNonRecursive = true;
        else if (val === "readonly") bind().ReadOnlyForceRecursive = true;
        else if (val !== "enabled") {
          throw new Error(
            `invalid value for ${key}: ${val} (must be "enabled", "disabled", "writable", or "readonly")`,
          );
        }
        break;
      case "volume-subpath":
        volume().Subpath = val;
        break;
      case "volume-nocopy":
        volume().NoCopy = goBool("volume-nocopy", val);
        break;
      case "volume-label":
        setOnMap(volume().Labels, val);
        break;
      case "volume-driver":
        volume().DriverConfig!.Name = val;
        break;
      case "volume-opt": {
        const dc = volume().DriverConfig!;
        dc.Options ??= {};
        setOnMap(dc.Options, val);
        break;
      }
      case "image-subpath":
        m.ImageOptions = { ...m.ImageOptions, Subpath: val };
        break;
      case "tmpfs-size":
        try {
          tmpfs().SizeBytes = ramInBytes(val);
        } catch {
          throw new Error(`invalid value for ${key}: ${val}`);
        }
        break;
      case "tmpfs-mode":
        if (!/^[0-7]+$/.test(val)) throw new Error(`invalid value for ${key}: ${val}`);
        tmpfs().Mode = Number.parseInt(val, 8);
        break;
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (m.Type === "") throw new Error("type is required");
  if (m.Target === "") throw new Error("target is required");
  const mix = (opt: unknown, type: string, prefix: string) => {
    if (opt !== undefined && m.Type !== type)
      throw new Error(`cannot mix '${prefix}-*' options with mount type '${m.Type}'`);
  };
  mix(m.VolumeOptions, "volume", "volume");
  mix(m.ImageOptions, "image", "image");
  mix(m.BindOptions, "bind", "bind");
  mix(m.TmpfsOptions, "tmpfs", "tmpfs");
  if (m.BindOptions?.ReadOnlyNonRecursive && !m.ReadOnly) {
    throw new Error("option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction");
  }
  if (m.BindOptions?.ReadOnlyForceRecursive) {
    if (!m.ReadOnly)
      throw new Error("option 'bind-recursive=readonly' requires 'readonly' to be specified in conjunction");
    if (m.BindOptions.Propagation !== "rprivate") {
      throw new Error(
        "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction",
      );
    }
  }
  return m;
}

const ULIMITS = new Set([
  "core",
  "cpu",
  "data",
  "fsize",
  "locks",
  "memlock",
  "msgqueue",
  "nice",
  "nofile",
  "nproc",
  "rss",
  "rtprio",
  "rttime",
  "sigpending",
  "stack",
]);

/** go-units ParseUlimit: "nofile=1024[:2048]". */
export function parseUlimit(value: string): { Name: string; Soft: number; Hard: number } {
  const eq = value.indexOf("=");
  if (eq < 0) throw new Error(`invalid ulimit argument: ${value}`);
  const name = value.slice(0, eq);
  if (!ULIMITS.has(name)) throw new Error(`invalid ulimit type: ${name}`);
  const parts = value.slice(eq + 1).split(":");
  if (parts.length > 2)
    throw new Error(
      `too many limit value arguments - ${value.slice(eq + 1)}, can only have up to two, \`soft[:hard]\``,
    );
  const num = (s: string) => {
    if (!/^[-+]?\d+$/.test(s)) throw new Error(`strconv.ParseInt: parsing "${s}": invalid syntax`);
    return Number(s);
  };
  const soft = num(parts[0]);
  const hard = parts.length === 2 ? num(parts[1]) : soft;
  if (soft > hard)
    throw new Error(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
  return { Name: name, Soft: soft, Hard: hard };
}

/** docker's parseDevice for Linux: "/dev/x[:/dev/y][:rwm]". */
export function parseDevice(value: string): {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
} {
  const parts = value.split(":");
  let src = "";
  let dst = "";
  let perms = "rwm";
  const isPerm = (s: string) => /^[rwm]{1,3}$/.test(s);
  if (parts.length === 3) {
    [src, dst] = parts;
    if (!isPerm(parts[2])) throw new Error(`bad mode specified: ${parts[2]}`);
    perms = parts[2];
  } else if (parts.length === 2) {
    src = parts[0];
    if (isPerm(parts[1])) perms = parts[1];
    else dst = parts[1];
  } else if (parts.length === 1) {
    src = parts[0];
  } else {
    throw new Error(`invalid device specification: ${value}`);
  }
  if (!src.startsWith("/")) throw new Error(`invalid device mode: ${value}`);
  return { PathOnHost: src, PathInContainer: dst || src, CgroupPermissions: perms };
}
