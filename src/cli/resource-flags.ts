import type { HostConfig } from "../client/index.ts";
import { ramInBytes } from "../lib/byte-size.ts";
import { type FlagSpec, list, type ParsedArgs } from "./command.ts";
import { csvFields } from "./flags/csv-record.ts";

/**
 * create and run's cgroup flags beyond memory, CPUs and pids: block I/O weights and limits,
 * realtime and CFS tuning, cpusets, device cgroup rules, GPU requests, isolation and the
 * Windows-only ones (which the daemon refuses on Linux). Values are checked as the docker CLI
 * checks them, in its words; they go to HostConfig as given.
 */
export const resourceFlags: FlagSpec[] = [
  {
    name: "blkio-weight",
    type: "uint",
    typeName: "uint16",
    description: "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)",
    validate: (v) => {
      if (!/^\d+$/.test(v)) throw new Error(`strconv.ParseUint: parsing "${v}": invalid syntax`);
      if (Number(v) > 65535) throw new Error(`strconv.ParseUint: parsing "${v}": value out of range`);
      return v;
    },
  },
  deviceFlag("blkio-weight-device", "Block IO weight (relative device weight)", weightDevice),
  { name: "cpu-count", type: "int", description: "CPU count (Windows only)" },
  { name: "cpu-percent", type: "int", description: "CPU percent (Windows only)" },
  { name: "cpu-period", type: "int", description: "Limit CPU CFS (Completely Fair Scheduler) period" },
  { name: "cpu-quota", type: "int", description: "Limit CPU CFS (Completely Fair Scheduler) quota" },
  { name: "cpu-rt-period", type: "int", description: "Limit CPU real-time period in microseconds" },
  { name: "cpu-rt-runtime", type: "int", description: "Limit CPU real-time runtime in microseconds" },
  { name: "cpuset-cpus", type: "string", description: "CPUs in which to allow execution (0-3, 0,1)" },
  { name: "cpuset-mems", type: "string", description: "MEMs in which to allow execution (0-3, 0,1)" },
  {
    name: "device-cgroup-rule",
    type: "list",
    description: "Add a rule to the cgroup allowed devices list",
    validate: (v) => {
      if (!/^[acb] ([0-9]+|\*):([0-9]+|\*) [rwm]{1,3}$/.test(v))
        throw new Error(`invalid device cgroup format '${v}'`);
      return v;
    },
  },
  deviceFlag("device-read-bps", "Limit read rate (bytes per second) from a device", bpsDevice),
  deviceFlag("device-read-iops", "Limit read rate (IO per second) from a device", iopsDevice),
  deviceFlag("device-write-bps", "Limit write rate (bytes per second) to a device", bpsDevice),
  deviceFlag("device-write-iops", "Limit write rate (IO per second) to a device", iopsDevice),
  {
    name: "gpus",
    type: "list",
    typeName: "gpu-request",
    description: "GPU devices to add to the container ('all' to pass all GPUs)",
    validate: check(gpuRequest),
  },
  {
    name: "io-maxbandwidth",
    type: "bytes",
    description: "Maximum IO bandwidth limit for the system drive (Windows only)",
  },
  { name: "io-maxiops", type: "uint", description: "Maximum IOps limit for the system drive (Windows only)" },
  { name: "isolation", type: "string", description: "Container isolation technology" },
  { name: "kernel-memory", type: "bytes", description: "Kernel memory limit" },
  {
    name: "memory-swappiness",
    type: "int",
    default: -1,
    description: "Tune container memory swappiness (0 to 100)",
  },
  { name: "storage-opt", type: "list", description: "Storage driver options for the container" },
];

/** Flags whose parsed value is a HostConfig field as it is. */
const SCALAR_FIELDS: Record<string, string> = {
  "blkio-weight": "BlkioWeight",
  "cpu-period": "CpuPeriod",
  "cpu-quota": "CpuQuota",
  "cpu-rt-period": "CpuRealtimePeriod",
  "cpu-rt-runtime": "CpuRealtimeRuntime",
  "kernel-memory": "KernelMemory",
  "cpuset-cpus": "CpusetCpus",
  "cpuset-mems": "CpusetMems",
  isolation: "Isolation",
};

/** Device flags: each value parsed into an entry of a HostConfig list. */
const DEVICE_FIELDS: Record<string, [field: string, parse: (v: string) => unknown]> = {
  "blkio-weight-device": ["BlkioWeightDevice", weightDevice],
  "device-read-bps": ["BlkioDeviceReadBps", bpsDevice],
  "device-write-bps": ["BlkioDeviceWriteBps", bpsDevice],
  "device-read-iops": ["BlkioDeviceReadIOps", iopsDevice],
  "device-write-iops": ["BlkioDeviceWriteIOps", iopsDevice],
};

/** The resource flags as given: turned into HostConfig fields with the create request. */
export interface ResourceFlags {
  /** HostConfig fields of the scalar flags given */
  scalars: Record<string, unknown>;
  /** the list flags' values, by flag */
  lists: Record<string, string[]>;
  swappiness: number;
}

/** Flags only a Windows daemon takes: the docker CLI refuses them before anything else. */
const WINDOWS_ONLY = ["cpu-count", "cpu-percent", "io-maxbandwidth", "io-maxiops"];

export function readResourceFlags(flags: ParsedArgs): ResourceFlags {
  for (const flag of WINDOWS_ONLY)
    if (flags.changed.has(flag))
      throw new Error(
        `"--${flag}" is only supported on a Docker daemon running on windows, but the Docker daemon is running on linux`,
      );
  const scalars: Record<string, unknown> = {};
  for (const [flag, field] of Object.entries(SCALAR_FIELDS))
    if (flags.changed.has(flag)) scalars[field] = flags.flags[flag];
  const lists: Record<string, string[]> = {};
  for (const flag of [...Object.keys(DEVICE_FIELDS), "device-cgroup-rule", "gpus", "storage-opt"])
    lists[flag] = list(flags, flag);
  return { scalars, lists, swappiness: Number(flags.flags["memory-swappiness"] ?? -1) };
}

/**
 * The HostConfig fields of the resource flags (those given; swappiness always, -1 for "not
 * set", as the docker CLI sends it). Throws the docker CLI's errors for what only it checks.
 */
export function resourceHostConfig(r: ResourceFlags): Partial<HostConfig> {
  if (r.swappiness !== -1 && (r.swappiness < 0 || r.swappiness > 100))
    throw new Error(`invalid value: ${r.swappiness}. Valid memory swappiness range is 0-100`);
  const out: Record<string, unknown> = { MemorySwappiness: r.swappiness, ...r.scalars };
  for (const [flag, [field, parse]] of Object.entries(DEVICE_FIELDS))
    out[field] = (r.lists[flag] ?? []).map(parse);
  const rules = r.lists["device-cgroup-rule"] ?? [];
  if (rules.length > 0) out.DeviceCgroupRules = rules;
  const gpus = (r.lists.gpus ?? []).map(gpuRequest);
  if (gpus.length > 0) out.DeviceRequests = gpus;
  const storage = r.lists["storage-opt"] ?? [];
  if (storage.length > 0) {
    out.StorageOpt = Object.fromEntries(
      storage.map((o) => {
        if (!o.includes("=")) throw new Error("invalid storage option");
        return [o.slice(0, o.indexOf("=")), o.slice(o.indexOf("=") + 1)];
      }),
    );
  }
  return out as Partial<HostConfig>;
}

/** A device list flag: docker's ThrottledeviceOpt and WeightdeviceOpt show their empty list as the default. */
function deviceFlag(name: string, description: string, parse: (v: string) => unknown): FlagSpec {
  return { name, type: "list", defaultText: "[]", description, validate: check(parse) };
}

/** A flag validator from a parser: the value stays a string, the parser only checks it. */
function check(parse: (v: string) => unknown): (v: string) => string {
  return (v) => {
    parse(v);
    return v;
  };
}

/** opts.ValidateWeightDevice */
function weightDevice(v: string): { Path: string; Weight: number } {
  const [path, weight] = devicePath(v);
  const w = /^\d+$/.test(weight) ? Number(weight) : Number.NaN;
  if (!(w <= 65535) || (w > 0 && (w < 10 || w > 1000))) throw new Error(`invalid weight for device: ${v}`);
  return { Path: path, Weight: w };
}

/** opts.ValidateThrottleBpsDevice */
function bpsDevice(v: string): { Path: string; Rate: number } {
  const [path, rate] = devicePath(v);
  let n: number;
  try {
    n = ramInBytes(rate);
  } catch {
    n = -1;
  }
  if (n < 0)
    throw new Error(
      `invalid rate for device: ${v}. The correct format is <device-path>:<number>[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb`,
    );
  return { Path: path, Rate: n };
}

/** opts.ValidateThrottleIOpsDevice */
function iopsDevice(v: string): { Path: string; Rate: number } {
  const [path, rate] = devicePath(v);
  if (!/^\d+$/.test(rate))
    throw new Error(
      `invalid rate for device: ${v}. The correct format is <device-path>:<number>. Number must be a positive integer`,
    );
  return { Path: path, Rate: Number(rate) };
}

function devicePath(v: string): [string, string] {
  const at = v.indexOf(":");
  if (at < 0) throw new Error(`bad format: ${v}`);
  const path = v.slice(0, at);
  if (!path.startsWith("/dev/")) throw new Error(`bad format for device path: ${v}`);
  return [path, v.slice(at + 1)];
}

/** opts.GpuOpts: "all", a count, or driver=,count=,device=,capabilities=,options= */
function gpuRequest(v: string): Record<string, unknown> {
  const req: {
    Driver: string;
    Count: number;
    DeviceIDs: string[] | null;
    Capabilities: string[][] | null;
    Options: Record<string, string>;
  } = { Driver: "", Count: 0, DeviceIDs: null, Capabilities: null, Options: {} };
  const seen = new Set<string>();
  const count = (s: string) => {
    if (s === "all") return -1;
    if (!/^[+-]?\d+$/.test(s))
      throw new Error(`invalid count (${s}): value must be either "all" or an integer: invalid syntax`);
    return Number(s);
  };
  for (const field of csvFields(v)) {
    const eq = field.indexOf("=");
    const key = eq < 0 ? field : field.slice(0, eq);
    const val = eq < 0 ? "" : field.slice(eq + 1);
    if (seen.has(key)) throw new Error(`gpu request key '${key}' can be specified only once`);
    seen.add(key);
    if (eq < 0) {
      seen.add("count");
      req.Count = count(key);
      continue;
    }
    if (key === "driver") req.Driver = val;
    else if (key === "count") req.Count = count(val);
    else if (key === "device") req.DeviceIDs = val.split(",");
    else if (key === "capabilities") req.Capabilities = [[...val.split(","), "gpu"]];
    else if (key === "options")
      req.Options = Object.fromEntries(
        csvFields(val).map((kv) => [kv.split("=")[0], kv.split("=").slice(1).join("=")]),
      );
    else throw new Error(`unexpected key '${key}' in '${field}'`);
  }
  if (!seen.has("count") && req.DeviceIDs === null) req.Count = 1;
  req.Capabilities ??= [["gpu"]];
  return req;
}
