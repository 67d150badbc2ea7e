import type { CommandModule } from "./command.ts";
import { tabwrite } from "./format/tabwriter.ts";

export const command: CommandModule = {
  usage: "CONTAINER [ps OPTIONS]",
  short: "Display the running processes of a container",
  aliases: ["kapsel container top", "kapsel top"],
  flags: [],
  interspersed: false,
  args: { kind: "min", n: 1 },
  async run(ctx) {
    const [ref, ...psArgs] = ctx.flags.args;
    const top = await ctx.client().containers.top(ref, psArgs);
    const lines = [top.Titles, ...(top.Processes ?? [])].map((cols) => `${cols.join("\t")}\n`).join("");
    // docker's top table: tabwriter.NewWriter(out, 20, 1, 3, ' ', 0)
    ctx.stdio.stdout.write(tabwrite(lines, { minWidth: 20, tabWidth: 1, padding: 3, padChar: " " }));
    return 0;
  },
};
