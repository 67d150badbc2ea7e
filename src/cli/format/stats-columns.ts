import type { ContainerStats, CpuStats } from "../../client/index.ts";
import { truncateId } from "./container-columns.ts";
import { formatFloat } from "./go-float.ts";
import { goStruct } from "./go-print.ts";
import { bytesSize, humanSizeWithPrecision } from "./human-units.ts";

/**
 * `docker stats` columns (docker/cli formatter_stats.go and stats_helpers.go): a sample of
 * GET /containers/{id}/stats reduced to docker's StatsEntry, and the row its templates see.
 */

export const DEFAULT_STATS_TABLE_FORMAT =
  "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}";

export const STATS_HEADERS: Record<string, string> = {
  Container: "CONTAINER",
  Name: "NAME",
  ID: "CONTAINER ID",
  CPUPerc: "CPU %",
  MemUsage: "MEM USAGE / LIMIT",
  MemPerc: "MEM %",
  NetIO: "NET I/O",
  BlockIO: "BLOCK I/O",
  PIDs: "PIDS",
};

export interface StatsEntry {
  /** what the user named (or the ID from the container list) */
  container: string;
  name: string;
  id: string;
  cpuPercentage: number;
  memory: number;
  memoryLimit: number;
  memoryPercentage: number;
  networkRx: number;
  networkTx: number;
  blockRead: number;
  blockWrite: number;
  pids: number;
  /** no sample yet in time, or the stream failed: the columns show "--" */
  invalid: boolean;
}

export function emptyEntry(container: string): StatsEntry {
  return {
    container,
    name: "",
    id: "",
    cpuPercentage: 0,
    memory: 0,
    memoryLimit: 0,
    memoryPercentage: 0,
    networkRx: 0,
    networkTx: 0,
    blockRead: 0,
    blockWrite: 0,
    pids: 0,
    invalid: false,
  };
}

/** A sample as docker's collect() reduces it, on Linux. */
export function statsEntry(container: string, v: ContainerStats): StatsEntry {
  const memory = memUsageNoCache(v.memory_stats ?? {});
  const limit = v.memory_stats?.limit ?? 0;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(v.networks ?? {})) {
    rx += n.rx_bytes ?? 0;
    tx += n.tx_bytes ?? 0;
  }
  let read = 0;
  let write = 0;
  for (const e of v.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = e.op[0];
    if (op === "r" || op === "R") read += e.value;
    else if (op === "w" || op === "W") write += e.value;
  }
  return {
    container,
    name: v.name ?? "",
    id: v.id ?? "",
    cpuPercentage: cpuPercent(v.precpu_stats ?? {}, v.cpu_stats ?? {}),
    memory,
    memoryLimit: limit,
    memoryPercentage: limit !== 0 ? (memory / limit) * 100 : 0,
    networkRx: rx,
    networkTx: tx,
    blockRead: read,
    blockWrite: write,
    pids: v.pids_stats?.current ?? 0,
    invalid: false,
  };
}

/** calculateCPUPercentUnix: the container's share of the host's CPU time, times the CPUs. */
function cpuPercent(previous: CpuStats, current: CpuStats): number {
  const cpuDelta = (current.cpu_usage?.total_usage ?? 0) - (previous.cpu_usage?.total_usage ?? 0);
  const systemDelta = (current.system_cpu_usage ?? 0) - (previous.system_cpu_usage ?? 0);
  const cpus = current.online_cpus || (current.cpu_usage?.percpu_usage?.length ?? 0);
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0;
}

/** calculateMemUsageUnixNoCache: usage less the inactive page cache (cgroup v1, then v2 names). */
function memUsageNoCache(mem: { usage?: number; stats?: Record<string, number> }): number {
  const usage = mem.usage ?? 0;
  const v1 = mem.stats?.total_inactive_file;
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = mem.stats?.inactive_file ?? 0;
  if (v2 < usage) return usage - v2;
  return usage;
}

/** The value a `docker stats --format` template sees: docker's statsContext. */
export function statsRow(s: StatsEntry, o: { trunc: boolean }): Record<string, unknown> {
  const percent = (v: number) => `${formatFloat(v, "f", 2)}%`;
  const size = (v: number) => humanSizeWithPrecision(v, 3);
  const row = {
    Container: s.container,
    Name: s.name.replace(/^\//, "") || "--",
    ID: o.trunc ? truncateId(s.id) : s.id,
    CPUPerc: s.invalid ? "--" : percent(s.cpuPercentage),
    MemUsage: s.invalid ? "-- / --" : `${bytesSize(s.memory)} / ${bytesSize(s.memoryLimit)}`,
    MemPerc: s.invalid ? "--" : percent(s.memoryPercentage),
    NetIO: s.invalid ? "--" : `${size(s.networkRx)} / ${size(s.networkTx)}`,
    BlockIO: s.invalid ? "--" : `${size(s.blockRead)} / ${size(s.blockWrite)}`,
    PIDs: s.invalid ? "--" : String(s.pids),
  };
  return goStruct(row, "*container.statsContext");
}
