import type { CommandModule } from "./command.ts";
import { bool } from "./command.ts";
import { pruneFlags, toPruneOptions } from "./container-prune.ts";
import { humanSize } from "./format/human-units.ts";
import { confirm } from "./prompt.ts";

/** `docker image prune` (docker/cli cli/command/image/prune.go). */

const DANGLING_WARNING = "WARNING! This will remove all dangling images.\nAre you sure you want to continue?";
const ALL_WARNING =
  "WARNING! This will remove all images without at least one container associated to them.\nAre you sure you want to continue?";

export const command: CommandModule = {
  usage: "[OPTIONS]",
  short: "Remove unused images",
  flags: [
    {
      name: "all",
      short: "a",
      type: "bool",
      description: "Remove all unused images, not just dangling ones",
    },
    ...pruneFlags,
  ],
  args: { kind: "none" },
  async run(ctx) {
    const o = toPruneOptions(ctx.flags);
    const all = bool(ctx.flags, "all");
    o.filters.set("dangling", [...(o.filters.get("dangling") ?? []), String(!all)]);
    // a declined prompt is docker's "cancelled" error: nothing printed, exit status 0
    if (!o.force && !(await confirm(ctx.stdio, all ? ALL_WARNING : DANGLING_WARNING))) return 0;
    const report = await ctx.client().images.prune(o.filters);
    const deleted = report.ImagesDeleted ?? [];
    let reclaimed = 0;
    if (deleted.length > 0) {
      const lines = deleted.flatMap((d) => [
        ...(d.Untagged ? [`untagged: ${d.Untagged}\n`] : []),
        ...(d.Deleted ? [`deleted: ${d.Deleted}\n`] : []),
      ]);
      ctx.stdio.stdout.write(`Deleted Images:\n${lines.join("")}\n`);
      reclaimed = report.SpaceReclaimed;
    }
    ctx.stdio.stdout.write(`Total reclaimed space: ${humanSize(reclaimed)}\n`);
    return 0;
  },
};
