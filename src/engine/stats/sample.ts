import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

/** One reading of a container's counters (Docker's StatsResponse, without precpu_stats). */
export interface StatsSample {
  read: string;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: Record<string, BlkioEntry[] | null>;
  num_procs: 0;
  storage_stats: Record<string, never>;
  cpu_stats: CpuStats;
  memory_stats: { usage?: number; max_usage?: number; stats?: Record<string, number>; limit?: number };
  networks?: Record<string, NetworkCounters>;
}

interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

export interface CpuStats {
  cpu_usage: {
    total_usage: number;
    percpu_usage?: number[];
    usage_in_kernelmode: number;
    usage_in_usermode: number;
  };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

interface NetworkCounters {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

const BLKIO_KEYS = [
  "io_service_bytes_recursive",
  "io_serviced_recursive",
  "io_queue_recursive",
  "io_service_time_recursive",
  "io_wait_time_recursive",
  "io_merged_recursive",
  "io_time_recursive",
  "sectors_recursive",
];

/** /proc/stat's clock ticks per second (USER_HZ: 100 on Linux) */
const TICKS = 100;
const NS_PER_TICK = 1e9 / TICKS;
/** what cgroup v1 reports for "no limit" is near 2^63; anything above the host's memory is none */
const read = (path: string) => readFile(path, "utf8").catch(() => undefined);
const num = (text: string | undefined) => (text === undefined ? undefined : Number(text.trim()));

/**
 * Reads the counters once: cgroup v1 when the container has a memory cgroup there, else the v2
 * unified tree. Values the kernel does not give are left out, as Docker leaves them.
 */
export async function readSample(
  t: { cgroupsPath: string; pid: number },
  o: { cgroupRoot?: string; hostMemory: number; onlineCpus: number },
): Promise<StatsSample> {
  const root = o.cgroupRoot ?? "/sys/fs/cgroup";
  const v1 = existsSync(join(root, "memory", t.cgroupsPath));
  const [cgroup, system, networks] = await Promise.all([
    v1 ? readV1(root, t.cgroupsPath) : readV2(join(root, "unified", t.cgroupsPath)),
    systemCpuUsage(),
    t.pid > 0 ? networkCounters(t.pid) : Promise.resolve(undefined),
  ]);
  const memory = cgroup.memory_stats;
  // Docker shows the host's memory as the limit of a container that has none
  if (memory.limit !== undefined && memory.limit > o.hostMemory) memory.limit = o.hostMemory;
  return {
    read: new Date().toISOString(),
    pids_stats: cgroup.pids_stats,
    blkio_stats: cgroup.blkio_stats,
    num_procs: 0,
    storage_stats: {},
    cpu_stats: { ...cgroup.cpu_stats, system_cpu_usage: system, online_cpus: o.onlineCpus },
    memory_stats: memory,
    // a container with no interface but lo (--network none) has no networks entry, as Docker's
    ...(networks && Object.keys(networks).length > 0 ? { networks } : {}),
  };
}

type CgroupPart = Pick<StatsSample, "pids_stats" | "blkio_stats" | "cpu_stats" | "memory_stats">;

async function readV1(root: string, path: string): Promise<CgroupPart> {
  const at = (controller: string, file: string) => read(join(root, controller, path, file));
  const [
    usage,
    percpu,
    cpuStat,
    throttle,
    memUsage,
    memMax,
    memLimit,
    memStat,
    pids,
    pidsMax,
    blkio,
    serviced,
  ] = await Promise.all([
    at("cpuacct", "cpuacct.usage"),
    at("cpuacct", "cpuacct.usage_percpu"),
    at("cpuacct", "cpuacct.stat"),
    at("cpu", "cpu.stat"),
    at("memory", "memory.usage_in_bytes"),
    at("memory", "memory.max_usage_in_bytes"),
    at("memory", "memory.limit_in_bytes"),
    at("memory", "memory.stat"),
    at("pids", "pids.current"),
    at("pids", "pids.max"),
    at("blkio", "blkio.throttle.io_service_bytes_recursive"),
    at("blkio", "blkio.throttle.io_serviced_recursive"),
  ]);
  const ticks = keyValues(cpuStat);
  const thr = keyValues(throttle);
  const limit = pidsMax?.trim();
  return {
    cpu_stats: {
      cpu_usage: {
        total_usage: num(usage) ?? 0,
        ...(percpu ? { percpu_usage: percpu.trim().split(/\s+/).map(Number) } : {}),
        usage_in_kernelmode: (ticks.system ?? 0) * NS_PER_TICK,
        usage_in_usermode: (ticks.user ?? 0) * NS_PER_TICK,
      },
      throttling_data: {
        periods: thr.nr_periods ?? 0,
        throttled_periods: thr.nr_throttled ?? 0,
        throttled_time: thr.throttled_time ?? 0,
      },
    },
    memory_stats: {
      ...(memUsage !== undefined ? { usage: num(memUsage) } : {}),
      ...(memMax !== undefined ? { max_usage: num(memMax) } : {}),
      ...(memStat !== undefined ? { stats: keyValues(memStat) } : {}),
      ...(memLimit !== undefined ? { limit: num(memLimit) } : {}),
    },
    pids_stats: {
      ...(pids !== undefined ? { current: num(pids) } : {}),
      ...(limit && limit !== "max" ? { limit: Number(limit) } : {}),
    },
    // cgroup v1: every list is there, empty when the kernel keeps no such counter (moby's copyBlkioEntry)
    blkio_stats: {
      ...Object.fromEntries(BLKIO_KEYS.map((k) => [k, []])),
      io_service_bytes_recursive: blkioEntries(blkio) ?? [],
      io_serviced_recursive: blkioEntries(serviced) ?? [],
    },
  };
}

async function readV2(dir: string): Promise<CgroupPart> {
  const at = (file: string) => read(join(dir, file));
  const [cpuStat, memCurrent, memMax, memStat, pids, pidsMax, io] = await Promise.all([
    at("cpu.stat"),
    at("memory.current"),
    at("memory.max"),
    at("memory.stat"),
    at("pids.current"),
    at("pids.max"),
    at("io.stat"),
  ]);
  const cpu = keyValues(cpuStat);
  const max = memMax?.trim();
  const pidLimit = pidsMax?.trim();
  return {
    cpu_stats: {
      cpu_usage: {
        total_usage: (cpu.usage_usec ?? 0) * 1000,
        usage_in_kernelmode: (cpu.system_usec ?? 0) * 1000,
        usage_in_usermode: (cpu.user_usec ?? 0) * 1000,
      },
      throttling_data: {
        periods: cpu.nr_periods ?? 0,
        throttled_periods: cpu.nr_throttled ?? 0,
        throttled_time: (cpu.throttled_usec ?? 0) * 1000,
      },
    },
    memory_stats: {
      ...(memCurrent !== undefined ? { usage: num(memCurrent) } : {}),
      ...(memStat !== undefined ? { stats: keyValues(memStat) } : {}),
      ...(max !== undefined ? { limit: max === "max" ? Number.MAX_SAFE_INTEGER : Number(max) } : {}),
    },
    pids_stats: {
      ...(pids !== undefined ? { current: num(pids) } : {}),
      ...(pidLimit && pidLimit !== "max" ? { limit: Number(pidLimit) } : {}),
    },
    blkio_stats: {
      ...Object.fromEntries(BLKIO_KEYS.map((k) => [k, null])),
      io_service_bytes_recursive: ioStatEntries(io),
    },
  };
}

/** "key value" lines (memory.stat, cpu.stat, cpuacct.stat) as numbers. */
function keyValues(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? "").split("\n")) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
  }
  return out;
}

/** blkio v1: "8:0 Read 4096" lines; the "Total" line is left out, as Docker does. */
function blkioEntries(text: string | undefined): BlkioEntry[] | null {
  if (text === undefined) return null;
  const out: BlkioEntry[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
    if (m)
      out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3].toLowerCase(), value: Number(m[4]) });
  }
  return out;
}

/** io.stat (v2): "8:0 rbytes=1 wbytes=2 ..." → Docker's read/write entries. */
function ioStatEntries(text: string | undefined): BlkioEntry[] | null {
  if (text === undefined) return null;
  const out: BlkioEntry[] = [];
  for (const line of text.split("\n")) {
    const [dev, ...fields] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? "");
    if (!m) continue;
    const kv = Object.fromEntries(fields.map((f) => f.split("=")));
    out.push({ major: Number(m[1]), minor: Number(m[2]), op: "read", value: Number(kv.rbytes ?? 0) });
    out.push({ major: Number(m[1]), minor: Number(m[2]), op: "write", value: Number(kv.wbytes ?? 0) });
  }
  return out;
}

/** The host's CPU time in nanoseconds: the first line of /proc/stat, as Docker sums it. */
async function systemCpuUsage(): Promise<number | undefined> {
  const text = await read("/proc/stat");
  const line = text?.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return undefined;
  const fields = line.trim().split(/\s+/).slice(1, 8).map(Number);
  return fields.reduce((a, b) => a + b, 0) * NS_PER_TICK;
}

/** The container's interfaces (its namespace, seen through its init process), lo left out. */
async function networkCounters(pid: number): Promise<Record<string, NetworkCounters> | undefined> {
  const text = await read(`/proc/${pid}/net/dev`);
  if (!text) return undefined;
  const out: Record<string, NetworkCounters> = {};
  for (const line of text.split("\n").slice(2)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (name === "lo") continue;
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    out[name] = {
      rx_bytes: f[0],
      rx_packets: f[1],
      rx_errors: f[2],
      rx_dropped: f[3],
      tx_bytes: f[8],
      tx_packets: f[9],
      tx_errors: f[10],
      tx_dropped: f[11],
    };
  }
  return out;
}
