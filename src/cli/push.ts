import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, str } from "./command.ts";
import { displayProgress } from "./progress.ts";
import { discard, fullString, resolveTag } from "./pull.ts";
import { encodeAuth, registryKey, storedAuth } from "./registry-auth.ts";

/** `docker push` (docker/cli cli/command/image/push.go), with config.json's credentials. */

export const pushFlags: FlagSpec[] = [
  {
    name: "all-tags",
    short: "a",
    type: "bool",
    description: "Push all tags of an image to the repository",
  },
  // kapsel has no content trust: the flag is accepted, and images are never signed
  { name: "disable-content-trust", type: "bool", default: true, description: "Skip image signing" },
  {
    name: "platform",
    type: "string",
    description:
      "Push a platform-specific manifest as a single-platform image to the registry (format: os[/arch[/variant]])",
  },
  { name: "quiet", short: "q", type: "bool", description: "Suppress verbose output" },
];

export interface PushOptions {
  remote: string;
  all: boolean;
  quiet: boolean;
  /** os[/arch[/variant]]; "" for none */
  platform: string;
}

export function toPushOptions(flags: ParsedArgs): PushOptions {
  return {
    remote: flags.args[0],
    all: bool(flags, "all-tags"),
    quiet: bool(flags, "quiet"),
    platform: str(flags, "platform"),
  };
}

export const command: CommandModule = {
  usage: "[OPTIONS] NAME[:TAG]",
  short: "Upload an image to a registry",
  aliases: ["kapsel image push", "kapsel push"],
  flags: pushFlags,
  args: { kind: "exact", n: 1 },
  async run(ctx) {
    const o = toPushOptions(ctx.flags);
    const out = ctx.stdio.stdout;
    const ref = resolveTag(o.remote, o.all, o.quiet, out);
    const auth = encodeAuth(storedAuth(ctx.env, registryKey(ref.domain)));
    const progress = await ctx.client().images.push(fullString(ref), {
      all: o.all,
      auth,
      ...(o.platform ? { platform: o.platform } : {}),
    });
    await displayProgress(progress, o.quiet ? discard : out, !o.quiet && out.isTTY === true);
    if (o.quiet) out.write(`${fullString(ref)}\n`);
    return 0;
  },
};
