import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { str } from "./command.ts";
import { forEachContainer } from "./parallel.ts";

export const stopFlags: FlagSpec[] = [
  { name: "signal", short: "s", type: "string", description: "Signal to send to the container" },
  { name: "timeout", short: "t", type: "int", description: "Seconds to wait before killing the container" },
  {
    name: "time",
    type: "int",
    description: "Seconds to wait before killing the container (deprecated: use --timeout)",
    hidden: true,
    deprecated: "use --timeout instead",
  },
];

export interface StopOptions {
  containers: string[];
  signal?: string;
  /** undefined: the container's own stop timeout */
  timeout?: number;
}

/** Shared by stop and restart. */
export function toStopOptions(flags: ParsedArgs): StopOptions {
  if (flags.changed.has("time") && flags.changed.has("timeout")) {
    throw new Error("conflicting options: cannot specify both --timeout and --time");
  }
  const timeout = flags.changed.has("timeout")
    ? Number(flags.flags.timeout)
    : flags.changed.has("time")
      ? Number(flags.flags.time)
      : undefined;
  return { containers: flags.args, signal: str(flags, "signal") || undefined, timeout };
}

export const command: CommandModule = {
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  short: "Stop one or more running containers",
  aliases: ["kapsel container stop", "kapsel stop"],
  flags: stopFlags,
  args: { kind: "min", n: 1 },
  run(ctx) {
    const o = toStopOptions(ctx.flags);
    const client = ctx.client();
    return forEachContainer(o.containers, (id) => client.containers.stop(id, o), ctx.stdio);
  },
};
