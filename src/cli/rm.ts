import { isNotFound } from "../client/index.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool } from "./command.ts";
import { forEachContainer } from "./parallel.ts";

export const rmFlags: FlagSpec[] = [
  {
    name: "volumes",
    short: "v",
    type: "bool",
    description: "Remove anonymous volumes associated with the container",
  },
  { name: "link", short: "l", type: "bool", description: "Remove the specified link" },
  {
    name: "force",
    short: "f",
    type: "bool",
    description: "Force the removal of a running container (uses SIGKILL)",
  },
];

export interface RmOptions {
  containers: string[];
  force: boolean;
  volumes: boolean;
  link: boolean;
}

export function toRmOptions(flags: ParsedArgs): RmOptions {
  return {
    containers: flags.args,
    force: bool(flags, "force"),
    volumes: bool(flags, "volumes"),
    link: bool(flags, "link"),
  };
}

export const command: CommandModule = {
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  short: "Remove one or more containers",
  aliases: ["kapsel container rm", "kapsel container remove", "kapsel rm"],
  flags: rmFlags,
  args: { kind: "min", n: 1 },
  run(ctx) {
    const o = toRmOptions(ctx.flags);
    const client = ctx.client();
    return forEachContainer(
      o.containers,
      async (ref) => {
        const id = ref.replace(/^\/+|\/+$/g, "");
        if (id === "") throw new Error("container name cannot be empty");
        await client.containers.remove(id, o);
      },
      ctx.stdio,
      // with -f, a container that is already gone is only reported
      (err) => o.force && isNotFound(err),
    );
  },
};
