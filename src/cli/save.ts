import { createWriteStream, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { str } from "./command.ts";

/** `docker save` (docker/cli cli/command/image/save.go): a tar of images, to a file or stdout. */

export const saveFlags: FlagSpec[] = [
  { name: "output", short: "o", type: "string", description: "Write to a file, instead of STDOUT" },
  {
    name: "platform",
    type: "string",
    description:
      'Save only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")',
  },
];

export interface SaveOptions {
  images: string[];
  output: string;
  platform: string;
}

export function toSaveOptions(flags: ParsedArgs): SaveOptions {
  return { images: flags.args, output: str(flags, "output"), platform: str(flags, "platform") };
}

/** command.ValidateOutputPath: the file's folder must exist (Go's stat error otherwise). */
function validateOutputPath(path: string): void {
  const dir = dirname(path);
  if (dir === ".") return;
  try {
    statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOTDIR"
        ? "not a directory"
        : code === "EACCES"
          ? "permission denied"
          : "no such file or directory";
    throw new Error(`failed to save image: invalid output path: stat ${dir}: ${why}`);
  }
}

export const command: CommandModule = {
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  short: "Save one or more images to a tar archive (streamed to STDOUT by default)",
  aliases: ["kapsel image save", "kapsel save"],
  flags: saveFlags,
  args: { kind: "min", n: 1 },
  async run(ctx) {
    const o = toSaveOptions(ctx.flags);
    if (o.output === "" && ctx.stdio.stdout.isTTY) {
      throw new Error("cowardly refusing to save to a terminal. Use the -o flag or redirect");
    }
    if (o.output !== "") validateOutputPath(o.output);
    const body = await ctx.client().images.save(o.images, { platform: o.platform });
    if (o.output === "") {
      await pipeline(body, ctx.stdio.stdout, { end: false });
      return 0;
    }
    // written beside the target, then renamed (docker's CopyToFile): no half file on failure
    const tmp = join(dirname(o.output), `.docker_temp_${process.pid}_${Date.now()}`);
    try {
      await pipeline(body, createWriteStream(tmp, { mode: 0o600 }));
      renameSync(tmp, o.output);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    return 0;
  },
};
