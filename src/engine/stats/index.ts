/**
 * stats: a container's resource usage for `docker stats`, read where the kernel keeps it: the
 * container's cgroups (cgroupfs layout: v1 controllers under /sys/fs/cgroup/<controller>/<path>,
 * else the v2 unified tree), /proc/stat for the host's CPU time and /proc/<pid>/net/dev for the
 * interfaces of the container's network namespace. Owns nothing on disk; gives the numbers in
 * Docker's StatsResponse shape (API v1.50), so the docker CLI computes its percentages from
 * them as it does against Docker.
 */
import type { CpuStats, StatsSample } from "./sample.ts";

export { readSample, type StatsSample } from "./sample.ts";

const ZERO_TIME = "0001-01-01T00:00:00Z";

/** Docker's StatsResponse: a sample with the one before it as precpu_stats. */
export function statsResponse(
  who: { id: string; name: string },
  current: StatsSample,
  previous: StatsSample | undefined,
) {
  return {
    name: `/${who.name}`,
    id: who.id,
    ...current,
    preread: previous?.read ?? ZERO_TIME,
    precpu_stats: previous?.cpu_stats ?? zeroCpu(),
  };
}

/** What a container that does not run reports: zeros, Docker's zero time. */
export function emptyStats(who: { id: string; name: string }) {
  return {
    name: `/${who.name}`,
    id: who.id,
    read: ZERO_TIME,
    preread: ZERO_TIME,
    pids_stats: {},
    blkio_stats: {
      io_service_bytes_recursive: null,
      io_serviced_recursive: null,
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: zeroCpu(),
    precpu_stats: zeroCpu(),
    memory_stats: {},
  };
}

function zeroCpu(): CpuStats {
  return {
    cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}
