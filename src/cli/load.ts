import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, str } from "./command.ts";
import { displayProgress } from "./progress.ts";

/** `docker load` (docker/cli cli/command/image/load.go): a tar from a file or stdin. */

export const loadFlags: FlagSpec[] = [
  { name: "input", short: "i", type: "string", description: "Read from tar archive file, instead of STDIN" },
  {
    name: "platform",
    type: "string",
    description:
      'Load only the given platform variant. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")',
  },
  { name: "quiet", short: "q", type: "bool", description: "Suppress the load output" },
];

export interface LoadOptions {
  input: string;
  quiet: boolean;
  platform: string;
}

export function toLoadOptions(flags: ParsedArgs): LoadOptions {
  return { input: str(flags, "input"), quiet: bool(flags, "quiet"), platform: str(flags, "platform") };
}

export const command: CommandModule = {
  usage: "[OPTIONS]",
  short: "Load an image from a tar archive or STDIN",
  aliases: ["kapsel image load", "kapsel load"],
  flags: loadFlags,
  args: { kind: "none" },
  async run(ctx) {
    const o = toLoadOptions(ctx.flags);
    let input: Readable = ctx.stdio.stdin;
    if (o.input !== "") {
      // opened first so a missing file is Go's error, not a stream error mid-request
      const fh = await open(o.input).catch(() => {
        throw new Error(`open ${o.input}: no such file or directory`);
      });
      input = createReadStream("", { fd: fh.fd });
    } else if (ctx.stdio.stdin.isTTY) {
      throw new Error("requested load from stdin, but stdin is empty");
    }
    const isTerminal = ctx.stdio.stdout.isTTY === true;
    // docker asks for the quiet form off a terminal too: no progress bars, just the result lines
    const res = await ctx
      .client()
      .images.load(input, { quiet: o.quiet || !isTerminal, platform: o.platform });
    if (String(res.headers["content-type"] ?? "").includes("application/json")) {
      await displayProgress(res, ctx.stdio.stdout, isTerminal);
    } else {
      await new Promise<void>((resolve, reject) => {
        res.on("data", (chunk: Buffer) => ctx.stdio.stdout.write(chunk));
        res.on("end", resolve);
        res.on("error", reject);
      });
    }
    return 0;
  },
};
