import { Writable } from "node:stream";
import { type ImageReference, parseNormalizedNamed, withDefaultTag } from "../client/reference.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, str } from "./command.ts";
import { displayProgress } from "./progress.ts";
import { encodeAuth, registryKey, storedAuth } from "./registry-auth.ts";

/** `docker pull` (docker/cli cli/command/image/pull.go), with config.json's credentials. */

export const pullFlags: FlagSpec[] = [
  {
    name: "all-tags",
    short: "a",
    type: "bool",
    description: "Download all tagged images in the repository",
  },
  // kapsel has no content trust: the flag is accepted, and trust is always skipped
  { name: "disable-content-trust", type: "bool", default: true, description: "Skip image verification" },
  { name: "platform", type: "string", description: "Set platform if server is multi-platform capable" },
  { name: "quiet", short: "q", type: "bool", description: "Suppress verbose output" },
];

export interface PullOptions {
  remote: string;
  all: boolean;
  platform: string;
  quiet: boolean;
}

export function toPullOptions(flags: ParsedArgs, env: Record<string, string | undefined>): PullOptions {
  return {
    remote: flags.args[0],
    all: bool(flags, "all-tags"),
    platform: str(flags, "platform") || env.DOCKER_DEFAULT_PLATFORM || "",
    quiet: bool(flags, "quiet"),
  };
}

/** reference.String(): the full name, e.g. docker.io/library/busybox:latest. */
export function fullString(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}${ref.tag !== undefined ? `:${ref.tag}` : ""}${ref.digest ? `@${ref.digest}` : ""}`;
}

const isNameOnly = (ref: ImageReference) => ref.tag === undefined && ref.digest === undefined;

/** Docker's checks of -a against the name; prints "Using default tag" when one is added. */
export function resolveTag(remote: string, all: boolean, quiet: boolean, out: Writable): ImageReference {
  let ref = parseNormalizedNamed(remote);
  if (all && !isNameOnly(ref)) throw new Error("tag can't be used with --all-tags/-a");
  if (!all && isNameOnly(ref)) {
    ref = withDefaultTag(ref);
    if (!quiet) out.write(`Using default tag: ${ref.tag}\n`);
  }
  return ref;
}

/** Where -q sends the progress. */
export const discard = new Writable({ write: (_chunk, _enc, cb) => cb() });

export const command: CommandModule = {
  usage: "[OPTIONS] NAME[:TAG|@DIGEST]",
  short: "Download an image from a registry",
  aliases: ["kapsel image pull", "kapsel pull"],
  flags: pullFlags,
  args: { kind: "exact", n: 1 },
  async run(ctx) {
    const o = toPullOptions(ctx.flags, ctx.env);
    const out = ctx.stdio.stdout;
    const ref = resolveTag(o.remote, o.all, o.quiet, out);
    const auth = encodeAuth(storedAuth(ctx.env, registryKey(ref.domain)));
    const progress = await ctx
      .client()
      .images.pull(fullString(ref), { all: o.all, platform: o.platform, auth });
    await displayProgress(progress, o.quiet ? discard : out, !o.quiet && out.isTTY === true);
    out.write(`${fullString(ref)}\n`);
    return 0;
  },
};
