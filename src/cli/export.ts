import { createWriteStream, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { CommandModule, FlagSpec } from "./command.ts";
import { str } from "./command.ts";

export const exportFlags: FlagSpec[] = [
  { name: "output", short: "o", type: "string", description: "Write to a file, instead of STDOUT" },
];

export const command: CommandModule = {
  usage: "[OPTIONS] CONTAINER",
  short: "Export a container's filesystem as a tar archive",
  aliases: ["kapsel container export", "kapsel export"],
  flags: exportFlags,
  args: { kind: "exact", n: 1 },
  async run(ctx) {
    const output = str(ctx.flags, "output");
    if (output === "" && ctx.stdio.stdout.isTTY) {
      throw new Error("cowardly refusing to save to a terminal. Use the -o flag or redirect");
    }
    const body = await ctx.client().containers.export(ctx.flags.args[0]);
    if (output === "") {
      await pipeline(body, ctx.stdio.stdout, { end: false });
      return 0;
    }
    // written beside the target, then renamed: an interrupted export leaves no half file
    const tmp = join(dirname(output), `.${Date.now()}.kapsel-export.tmp`);
    try {
      await pipeline(body, createWriteStream(tmp, { mode: 0o600 }));
      renameSync(tmp, output);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new Error(`failed to export container: ${(err as Error).message}`);
    }
    return 0;
  },
};
