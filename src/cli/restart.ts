import type { CommandModule } from "./command.ts";
import { errorText, StatusError } from "./status-error.ts";
import { stopFlags, toStopOptions } from "./stop.ts";

export const command: CommandModule = {
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  short: "Restart one or more containers",
  aliases: ["kapsel container restart", "kapsel restart"],
  flags: stopFlags,
  args: { kind: "min", n: 1 },
  async run(ctx) {
    const o = toStopOptions(ctx.flags);
    const client = ctx.client();
    // one after another, as Docker does for restart
    const errors: string[] = [];
    for (const ref of o.containers) {
      try {
        await client.containers.restart(ref, o);
        ctx.stdio.stdout.write(`${ref}\n`);
      } catch (err) {
        errors.push(errorText(err));
      }
    }
    if (errors.length > 0) throw new StatusError(1, errors.join("\n"));
    return 0;
  },
};
