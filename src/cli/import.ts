import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { list, str } from "./command.ts";
import { displayProgress } from "./progress.ts";

export const importFlags: FlagSpec[] = [
  {
    name: "change",
    short: "c",
    type: "list",
    description: "Apply Dockerfile instruction to the created image",
  },
  { name: "message", short: "m", type: "string", description: "Set commit message for imported image" },
  { name: "platform", type: "string", description: "Set platform if server is multi-platform capable" },
];

export interface ImportCommandOptions {
  /** a file, a URL, or "-" for stdin */
  source: string;
  reference?: string;
  changes: string[];
  message: string;
  platform: string;
}

export function toImportOptions(flags: ParsedArgs): ImportCommandOptions {
  return {
    source: flags.args[0],
    reference: flags.args[1],
    changes: list(flags, "change"),
    message: str(flags, "message"),
    platform: str(flags, "platform"),
  };
}

export const command: CommandModule = {
  usage: "[OPTIONS] file|URL|- [REPOSITORY[:TAG]]",
  short: "Import the contents from a tarball to create a filesystem image",
  aliases: ["kapsel image import", "kapsel import"],
  flags: importFlags,
  args: { kind: "min", n: 1 },
  async run(ctx) {
    const o = toImportOptions(ctx.flags);
    let body: Readable | undefined;
    let fromSrc = "-";
    if (o.source === "-") body = ctx.stdio.stdin;
    else if (/^https?:\/\//.test(o.source)) fromSrc = o.source;
    else {
      try {
        await stat(o.source);
      } catch {
        throw new Error(`open ${o.source}: no such file or directory`);
      }
      body = createReadStream(o.source);
    }
    const progress = await ctx.client().images.import({
      source: body,
      fromSrc,
      repo: o.reference,
      message: o.message,
      changes: o.changes,
      platform: o.platform,
    });
    await displayProgress(progress, ctx.stdio.stdout, ctx.stdio.stdout.isTTY === true);
    return 0;
  },
};
