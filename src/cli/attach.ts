import { attachRunning } from "./attach-session.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, str } from "./command.ts";

export const attachFlags: FlagSpec[] = [
  { name: "no-stdin", type: "bool", description: "Do not attach STDIN" },
  {
    name: "sig-proxy",
    type: "bool",
    default: true,
    description: "Proxy all received signals to the process",
  },
  { name: "detach-keys", type: "string", description: "Override the key sequence for detaching a container" },
];

export interface AttachCommandOptions {
  container: string;
  noStdin: boolean;
  sigProxy: boolean;
  detachKeys?: string;
}

export function toAttachOptions(flags: ParsedArgs): AttachCommandOptions {
  return {
    container: flags.args[0],
    noStdin: bool(flags, "no-stdin"),
    sigProxy: bool(flags, "sig-proxy"),
    detachKeys: str(flags, "detach-keys") || undefined,
  };
}

export const command: CommandModule = {
  usage: "[OPTIONS] CONTAINER",
  short: "Attach local standard input, output, and error streams to a running container",
  aliases: ["kapsel container attach", "kapsel attach"],
  flags: attachFlags,
  args: { kind: "exact", n: 1 },
  run(ctx) {
    const o = toAttachOptions(ctx.flags);
    return attachRunning(ctx.client(), o.container, o, ctx.stdio);
  },
};
