import type { CommandModule } from "./command.ts";
import { bool } from "./command.ts";
import { joinErrors } from "./status-error.ts";

/** `docker volume rm` (docker/cli cli/command/volume/remove.go): each name in turn, failures joined at the end. */
export const command: CommandModule = {
  usage: "[OPTIONS] VOLUME [VOLUME...]",
  short: "Remove one or more volumes",
  long: "Remove one or more volumes. You cannot remove a volume that is in use by a container.",
  aliases: ["kapsel volume rm", "kapsel volume remove"],
  flags: [
    { name: "force", short: "f", type: "bool", description: "Force the removal of one or more volumes" },
  ],
  args: { kind: "min", n: 1 },
  async run(ctx) {
    const force = bool(ctx.flags, "force");
    const api = ctx.client().volumes;
    const errors: unknown[] = [];
    for (const name of ctx.flags.args) {
      try {
        await api.remove(name, { force });
        ctx.stdio.stdout.write(`${name}\n`);
      } catch (err) {
        errors.push(err);
      }
    }
    const failed = joinErrors(errors);
    if (failed) throw failed;
    return 0;
  },
};
