import type { CommandModule } from "./command.ts";

export const command: CommandModule = {
  usage: "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
  short: "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
  aliases: ["kapsel image tag", "kapsel tag"],
  flags: [],
  interspersed: false,
  args: { kind: "exact", n: 2 },
  async run(ctx) {
    const [source, target] = ctx.flags.args;
    await ctx.client().images.tag(source, target);
    return 0;
  },
};
