import type { CommandModule } from "./command.ts";
import { forEachContainer } from "./parallel.ts";

export const command: CommandModule = {
  usage: "CONTAINER [CONTAINER...]",
  short: "Pause all processes within one or more containers",
  aliases: ["kapsel container pause", "kapsel pause"],
  flags: [],
  args: { kind: "min", n: 1 },
  run(ctx) {
    const client = ctx.client();
    return forEachContainer(ctx.flags.args, (id) => client.containers.pause(id), ctx.stdio);
  },
};
