import { randomBytes } from "node:crypto";
import { lstatSync, readFileSync, type Stats, statSync } from "node:fs";
import { lstat, open, readdir, readlink } from "node:fs/promises";
import type { Readable } from "node:stream";
import { ignoreMatcher, type MatchInfo, parseDockerignore } from "../lib/dockerignore.ts";
import { goClean, goJoin, goRel } from "../lib/go-path.ts";
import { headerFromStat, type TarHeader } from "../lib/tar/header-from-stat.ts";
import { packStream } from "../lib/tar/pack-stream.ts";
import { evalSymlinks } from "./cp-host.ts";
import { errnoText, isErrno } from "./go-path-error.ts";

/**
 * A build context from a local directory, as docker's classic build path sends it (docker/cli
 * cli/command/image/build/context.go, moby/go-archive TarWithOptions): the directory resolved
 * (symlinks too), the Dockerfile found relative to it, .dockerignore applied here (the
 * Dockerfile and .dockerignore always sent), entries in Go's walk order with owner 0:0, modes
 * and whole-second mtimes as on disk, and a Dockerfile from stdin or outside the context added
 * under a random name. The tar streams: file bodies are read as the upload asks for them.
 */

export const DEFAULT_DOCKERFILE = "Dockerfile";

/** docker's ResolveAndValidateContextPath: absolute, symlinks resolved, a directory. */
export function resolveContextDir(given: string, cwd: string = process.cwd()): string {
  const abs = goClean(given.startsWith("/") ? given : `${cwd}/${given}`);
  let resolved: string;
  try {
    resolved = evalSymlinks(abs);
  } catch (err) {
    throw new Error(`unable to evaluate symlinks in context path: ${(err as Error).message}`);
  }
  let st: Stats;
  try {
    st = lstatSync(resolved);
  } catch (err) {
    throw new Error(`unable to stat context directory "${resolved}": lstat ${resolved}: ${errnoText(err)}`);
  }
  if (!st.isDirectory()) throw new Error(`context must be a directory: ${resolved}`);
  return resolved;
}

/**
 * docker's getDockerfileRelPath: "-" stays; none means PATH/Dockerfile (or PATH/dockerfile
 * when only that exists); -f is relative to the current directory. The result may start with
 * "../" (a Dockerfile outside the context).
 */
export function dockerfileRelPath(contextDir: string, given: string, cwd: string = process.cwd()): string {
  if (given === "-") return given;
  let abs = given;
  if (abs === "") {
    abs = goJoin(contextDir, DEFAULT_DOCKERFILE);
    if (!exists(abs) && exists(goJoin(contextDir, DEFAULT_DOCKERFILE.toLowerCase())))
      abs = goJoin(contextDir, DEFAULT_DOCKERFILE.toLowerCase());
  } else if (!abs.startsWith("/")) abs = goClean(`${cwd}/${abs}`);
  try {
    abs = evalSymlinks(abs);
  } catch (err) {
    throw new Error(`unable to evaluate symlinks in Dockerfile path: ${(err as Error).message}`);
  }
  if (!exists(abs)) throw new Error(`Cannot locate Dockerfile: "${abs}"`);
  return goRel(contextDir, abs);
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** docker's ReadDockerignore: the context's .dockerignore patterns (none without the file). */
export function readDockerignore(contextDir: string): string[] {
  let text: string;
  try {
    text = readFileSync(goJoin(contextDir, ".dockerignore"), "utf8");
  } catch (err) {
    if (isErrno(err, "ENOENT")) return [];
    throw new Error(`open ${goJoin(contextDir, ".dockerignore")}: ${errnoText(err)}`);
  }
  try {
    return parseDockerignore(text);
  } catch (err) {
    throw new Error(`error reading .dockerignore: ${(err as Error).message}`);
  }
}

/**
 * docker's TrimBuildFilesFromExcludes: the daemon needs the Dockerfile and .dockerignore in
 * the context, so an exclusion of either gets an exception (not for a Dockerfile from stdin).
 */
export function trimBuildFilesFromExcludes(
  excludes: string[],
  dockerfile: string,
  fromStdin: boolean,
): string[] {
  const out = [...excludes];
  if (ignoreMatcher(excludes).ignores(".dockerignore")) out.push("!.dockerignore");
  if (!fromStdin && ignoreMatcher(excludes).ignores(dockerfile)) out.push(`!${dockerfile}`);
  return out;
}

/** One entry of the context tar, found by the walk; file bodies are read when sent. */
export interface ContextEntry {
  header: TarHeader;
  /** the file to read the body from (regular files) */
  source?: string;
}

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * The context's entries in Go's walk order (names sorted bytewise, a directory before its
 * contents), .dockerignore patterns applied: an ignored directory is skipped whole unless an
 * exception may match inside it (then its contents are walked, without it). Every file sent
 * is checked readable first, so a bad context fails before the upload (docker's
 * ValidateContextDirectory, "error checking context: ...").
 */
export async function walkContext(contextDir: string, excludes: string[]): Promise<ContextEntry[]> {
  const matcher = ignoreMatcher(excludes);
  const entries: ContextEntry[] = [];
  const seen = new Map<number, string>();
  // a directory's per-pattern results go to its children (MatchesUsingParentResults)
  const visit = async (rel: string, parentInfo: MatchInfo | undefined): Promise<void> => {
    const path = `${contextDir === "/" ? "" : contextDir}/${rel}`;
    let st: Stats;
    try {
      st = await lstat(path);
    } catch (err) {
      if (isErrno(err, "EACCES")) throw new Error(`error checking context: can't stat '${path}'`);
      if (isErrno(err, "ENOENT"))
        throw new Error(`error checking context: file ('${path}') not found or excluded by .dockerignore`);
      throw new Error(`error checking context: lstat ${path}: ${errnoText(err)}`);
    }
    const isDir = st.isDirectory();
    const { ignored, info } = matcher.matchWithParent(rel, parentInfo);
    if (ignored) {
      if (!isDir || !matcher.mayHaveExceptionsUnder(rel)) return;
    } else {
      const entry = await contextEntry(path, rel, st, seen);
      if (entry) entries.push(entry);
    }
    if (isDir) for (const name of await children(path)) await visit(`${rel}/${name}`, info);
  };
  for (const name of await children(contextDir)) await visit(name, undefined);
  return entries;
}

async function children(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort(byBytes);
  } catch (err) {
    if (isErrno(err, "EACCES")) throw new Error(`error checking context: can't stat '${dir}'`);
    throw new Error(`error checking context: open ${dir}: ${errnoText(err)}`);
  }
}

async function contextEntry(
  path: string,
  rel: string,
  st: Stats,
  seen: Map<number, string>,
): Promise<ContextEntry | undefined> {
  // docker's ChownOpts{0, 0}: the context's files belong to root in the image
  const owned = (h: TarHeader): TarHeader => ({ ...h, uid: 0, gid: 0 });
  if (!st.isDirectory() && st.nlink > 1) {
    const first = seen.get(st.ino);
    if (first !== undefined) return { header: owned(headerFromStat(rel, st, { hardlinkTo: first })) };
    seen.set(st.ino, rel);
  }
  if (st.isFile()) {
    try {
      await (await open(path, "r")).close();
    } catch (err) {
      if (isErrno(err, "EACCES"))
        throw new Error(`error checking context: no permission to read from '${path}'`);
      throw new Error(`error checking context: open ${path}: ${errnoText(err)}`);
    }
  }
  try {
    const symlinkTarget = st.isSymbolicLink() ? await readlink(path) : undefined;
    return {
      header: owned(headerFromStat(rel, st, { symlinkTarget })),
      source: st.isFile() ? path : undefined,
    };
  } catch {
    return undefined; // sockets: Go's tar refuses them and docker skips them
  }
}

/** A Dockerfile that is not in the context (stdin, or -f outside it), added under a random name. */
export interface ExtraDockerfile {
  content: Buffer;
  /** ".dockerfile." and 20 hex digits */
  name: string;
}

export function randomDockerfileName(): string {
  return `.dockerfile.${randomBytes(10).toString("hex")}`;
}

/**
 * The context tar. With an extra Dockerfile, docker's AddDockerfileToBuildContext: it is added
 * (mode 0600, mtime now) and named in .dockerignore (appended to the context's, or a new one),
 * so the daemon uses it but does not put it in the image.
 */
export function packContext(entries: ContextEntry[], extra?: ExtraDockerfile): Readable {
  return packStream(async (add) => {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    let ignoreSeen = false;
    for (const e of entries) {
      if (extra && e.header.name === ".dockerignore" && e.header.type === "file") {
        ignoreSeen = true;
        const own = e.source ? readFileSync(e.source) : Buffer.alloc(0);
        const content = Buffer.concat([own, Buffer.from(`\n${extra.name}\n`)]);
        await add({ ...e.header, size: content.length }, content);
        continue;
      }
      await add(e.header, e.source);
    }
    if (!extra) return;
    await add(
      { name: extra.name, type: "file", mode: 0o600, mtime: now, size: extra.content.length },
      extra.content,
    );
    if (!ignoreSeen) {
      const content = Buffer.from(`.dockerignore\n${extra.name}\n`);
      await add(
        { name: ".dockerignore", type: "file", mode: 0o600, mtime: now, size: content.length },
        content,
      );
    }
  });
}

/** docker's isLocalDir: a plain stat, so a file passes too (and fails later as not a directory). */
export function isLocalPath(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
