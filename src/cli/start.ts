import { startAttached } from "./attach-session.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, str } from "./command.ts";
import { errorText, StatusError } from "./status-error.ts";

export const startFlags: FlagSpec[] = [
  { name: "attach", short: "a", type: "bool", description: "Attach STDOUT/STDERR and forward signals" },
  { name: "interactive", short: "i", type: "bool", description: "Attach container's STDIN" },
  { name: "detach-keys", type: "string", description: "Override the key sequence for detaching a container" },
];

export interface StartOptions {
  containers: string[];
  attach: boolean;
  interactive: boolean;
  detachKeys?: string;
}

export function toStartOptions(flags: ParsedArgs): StartOptions {
  return {
    containers: flags.args,
    attach: bool(flags, "attach"),
    interactive: bool(flags, "interactive"),
    detachKeys: str(flags, "detach-keys") || undefined,
  };
}

export const command: CommandModule = {
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  short: "Start one or more stopped containers",
  aliases: ["kapsel container start", "kapsel start"],
  flags: startFlags,
  args: { kind: "min", n: 1 },
  async run(ctx) {
    const o = toStartOptions(ctx.flags);
    const client = ctx.client();
    if (o.attach || o.interactive) {
      if (o.containers.length > 1) throw new Error("you cannot start and attach multiple containers at once");
      return startAttached(
        client,
        o.containers[0],
        { stdin: o.interactive, detachKeys: o.detachKeys },
        ctx.stdio,
      );
    }
    const failed: string[] = [];
    for (const ref of o.containers) {
      try {
        await client.containers.start(ref);
        ctx.stdio.stdout.write(`${ref}\n`);
      } catch (err) {
        ctx.stdio.stderr.write(`${errorText(err)}\n`);
        failed.push(ref);
      }
    }
    if (failed.length > 0)
      throw new StatusError(1, `Error: failed to start containers: ${failed.join(", ")}`);
    return 0;
  },
};
