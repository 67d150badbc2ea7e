/**
 * docker cp's path rules, pure (docker/cli cli/command/container/cp.go and moby/go-archive
 * copy.go): CONTAINER:PATH arguments, Go's filepath.Clean/Dir/Base, the trailing `/` and `/.`
 * that say "a directory" or "its contents", and how an archive is renamed and where it is
 * extracted (PrepareArchiveCopy). Unix paths only.
 */
import {
  assertsDirectory,
  goBase,
  goClean,
  goDir,
  hasTrailingSeparator,
  specifiesCurrentDir,
} from "../lib/go-path.ts";

/** What one side of a copy is: Docker's archive.CopyInfo. */
export interface CopyInfo {
  path: string;
  exists: boolean;
  isDir: boolean;
  /** the name the archive's top entry takes instead of the path's base */
  rebaseName: string;
}

/**
 * docker's splitCpArg: "CONTAINER:PATH", unless the argument is an absolute path or starts with
 * "." (so `./file:name.txt` is local).
 */
export function splitCpArg(arg: string): { container: string; path: string } {
  if (arg.startsWith("/")) return { container: "", path: arg };
  const colon = arg.indexOf(":");
  if (colon < 0) return { container: "", path: arg };
  const container = arg.slice(0, colon);
  if (container.startsWith(".")) return { container: "", path: arg };
  return { container, path: arg.slice(colon + 1) };
}

/** archive.SplitPathDirEntry: [dir, base] of the cleaned path, keeping a final "." as the base. */
export function splitPathDirEntry(path: string): [string, string] {
  let cleaned = goClean(path);
  if (specifiesCurrentDir(path)) cleaned += "/.";
  return [goDir(cleaned), goBase(cleaned)];
}

/**
 * archive.GetRebaseName: the resolved path with the original's trailing "/." or "/", and the
 * name the archive must use when resolving changed the last element ("" when it did not).
 */
export function getRebaseName(path: string, resolved: string): [string, string] {
  let out = resolved;
  if (specifiesCurrentDir(path) && !specifiesCurrentDir(out)) out += "/.";
  if (hasTrailingSeparator(path) && !hasTrailingSeparator(out)) out += "/";
  return [out, goBase(path) !== goBase(out) ? goBase(path) : ""];
}

/** moby's copy errors (archive.ErrCannotCopyDir, ErrDirNotExists, ErrNotDirectory). */
export const COPY_ERRORS = {
  cannotCopyDir: "cannot copy directory",
  dirNotExists: "no such directory",
  notDirectory: "not a directory",
} as const;

/**
 * archive.PrepareArchiveCopy, as a plan: the directory to extract into, and the rename the
 * archive's entries need ([oldBase, newBase]) so that extracting there gives the destination.
 */
export function planArchiveCopy(src: CopyInfo, dst: CopyInfo): { dstDir: string; rebase?: [string, string] } {
  const [dstDir, dstBase] = splitPathDirEntry(dst.path);
  const [, srcBase] = splitPathDirEntry(src.path);
  const from = src.rebaseName !== "" ? src.rebaseName : srcBase;
  if (dst.exists && dst.isDir) return { dstDir: dst.path };
  if (dst.exists && src.isDir) throw new Error(COPY_ERRORS.cannotCopyDir);
  if (dst.exists || src.isDir) return { dstDir, rebase: [from, dstBase] };
  if (assertsDirectory(dst.path)) throw new Error(COPY_ERRORS.dirNotExists);
  return { dstDir, rebase: [from, dstBase] };
}

/**
 * One archive entry name renamed as RebaseArchiveEntries does: the first occurrence of oldBase
 * replaced (a root oldBase "/" counts as "", so newBase is prefixed).
 */
export function rebaseName(name: string, oldBase: string, newBase: string): string {
  return replaceFirst(name, oldBase === "/" ? "" : oldBase, newBase);
}

/** Go's strings.Replace(s, old, new, 1). */
export function replaceFirst(s: string, old: string, replacement: string): string {
  const at = s.indexOf(old);
  return at < 0 ? s : s.slice(0, at) + replacement + s.slice(at + old.length);
}
