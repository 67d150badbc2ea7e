import type { FilterArgs } from "../client/index.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, list } from "./command.ts";
import { parseFilters, validateFilter } from "./filters.ts";
import { humanSize } from "./format/human-units.ts";
import { confirm } from "./prompt.ts";

export const pruneFlags: FlagSpec[] = [
  { name: "force", short: "f", type: "bool", description: "Do not prompt for confirmation" },
  {
    name: "filter",
    type: "list",
    typeName: "filter",
    description: 'Provide filter values (e.g. "until=<timestamp>")',
    validate: validateFilter,
  },
];

export interface PruneOptions {
  force: boolean;
  filters: FilterArgs;
}

export function toPruneOptions(flags: ParsedArgs): PruneOptions {
  return { force: bool(flags, "force"), filters: parseFilters(list(flags, "filter")) };
}

const WARNING = "WARNING! This will remove all stopped containers.\nAre you sure you want to continue?";

export const command: CommandModule = {
  usage: "[OPTIONS]",
  short: "Remove all stopped containers",
  flags: pruneFlags,
  args: { kind: "none" },
  async run(ctx) {
    const o = toPruneOptions(ctx.flags);
    if (!o.force && !(await confirm(ctx.stdio, WARNING))) {
      // Docker's "cancelled" error: nothing printed, and the exit status is 0
      return 0;
    }
    const report = await ctx.client().containers.prune(o.filters);
    const deleted = report.ContainersDeleted ?? [];
    let reclaimed = 0;
    if (deleted.length > 0) {
      ctx.stdio.stdout.write(`Deleted Containers:\n${deleted.map((id) => `${id}\n`).join("")}\n`);
      reclaimed = report.SpaceReclaimed;
    }
    ctx.stdio.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
    return 0;
  },
};
