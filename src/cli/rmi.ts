import { isNotFound } from "../client/index.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool } from "./command.ts";
import { errorText, StatusError } from "./status-error.ts";

export const rmiFlags: FlagSpec[] = [
  { name: "force", short: "f", type: "bool", description: "Force removal of the image" },
  { name: "no-prune", type: "bool", description: "Do not delete untagged parents" },
];

export interface RmiOptions {
  images: string[];
  force: boolean;
  noPrune: boolean;
}

export function toRmiOptions(flags: ParsedArgs): RmiOptions {
  return { images: flags.args, force: bool(flags, "force"), noPrune: bool(flags, "no-prune") };
}

export const command: CommandModule = {
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  short: "Remove one or more images",
  aliases: ["kapsel image rm", "kapsel image remove", "kapsel rmi"],
  flags: rmiFlags,
  args: { kind: "min", n: 1 },
  async run(ctx) {
    const o = toRmiOptions(ctx.flags);
    const client = ctx.client();
    const errors: string[] = [];
    let fatal = false;
    for (const image of o.images) {
      try {
        for (const del of await client.images.remove(image, o)) {
          ctx.stdio.stdout.write(del.Deleted ? `Deleted: ${del.Deleted}\n` : `Untagged: ${del.Untagged}\n`);
        }
      } catch (err) {
        if (!isNotFound(err)) fatal = true;
        errors.push(errorText(err));
      }
    }
    if (errors.length > 0) {
      // with -f, images that do not exist are reported but do not fail the command
      if (!o.force || fatal) throw new StatusError(1, errors.join("\n"));
      ctx.stdio.stderr.write(`${errors.join("\n")}\n`);
    }
    return 0;
  },
};
