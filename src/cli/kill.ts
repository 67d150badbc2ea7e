import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { str } from "./command.ts";
import { forEachContainer } from "./parallel.ts";

export const killFlags: FlagSpec[] = [
  { name: "signal", short: "s", type: "string", description: "Signal to send to the container" },
];

export interface KillOptions {
  containers: string[];
  /** empty: the daemon's default, SIGKILL */
  signal?: string;
}

export function toKillOptions(flags: ParsedArgs): KillOptions {
  return { containers: flags.args, signal: str(flags, "signal") || undefined };
}

export const command: CommandModule = {
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  short: "Kill one or more running containers",
  aliases: ["kapsel container kill", "kapsel kill"],
  flags: killFlags,
  args: { kind: "min", n: 1 },
  run(ctx) {
    const o = toKillOptions(ctx.flags);
    const client = ctx.client();
    return forEachContainer(o.containers, (id) => client.containers.kill(id, o.signal), ctx.stdio);
  },
};
