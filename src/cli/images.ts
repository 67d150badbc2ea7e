import type { FilterArgs } from "../client/index.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, list, str } from "./command.ts";
import { parseFilters } from "./filters.ts";
import { formatRows } from "./format/table-format.ts";
import { IMAGE_HEADERS, imageFormat, imageRows } from "./image-rows.ts";
import { FORMAT_HELP, filterFlag } from "./ps.ts";

export const imagesFlags: FlagSpec[] = [
  { name: "quiet", short: "q", type: "bool", description: "Only show image IDs" },
  {
    name: "all",
    short: "a",
    type: "bool",
    description: "Show all images (default hides intermediate images)",
  },
  { name: "no-trunc", type: "bool", description: "Don't truncate output" },
  { name: "digests", type: "bool", description: "Show digests" },
  { name: "format", type: "string", description: FORMAT_HELP },
  filterFlag,
];

export interface ImagesOptions {
  /** REPOSITORY[:TAG], sent as a reference filter */
  match?: string;
  all: boolean;
  quiet: boolean;
  noTrunc: boolean;
  digests: boolean;
  format: string;
  filters: FilterArgs;
}

export function toImagesOptions(flags: ParsedArgs): ImagesOptions {
  const filters = parseFilters(list(flags, "filter"));
  const match = flags.args[0];
  if (match) filters.set("reference", [...(filters.get("reference") ?? []), match]);
  return {
    match,
    all: bool(flags, "all"),
    quiet: bool(flags, "quiet"),
    noTrunc: bool(flags, "no-trunc"),
    digests: bool(flags, "digests"),
    format: str(flags, "format"),
    filters,
  };
}

const AMBIGUOUS = [
  "build",
  "history",
  "import",
  "inspect",
  "list",
  "load",
  "ls",
  "prune",
  "pull",
  "push",
  "rm",
  "save",
  "tag",
];

export const command: CommandModule = {
  usage: "[OPTIONS] [REPOSITORY[:TAG]]",
  short: "List images",
  aliases: ["kapsel image ls", "kapsel image list", "kapsel images"],
  flags: imagesFlags,
  args: { kind: "max", n: 1 },
  async run(ctx) {
    const o = toImagesOptions(ctx.flags);
    const images = await ctx.client().images.list({ all: o.all, filters: o.filters });
    const format = imageFormat(o.format, o.quiet, o.digests);
    const rowOpts = {
      trunc: !o.noTrunc,
      digests: o.digests,
      formatHasDigest: format.includes("{{.Digest}}"),
    };
    const now = Date.now();
    const rows = images.flatMap((img) => imageRows(img, { ...rowOpts, now }));
    ctx.stdio.stdout.write(formatRows(format, rows, { header: IMAGE_HEADERS }));
    // `kapsel images inspect` is a common slip for `kapsel image inspect`
    if (o.match && images.length === 0 && ctx.path[0] === "images" && AMBIGUOUS.includes(o.match)) {
      ctx.stdio.stderr.write(
        `\nNo images found matching "${o.match}": did you mean "kapsel image ${o.match}"?\n`,
      );
    }
    return 0;
  },
};
