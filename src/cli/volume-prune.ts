import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, list } from "./command.ts";
import { parseFilters, validateFilter } from "./filters.ts";
import { humanSize } from "./format/human-units.ts";
import { confirm } from "./prompt.ts";

/** `docker volume prune` (docker/cli cli/command/volume/prune.go). */

export const volumePruneFlags: FlagSpec[] = [
  {
    name: "all",
    short: "a",
    type: "bool",
    description: "Remove all unused volumes, not just anonymous ones",
  },
  { name: "force", short: "f", type: "bool", description: "Do not prompt for confirmation" },
  {
    name: "filter",
    type: "list",
    typeName: "filter",
    description: 'Provide filter values (e.g. "label=<label>")',
    validate: validateFilter,
  },
];

const ANONYMOUS_WARNING =
  "WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue?";
const ALL_WARNING =
  "WARNING! This will remove all local volumes not used by at least one container.\nAre you sure you want to continue?";

/** The filters sent and the warning shown; --all is the filter all=true. */
export function toVolumePruneOptions(flags: ParsedArgs) {
  const filters = parseFilters(list(flags, "filter"));
  const all = bool(flags, "all");
  if (all) {
    if (filters.has("all"))
      throw new Error("conflicting options: cannot specify both --all and --filter all=1");
    filters.set("all", ["true"]);
  }
  return { force: bool(flags, "force"), filters, warning: all ? ALL_WARNING : ANONYMOUS_WARNING };
}

export const command: CommandModule = {
  usage: "[OPTIONS]",
  short: "Remove unused local volumes",
  flags: volumePruneFlags,
  args: { kind: "none" },
  async run(ctx) {
    const o = toVolumePruneOptions(ctx.flags);
    // a declined prompt is docker's "cancelled" error: nothing printed, exit status 0
    if (!o.force && !(await confirm(ctx.stdio, o.warning))) return 0;
    const report = await ctx.client().volumes.prune(o.filters);
    const deleted = report.VolumesDeleted ?? [];
    let reclaimed = 0;
    if (deleted.length > 0) {
      ctx.stdio.stdout.write(`Deleted Volumes:\n${deleted.map((n) => `${n}\n`).join("")}\n`);
      reclaimed = report.SpaceReclaimed;
    }
    ctx.stdio.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
    return 0;
  },
};
