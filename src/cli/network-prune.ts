import type { CommandModule } from "./command.ts";
import { pruneFlags, toPruneOptions } from "./container-prune.ts";
import { networksApi } from "./network-client.ts";
import { confirm } from "./prompt.ts";

const WARNING =
  "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?";

export const command: CommandModule = {
  usage: "[OPTIONS]",
  short: "Remove all unused networks",
  flags: pruneFlags,
  args: { kind: "none" },
  async run(ctx) {
    const o = toPruneOptions(ctx.flags);
    // a declined prompt is docker's "cancelled" error: nothing printed, exit status 0
    if (!o.force && !(await confirm(ctx.stdio, WARNING))) return 0;
    const api = networksApi(ctx.client());
    try {
      const report = await api.prune(o.filters);
      const deleted = report.NetworksDeleted ?? [];
      if (deleted.length > 0)
        ctx.stdio.stdout.write(`Deleted Networks:\n${deleted.map((n) => `${n}\n`).join("")}\n`);
    } finally {
      api.close();
    }
    return 0;
  },
};
