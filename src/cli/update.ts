import { memorySwapBytes } from "../lib/byte-size.ts";
import type { CommandModule } from "./command.ts";
import { ifChanged, str } from "./command.ts";
import { validateCpus } from "./container-flags.ts";
import { parseRestartPolicy } from "./container-options.ts";
import { errorText, StatusError } from "./status-error.ts";

/**
 * `docker update` (docker/cli cli/command/container/update.go): new resource limits and restart
 * policy for containers, running or not. Prints each container updated, then the daemon's
 * warnings; the failures come last, one per line, with exit status 1.
 */
export const command: CommandModule = {
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  short: "Update configuration of one or more containers",
  aliases: ["kapsel container update", "kapsel update"],
  flags: [
    {
      name: "blkio-weight",
      type: "int",
      description: "Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)",
    },
    { name: "cpu-period", type: "int", description: "Limit CPU CFS (Completely Fair Scheduler) period" },
    { name: "cpu-quota", type: "int", description: "Limit CPU CFS (Completely Fair Scheduler) quota" },
    { name: "cpu-rt-period", type: "int", description: "Limit the CPU real-time period in microseconds" },
    { name: "cpu-rt-runtime", type: "int", description: "Limit the CPU real-time runtime in microseconds" },
    { name: "cpu-shares", short: "c", type: "int", description: "CPU shares (relative weight)" },
    {
      name: "cpus",
      type: "string",
      typeName: "decimal",
      description: "Number of CPUs",
      validate: validateCpus,
    },
    { name: "cpuset-cpus", type: "string", description: "CPUs in which to allow execution (0-3, 0,1)" },
    { name: "cpuset-mems", type: "string", description: "MEMs in which to allow execution (0-3, 0,1)" },
    { name: "memory", short: "m", type: "bytes", description: "Memory limit" },
    { name: "memory-reservation", type: "bytes", description: "Memory soft limit" },
    {
      name: "memory-swap",
      type: "string",
      typeName: "bytes",
      description: "Swap limit equal to memory plus swap: -1 to enable unlimited swap",
      validate: (v) => String(memorySwapBytes(v)),
    },
    { name: "kernel-memory", type: "bytes", description: "Kernel memory limit (deprecated)", hidden: true },
    { name: "pids-limit", type: "int", description: "Tune container pids limit (set -1 for unlimited)" },
    { name: "restart", type: "string", description: "Restart policy to apply when a container exits" },
  ],
  args: { kind: "min", n: 1 },
  async run(ctx) {
    const f = ctx.flags;
    if (f.changed.size === 0)
      throw new StatusError(1, "you must provide one or more flags when using this command");
    const restart = str(f, "restart");
    const cpus = f.changed.has("cpus") ? str(f, "cpus") : undefined;
    const pids = ifChanged<number>(f, "pids-limit");
    const body = {
      BlkioWeight: ifChanged<number>(f, "blkio-weight") ?? 0,
      CpusetCpus: str(f, "cpuset-cpus"),
      CpusetMems: str(f, "cpuset-mems"),
      CpuShares: ifChanged<number>(f, "cpu-shares") ?? 0,
      Memory: ifChanged<number>(f, "memory") ?? 0,
      MemoryReservation: ifChanged<number>(f, "memory-reservation") ?? 0,
      MemorySwap: f.changed.has("memory-swap") ? Number(str(f, "memory-swap")) : 0,
      KernelMemory: ifChanged<number>(f, "kernel-memory") ?? 0,
      CpuPeriod: ifChanged<number>(f, "cpu-period") ?? 0,
      CpuQuota: ifChanged<number>(f, "cpu-quota") ?? 0,
      CpuRealtimePeriod: ifChanged<number>(f, "cpu-rt-period") ?? 0,
      CpuRealtimeRuntime: ifChanged<number>(f, "cpu-rt-runtime") ?? 0,
      NanoCpus: cpus !== undefined ? Math.round(Number(cpus) * 1e9) : 0,
      ...(pids !== undefined && pids !== 0 ? { PidsLimit: pids } : {}),
      RestartPolicy: restart ? parseRestartPolicy(restart) : { Name: "" },
    };
    const client = ctx.client();
    const warnings: string[] = [];
    const errors: string[] = [];
    for (const ref of f.args) {
      try {
        const r = await client.containers.update(ref, body);
        ctx.stdio.stdout.write(`${ref}\n`);
        warnings.push(...(r?.Warnings ?? []));
      } catch (err) {
        errors.push(errorText(err));
      }
    }
    if (warnings.length > 0) ctx.stdio.stdout.write(`${warnings.join("\n")}\n`);
    if (errors.length > 0) throw new StatusError(1, errors.join("\n"));
    return 0;
  },
};
