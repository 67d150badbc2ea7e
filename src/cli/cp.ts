import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type EngineClient, GO_MODE, hasModeBit, type PathStat } from "../client/index.ts";
import { goJoin } from "../lib/go-path.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool } from "./command.ts";
import { untar } from "./cp-extract.ts";
import {
  copyInfoDestinationPath,
  copyInfoSourcePath,
  resolveLocalPath,
  validateOutputPath,
} from "./cp-host.ts";
import { type CopyInfo, getRebaseName, planArchiveCopy, splitCpArg, splitPathDirEntry } from "./cp-paths.ts";
import { COPY_FROM_HEADER, COPY_TO_HEADER, CopyProgress } from "./cp-progress.ts";
import { rebaseArchive, tarResource } from "./cp-tar.ts";
import type { Stdio } from "./stdio.ts";

/**
 * `docker cp` (docker/cli cli/command/container/cp.go): files between a container and the host,
 * as tar archives over /containers/{id}/archive. The host side (what the local path is, how the
 * archive is renamed, where it is extracted) follows moby/go-archive's copy rules.
 */

export const cpFlags: FlagSpec[] = [
  { name: "follow-link", short: "L", type: "bool", description: "Always follow symbol link in SRC_PATH" },
  { name: "archive", short: "a", type: "bool", description: "Archive mode (copy all uid/gid information)" },
  {
    name: "quiet",
    short: "q",
    type: "bool",
    description:
      "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached",
  },
];

export interface CpOptions {
  source: string;
  destination: string;
  followLink: boolean;
  copyUIDGID: boolean;
  quiet: boolean;
}

/** Without -q, output is quiet unless stdout is a terminal. */
export function toCpOptions(flags: ParsedArgs, stdoutIsTerminal: boolean): CpOptions {
  const [source, destination] = flags.args;
  if (source === "") throw new Error("source can not be empty");
  if (destination === "") throw new Error("destination can not be empty");
  return {
    source,
    destination,
    followLink: bool(flags, "follow-link"),
    copyUIDGID: bool(flags, "archive"),
    quiet: flags.changed.has("quiet") ? bool(flags, "quiet") : !stdoutIsTerminal,
  };
}

interface CpConfig {
  container: string;
  srcPath: string;
  dstPath: string;
  followLink: boolean;
  copyUIDGID: boolean;
  quiet: boolean;
}

/** Runs one copy; throws docker's errors. */
export async function runCopy(client: EngineClient, o: CpOptions, stdio: Stdio): Promise<void> {
  const src = splitCpArg(o.source);
  const dst = splitCpArg(o.destination);
  const base = {
    srcPath: src.path,
    dstPath: dst.path,
    followLink: o.followLink,
    copyUIDGID: o.copyUIDGID,
    quiet: o.quiet,
  };
  if (src.container !== "" && dst.container !== "")
    throw new Error("copying between containers is not supported");
  if (src.container !== "") return copyFromContainer(client, { ...base, container: src.container }, stdio);
  if (dst.container !== "") return copyToContainer(client, { ...base, container: dst.container }, stdio);
  throw new Error("must specify at least one container source");
}

async function copyFromContainer(client: EngineClient, c: CpConfig, stdio: Stdio): Promise<void> {
  const dstPath = c.dstPath === "-" ? "-" : resolveLocalPath(c.dstPath);
  validateOutputPath(dstPath);
  let srcPath = c.srcPath;
  let rebase = "";
  if (c.followLink) {
    // the link's target is copied, under the link's name
    const stat = await client.archive.stat(c.container, srcPath).catch(() => undefined);
    if (stat && hasModeBit(stat.mode, GO_MODE.symlink)) {
      let target = stat.linkTarget;
      if (!target.startsWith("/")) target = goJoin(splitPathDirEntry(srcPath)[0], target);
      [srcPath, rebase] = getRebaseName(srcPath, target);
    }
  }
  const { stat, body } = await client.archive.get(c.container, srcPath);
  if (dstPath === "-") {
    await pipeline(body, stdio.stdout, { end: false });
    return;
  }
  const srcInfo: CopyInfo = { path: srcPath, exists: true, isDir: isDir(stat), rebaseName: rebase };
  const progress = new CopyProgress(stdio.stderr);
  let content: Readable = body;
  if (!c.quiet) content = forward(body, progress.counter());
  if (rebase !== "") content = rebaseArchive(content, splitPathDirEntry(srcPath)[1], rebase);
  if (c.quiet) return copyTo(content, srcInfo, dstPath);
  progress.start(COPY_FROM_HEADER);
  let failure: unknown;
  await copyTo(content, srcInfo, dstPath).catch((err) => {
    failure = err;
  });
  progress.finish(dstPath);
  if (failure) throw failure;
}

/** archive.CopyTo: what the destination is decides where the archive goes and under which name. */
async function copyTo(content: Readable, srcInfo: CopyInfo, dstPath: string): Promise<void> {
  try {
    const dstInfo = copyInfoDestinationPath(dstPath);
    const plan = planArchiveCopy(srcInfo, dstInfo);
    const archive = plan.rebase ? rebaseArchive(content, ...plan.rebase) : content;
    await untar(archive, plan.dstDir, { noOverwriteDirNonDir: true });
  } finally {
    content.destroy();
  }
}

async function copyToContainer(client: EngineClient, c: CpConfig, stdio: Stdio): Promise<void> {
  const srcPath = c.srcPath === "-" ? "-" : resolveLocalPath(c.srcPath);
  const dstInfo: CopyInfo = { path: c.dstPath, exists: false, isDir: false, rebaseName: "" };
  // a destination that cannot be stat'ed may still be created, if its parent exists
  let dstStat = await client.archive.stat(c.container, c.dstPath).catch(() => undefined);
  if (dstStat && hasModeBit(dstStat.mode, GO_MODE.symlink)) {
    let target = dstStat.linkTarget;
    if (!target.startsWith("/")) target = goJoin(splitPathDirEntry(c.dstPath)[0], target);
    dstInfo.path = target;
    dstStat = await client.archive.stat(c.container, target).catch(() => undefined);
  }
  const mode = dstStat?.mode ?? 0;
  const what = hasModeBit(mode, GO_MODE.device)
    ? "got a device"
    : hasModeBit(mode, GO_MODE.irregular)
      ? "got an irregular file"
      : "";
  if (what !== "")
    throw new Error(
      `destination "${c.container}:${c.dstPath}" must be a directory or a regular file: ${what}`,
    );
  if (dstStat) {
    dstInfo.exists = true;
    dstInfo.isDir = isDir(dstStat);
  }

  const progress = new CopyProgress(stdio.stderr);
  let content: Readable;
  let resolvedDstPath: string;
  if (srcPath === "-") {
    content = stdio.stdin;
    resolvedDstPath = dstInfo.path;
    if (!dstInfo.isDir) throw new Error(`destination "${c.container}:${c.dstPath}" must be a directory`);
  } else {
    const srcInfo = copyInfoSourcePath(srcPath, c.followLink);
    const plan = planArchiveCopy(srcInfo, dstInfo);
    const archive = await tarResource(srcInfo);
    content = plan.rebase ? rebaseArchive(archive, ...plan.rebase) : archive;
    resolvedDstPath = plan.dstDir;
    if (!c.quiet) content = forward(content, progress.counter());
  }
  const put = () => client.archive.put(c.container, resolvedDstPath, content, { copyUIDGID: c.copyUIDGID });
  if (c.quiet) return put();
  progress.start(COPY_TO_HEADER);
  let failure: unknown;
  await put().catch((err) => {
    failure = err;
  });
  progress.finish(`${c.container}:${dstInfo.path}`);
  if (failure) throw failure;
}

function isDir(stat: PathStat): boolean {
  return hasModeBit(stat.mode, GO_MODE.dir);
}

/** source piped into through, errors passed along. */
function forward(source: Readable, through: NodeJS.ReadWriteStream & Readable): Readable {
  source.on("error", (err) => through.destroy(err));
  return source.pipe(through);
}

export const command: CommandModule = {
  usage: "[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\tkapsel cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
  short: "Copy files/folders between a container and the local filesystem",
  long: "Copy files/folders between a container and the local filesystem\n\nUse '-' as the source to read a tar archive from stdin\nand extract it to a directory destination in a container.\nUse '-' as the destination to stream a tar archive of a\ncontainer source to stdout.",
  aliases: ["kapsel container cp", "kapsel cp"],
  flags: cpFlags,
  args: { kind: "exact", n: 2 },
  async run(ctx) {
    const o = toCpOptions(ctx.flags, ctx.stdio.stdout.isTTY === true);
    await runCopy(ctx.client(), o, ctx.stdio);
    return 0;
  },
};
