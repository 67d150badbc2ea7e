import { invalid } from "../../lib/errors.ts";
import type { ResourcesInput } from "../runtime/index.ts";
import type { HostConfig } from "./model.ts";

/** POST /containers/{id}/update body: Docker's Resources fields and a RestartPolicy. */
export interface UpdateRequest {
  CpuShares?: number;
  Memory?: number;
  NanoCpus?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  MemoryReservation?: number;
  MemorySwap?: number;
  PidsLimit?: number | null;
  BlkioWeight?: number;
  RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
  [key: string]: unknown;
}

const NUMERIC = [
  "BlkioWeight",
  "CpuShares",
  "NanoCpus",
  "CpuPeriod",
  "CpuQuota",
  "Memory",
  "MemorySwap",
  "MemoryReservation",
  "CpuRealtimePeriod",
  "CpuRealtimeRuntime",
] as const;

/**
 * moby's Container.UpdateContainer: the HostConfig an update leaves, with its checks and words.
 * Only the fields the request sets (non-zero, non-empty; PidsLimit when present) change; the
 * restart policy changes when it is named. Returns the new HostConfig and the resources the
 * runtime must apply to a running container.
 */
export function applyUpdate(
  id: string,
  current: HostConfig,
  req: UpdateRequest,
): { hostConfig: HostConfig; resources: ResourcesInput } {
  const hc: HostConfig = structuredClone(current);
  const refuse = (why: string) => invalid(`Cannot update container ${id}: ${why}`);
  const num = (k: string) => (typeof req[k] === "number" ? (req[k] as number) : 0);
  const cur = (k: string) => (typeof hc[k] === "number" ? (hc[k] as number) : 0);
  // --cpus sets the period and quota itself, so the two ways exclude each other
  if (num("NanoCpus") > 0 && cur("CpuPeriod") > 0)
    throw refuse("Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set");
  if (num("NanoCpus") > 0 && cur("CpuQuota") > 0)
    throw refuse("Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set");
  if (num("CpuPeriod") > 0 && cur("NanoCpus") > 0)
    throw refuse("Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set");
  if (num("CpuQuota") > 0 && cur("NanoCpus") > 0)
    throw refuse("Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set");
  if (
    num("Memory") > 0 &&
    cur("MemorySwap") > 0 &&
    num("Memory") > cur("MemorySwap") &&
    num("MemorySwap") === 0
  )
    throw refuse(
      "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time",
    );
  for (const k of NUMERIC) if (num(k) !== 0) hc[k] = num(k);
  if (req.CpusetCpus) hc.CpusetCpus = req.CpusetCpus;
  if (req.CpusetMems) hc.CpusetMems = req.CpusetMems;
  // 0 and -1 both mean unlimited, which Docker records as 0
  if (typeof req.PidsLimit === "number") hc.PidsLimit = Math.max(req.PidsLimit, 0);
  const policy = req.RestartPolicy;
  if (policy?.Name) {
    if (hc.AutoRemove && policy.Name !== "no")
      throw refuse("Restart policy cannot be updated because AutoRemove is enabled for the container");
    if (!["no", "always", "unless-stopped", "on-failure"].includes(policy.Name))
      throw invalid(
        `invalid restart policy: unknown policy '${policy.Name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`,
      );
    const retries = policy.MaximumRetryCount ?? 0;
    if (policy.Name !== "on-failure" && retries !== 0)
      throw invalid("invalid restart policy: maximum retry count can only be used with 'on-failure'");
    if (retries < 0) throw invalid("invalid restart policy: maximum retry count cannot be negative");
    hc.RestartPolicy = { Name: policy.Name, MaximumRetryCount: retries };
  }
  const resources: ResourcesInput = {
    memory: (hc.Memory as number) || undefined,
    memoryReservation: (hc.MemoryReservation as number) || undefined,
    memorySwap: (hc.MemorySwap as number) || undefined,
    cpuShares: (hc.CpuShares as number) || undefined,
    cpuPeriod: (hc.CpuPeriod as number) || undefined,
    cpuQuota: (hc.CpuQuota as number) || undefined,
    nanoCpus: (hc.NanoCpus as number) || undefined,
    cpusetCpus: (hc.CpusetCpus as string) || undefined,
    cpusetMems: (hc.CpusetMems as string) || undefined,
    pidsLimit: typeof req.PidsLimit === "number" ? req.PidsLimit : undefined,
    blkioWeight: (hc.BlkioWeight as number) || undefined,
  };
  return { hostConfig: hc, resources };
}
