import type { CommandModule } from "./command.ts";

const KIND = ["C", "A", "D"];

export const command: CommandModule = {
  usage: "CONTAINER",
  short: "Inspect changes to files or directories on a container's filesystem",
  aliases: ["kapsel container diff", "kapsel diff"],
  flags: [],
  args: { kind: "exact", n: 1 },
  async run(ctx) {
    const ref = ctx.flags.args[0];
    if (ref === "") throw new Error("Container name cannot be empty");
    const changes = await ctx.client().containers.changes(ref);
    // Docker's diff format: "{{.Type}} {{.Path}}", one change a line
    ctx.stdio.stdout.write(changes.map((c) => `${KIND[c.Kind] ?? "?"} ${c.Path}\n`).join(""));
    return 0;
  },
};
