import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, list } from "./command.ts";
import { parseFilters, validateFilter } from "./filters.ts";
import { humanSize } from "./format/human-units.ts";
import { confirm } from "./prompt.ts";

/** `docker builder prune` (docker/cli cli/command/builder/prune.go): POST /build/prune. */

export const builderPruneFlags: FlagSpec[] = [
  { name: "force", short: "f", type: "bool", description: "Do not prompt for confirmation" },
  {
    name: "all",
    short: "a",
    type: "bool",
    description: "Remove all unused build cache, not just dangling ones",
  },
  {
    name: "filter",
    type: "list",
    typeName: "filter",
    description: 'Provide filter values (e.g. "until=24h")',
    validate: validateFilter,
  },
  { name: "keep-storage", type: "bytes", description: "Amount of disk space to keep for cache" },
];

const DANGLING_WARNING =
  "WARNING! This will remove all dangling build cache. Are you sure you want to continue?";
const ALL_WARNING = "WARNING! This will remove all build cache. Are you sure you want to continue?";

export function toBuilderPruneOptions(flags: ParsedArgs) {
  const all = bool(flags, "all");
  return {
    force: bool(flags, "force"),
    all,
    keepStorage: Number(flags.flags["keep-storage"] ?? 0),
    filters: parseFilters(list(flags, "filter")),
    warning: all ? ALL_WARNING : DANGLING_WARNING,
  };
}

export const command: CommandModule = {
  usage: "",
  short: "Remove build cache",
  flags: builderPruneFlags,
  args: { kind: "none" },
  async run(ctx) {
    const o = toBuilderPruneOptions(ctx.flags);
    // a declined prompt is docker's "cancelled" error: nothing printed, exit status 0
    if (!o.force && !(await confirm(ctx.stdio, o.warning))) return 0;
    const report = await ctx.client().build.prune(o);
    const deleted = report.CachesDeleted ?? [];
    if (deleted.length > 0)
      ctx.stdio.stdout.write(`Deleted build cache objects:\n${deleted.map((id) => `${id}\n`).join("")}\n`);
    ctx.stdio.stdout.write(`Total reclaimed space: ${humanSize(report.SpaceReclaimed ?? 0)}\n`);
    return 0;
  },
};
