import type { CommandModule } from "./command.ts";
import { errorText, StatusError } from "./status-error.ts";

export const command: CommandModule = {
  usage: "CONTAINER NEW_NAME",
  short: "Rename a container",
  aliases: ["kapsel container rename", "kapsel rename"],
  flags: [],
  args: { kind: "exact", n: 2 },
  async run(ctx) {
    const oldName = ctx.flags.args[0].trim();
    const newName = ctx.flags.args[1].trim();
    if (oldName === "" || newName === "") throw new Error("Error: Neither old nor new names may be empty");
    try {
      await ctx.client().containers.rename(oldName, newName);
    } catch (err) {
      ctx.stdio.stderr.write(`${errorText(err)}\n`);
      throw new StatusError(1, `Error: failed to rename container named ${oldName}`);
    }
    return 0;
  },
};
