import type { CommandModule, FlagSpec } from "./command.ts";
import { containerFlags, helpFlag, nameFlag, pullFlag, toCreateOptions } from "./container-flags.ts";
import { createContainer, prepareCreate } from "./run-container.ts";

export const createFlags: FlagSpec[] = [...containerFlags, nameFlag, helpFlag, pullFlag("creating")];

export const command: CommandModule = {
  usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  short: "Create a new container",
  aliases: ["kapsel container create", "kapsel create"],
  flags: createFlags,
  interspersed: false,
  args: { kind: "min", n: 1 },
  async run(ctx) {
    const opts = toCreateOptions(ctx.flags);
    const body = prepareCreate(opts, ctx.stdio, { env: ctx.env }, "create");
    const id = await createContainer(ctx.client(), body, opts, ctx.stdio, ctx.env);
    ctx.stdio.stdout.write(`${id}\n`);
    return 0;
  },
};
