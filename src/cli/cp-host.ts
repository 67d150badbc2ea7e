import { lstatSync, readlinkSync, type Stats, statSync } from "node:fs";
import {
  goBase,
  goClean,
  goDir,
  goJoin,
  hasTrailingSeparator,
  preserveTrailingDotOrSeparator,
} from "../lib/go-path.ts";
import { COPY_ERRORS, type CopyInfo, getRebaseName, splitPathDirEntry } from "./cp-paths.ts";
import { goPathError, isErrno } from "./go-path-error.ts";

/**
 * The host's side of docker cp: what a local source or destination path is (moby/go-archive
 * copy.go: CopyInfoSourcePath, CopyInfoDestinationPath, ResolveHostSourcePath) and docker's
 * output-path checks (cli/command/utils.go). Errors are worded as Go's.
 */

/**
 * Go's filepath.EvalSymlinks: every symlink in the path resolved, the result cleaned. Fails on
 * a missing component ("lstat /a/b: no such file or directory") and on a file used as a
 * directory ("not a directory").
 */
export function evalSymlinks(original: string): string {
  let path = original;
  const volLen = path.startsWith("/") ? 1 : 0;
  const vol = path.slice(0, volLen);
  let dest = vol;
  let links = 0;
  for (let start = volLen, end = volLen; start < path.length; start = end) {
    while (start < path.length && path[start] === "/") start++;
    end = start;
    while (end < path.length && path[end] !== "/") end++;
    const part = path.slice(start, end);
    if (part === "") break;
    if (part === ".") continue;
    if (part === "..") {
      // back up a component if there is one after the root, else keep the ".." (Clean sorts it out)
      const r = dest.lastIndexOf("/");
      if (r < volLen || dest.slice(r + 1) === "..") {
        if (dest.length > volLen) dest += "/";
        dest += "..";
      } else dest = dest.slice(0, r);
      continue;
    }
    if (dest.length > volLen && !dest.endsWith("/")) dest += "/";
    dest += part;
    let st: Stats;
    try {
      st = lstatSync(dest);
    } catch (err) {
      throw goPathError("lstat", dest, err);
    }
    if (!st.isSymbolicLink()) {
      if (!st.isDirectory() && end < path.length) throw new Error(COPY_ERRORS.notDirectory);
      continue;
    }
    if (++links > 255) throw new Error("EvalSymlinks: too many links");
    let link: string;
    try {
      link = readlinkSync(dest);
    } catch (err) {
      throw goPathError("readlink", dest, err);
    }
    path = link + path.slice(end);
    if (link.startsWith("/")) {
      dest = "/";
      end = 1;
    } else {
      // a relative link replaces the last component of dest
      const r = dest.lastIndexOf("/");
      dest = r < volLen ? vol : dest.slice(0, r);
      end = 0;
    }
  }
  return goClean(dest);
}

/** filepath.Split: [dir with its trailing slash, last element]. */
function splitLast(path: string): [string, string] {
  const i = path.lastIndexOf("/");
  return [path.slice(0, i + 1), path.slice(i + 1)];
}

/**
 * archive.ResolveHostSourcePath: with followLink the whole path is resolved (and the archive
 * renamed to the name asked for); without, only its directory, so a final symlink is copied
 * as a symlink.
 */
export function resolveHostSourcePath(path: string, followLink: boolean): [string, string] {
  if (followLink) return getRebaseName(path, evalSymlinks(path));
  const [dir, base] = splitLast(path);
  const resolved = `${evalSymlinks(dir === "" ? "." : dir)}/${base}`.replace(/^\/\//, "/");
  const rebase = hasTrailingSeparator(path) && goBase(path) !== goBase(resolved) ? goBase(path) : "";
  return [resolved, rebase];
}

/** archive.CopyInfoSourcePath: a local source must exist. */
export function copyInfoSourcePath(path: string, followLink: boolean): CopyInfo {
  const [resolved, rebaseName] = resolveHostSourcePath(path, followLink);
  let st: Stats;
  try {
    st = lstatSync(resolved);
  } catch (err) {
    throw goPathError("lstat", resolved, err);
  }
  return { path: resolved, exists: true, isDir: st.isDirectory(), rebaseName };
}

/**
 * archive.CopyInfoDestinationPath: a final symlink is followed (up to 10 times, a broken one
 * names what to create); a missing destination needs an existing parent directory.
 */
export function copyInfoDestinationPath(original: string): CopyInfo {
  let path = original;
  let st = lstatOrError(path);
  for (let n = 0; !(st instanceof Error) && st.isSymbolicLink(); n++) {
    if (n > 10) throw new Error(`too many symlinks in ${original}`);
    let target: string;
    try {
      target = readlinkSync(path);
    } catch (err) {
      throw goPathError("readlink", path, err);
    }
    path = target.startsWith("/") ? target : goJoin(splitPathDirEntry(path)[0], target);
    st = lstatOrError(path);
  }
  if (!(st instanceof Error)) return { path, exists: true, isDir: st.isDirectory(), rebaseName: "" };
  if (!isErrno(st.cause, "ENOENT")) throw st;
  const [parent] = splitPathDirEntry(path);
  let parentStat: Stats;
  try {
    parentStat = statSync(parent);
  } catch (err) {
    throw goPathError("stat", parent, err);
  }
  if (!parentStat.isDirectory()) throw new Error(COPY_ERRORS.notDirectory);
  return { path, exists: false, isDir: false, rebaseName: "" };
}

function lstatOrError(path: string): Stats | Error {
  try {
    return lstatSync(path);
  } catch (err) {
    return goPathError("lstat", path, err);
  }
}

/**
 * docker's ValidateOutputPath: the parent must exist, and an existing path must be a
 * directory or a file (a device is refused).
 */
export function validateOutputPath(path: string): void {
  const dir = goDir(goClean(path));
  if (dir !== "" && dir !== ".") {
    try {
      statSync(dir);
    } catch (err) {
      if (isErrno(err, "ENOENT")) throw new Error(`invalid output path: directory "${dir}" does not exist`);
    }
  }
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    if (isErrno(err, "ENOENT")) return;
    throw goPathError("stat", path, err);
  }
  if (st.isDirectory() || st.isFile()) return;
  if (st.isBlockDevice() || st.isCharacterDevice())
    throw new Error(`invalid output path: "${path}" must be a directory or a regular file: got a device`);
}

/** The absolute form of a local path with its trailing "/" or "/." kept (docker's resolveLocalPath). */
export function resolveLocalPath(localPath: string, cwd: string = process.cwd()): string {
  const abs = goClean(localPath.startsWith("/") ? localPath : `${cwd}/${localPath}`);
  return preserveTrailingDotOrSeparator(abs, localPath);
}
