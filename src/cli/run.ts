import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, str } from "./command.ts";
import { containerFlags, helpFlag, nameFlag, pullFlag, toCreateOptions } from "./container-flags.ts";
import { type RunOptions, runContainer } from "./run-container.ts";

export const runFlags: FlagSpec[] = [
  ...containerFlags,
  nameFlag,
  helpFlag,
  pullFlag("running"),
  {
    name: "detach",
    short: "d",
    type: "bool",
    description: "Run container in background and print container ID",
  },
  { name: "sig-proxy", type: "bool", default: true, description: "Proxy received signals to the process" },
  { name: "detach-keys", type: "string", description: "Override the key sequence for detaching a container" },
];

export function toRunOptions(flags: ParsedArgs): RunOptions {
  return {
    ...toCreateOptions(flags),
    detach: bool(flags, "detach"),
    sigProxy: bool(flags, "sig-proxy"),
    detachKeys: str(flags, "detach-keys") || undefined,
  };
}

export const command: CommandModule = {
  usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  short: "Create and run a new container from an image",
  aliases: ["kapsel container run", "kapsel run"],
  flags: runFlags,
  interspersed: false,
  args: { kind: "min", n: 1 },
  run: (ctx) => runContainer(ctx.client(), toRunOptions(ctx.flags), ctx.stdio, { env: ctx.env }),
};
