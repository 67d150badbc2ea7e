import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, list, str } from "./command.ts";

/** `docker commit` (docker/cli cli/command/container/commit.go): prints the new image's id. */

export const commitFlags: FlagSpec[] = [
  {
    name: "author",
    short: "a",
    type: "string",
    description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")',
  },
  {
    name: "change",
    short: "c",
    type: "list",
    description: "Apply Dockerfile instruction to the created image",
  },
  { name: "message", short: "m", type: "string", description: "Commit message" },
  { name: "pause", short: "p", type: "bool", default: true, description: "Pause container during commit" },
];

export interface CommitCommandOptions {
  container: string;
  reference?: string;
  author: string;
  message: string;
  changes: string[];
  pause: boolean;
}

export function toCommitOptions(flags: ParsedArgs): CommitCommandOptions {
  return {
    container: flags.args[0],
    reference: flags.args[1],
    author: str(flags, "author"),
    message: str(flags, "message"),
    changes: list(flags, "change"),
    pause: bool(flags, "pause"),
  };
}

export const command: CommandModule = {
  usage: "[OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
  short: "Create a new image from a container's changes",
  aliases: ["kapsel container commit", "kapsel commit"],
  flags: commitFlags,
  args: { kind: "range", min: 1, max: 2 },
  async run(ctx) {
    const o = toCommitOptions(ctx.flags);
    const r = await ctx.client().containers.commit(o.container, {
      reference: o.reference,
      comment: o.message,
      author: o.author,
      changes: o.changes,
      pause: o.pause,
    });
    ctx.stdio.stdout.write(`${r.Id}\n`);
    return 0;
  },
};
