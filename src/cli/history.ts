import type { HistoryResponseItem } from "../client/index.ts";
import { humanDuration } from "../lib/human-duration.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, str } from "./command.ts";
import { ellipsis, truncateId } from "./format/container-columns.ts";
import { goStruct } from "./format/go-print.ts";
import { humanSizeWithPrecision } from "./format/human-units.ts";
import { formatRows } from "./format/table-format.ts";
import { FORMAT_HELP } from "./ps.ts";

/** `docker history` (docker/cli cli/command/image/history.go and formatter_history.go). */

export const historyFlags: FlagSpec[] = [
  { name: "format", type: "string", description: FORMAT_HELP },
  {
    name: "human",
    short: "H",
    type: "bool",
    default: true,
    description: "Print sizes and dates in human readable format",
  },
  { name: "no-trunc", type: "bool", description: "Don't truncate output" },
  {
    name: "platform",
    type: "string",
    description:
      'Show history for the given platform. Formatted as "os[/arch[/variant]]" (e.g., "linux/amd64")',
  },
  { name: "quiet", short: "q", type: "bool", description: "Only show image IDs" },
];

export interface HistoryOptions {
  image: string;
  human: boolean;
  noTrunc: boolean;
  quiet: boolean;
  format: string;
  platform: string;
}

export function toHistoryOptions(flags: ParsedArgs): HistoryOptions {
  return {
    image: flags.args[0],
    human: bool(flags, "human"),
    noTrunc: bool(flags, "no-trunc"),
    quiet: bool(flags, "quiet"),
    format: str(flags, "format"),
    platform: str(flags, "platform"),
  };
}

const HEADERS: Record<string, string> = {
  ID: "IMAGE",
  CreatedSince: "CREATED",
  CreatedAt: "CREATED AT",
  CreatedBy: "CREATED BY",
  Size: "SIZE",
  Comment: "COMMENT",
};

/** NewHistoryFormat: only the bare "table" (or no format) is replaced by -q and -H=false. */
export function historyFormat(format: string, quiet: boolean, human: boolean): string {
  if (format !== "" && format !== "table") return format;
  if (quiet) return "{{.ID}}";
  const created = human ? "{{.CreatedSince}}" : "{{.CreatedAt}}";
  return `table {{.ID}}\t${created}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}`;
}

/** Go's time.Unix(s, 0).Format(time.RFC3339) in the host's zone. */
export function rfc3339(seconds: number): string {
  const d = new Date(seconds * 1000);
  const offMin = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + offMin * 60_000).toISOString().slice(0, 19);
  if (offMin === 0) return `${local}Z`;
  const abs = Math.abs(offMin);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${local}${offMin < 0 ? "-" : "+"}${hh}:${mm}`;
}

export function historyRow(h: HistoryResponseItem, o: { trunc: boolean; human: boolean; now: number }) {
  const createdAt = rfc3339(h.Created);
  const createdBy = h.CreatedBy.replaceAll("\t", " ");
  return goStruct(
    {
      ID: o.trunc ? truncateId(h.Id) : h.Id,
      CreatedSince: o.human ? `${humanDuration(o.now - h.Created * 1000)} ago` : createdAt,
      CreatedAt: createdAt,
      CreatedBy: o.trunc ? ellipsis(createdBy, 45) : createdBy,
      Size: o.human ? humanSizeWithPrecision(h.Size, 3) : String(h.Size),
      Comment: h.Comment,
    },
    "*image.historyContext",
  );
}

export const command: CommandModule = {
  usage: "[OPTIONS] IMAGE",
  short: "Show the history of an image",
  aliases: ["kapsel image history", "kapsel history"],
  flags: historyFlags,
  args: { kind: "exact", n: 1 },
  async run(ctx) {
    const o = toHistoryOptions(ctx.flags);
    const items = await ctx.client().images.history(o.image, o.platform);
    const now = Date.now();
    const rows = items.map((h) => historyRow(h, { trunc: !o.noTrunc, human: o.human, now }));
    ctx.stdio.stdout.write(formatRows(historyFormat(o.format, o.quiet, o.human), rows, { header: HEADERS }));
    return 0;
  },
};
