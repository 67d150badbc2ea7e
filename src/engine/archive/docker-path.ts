import { posix } from "node:path";

/**
 * Go's path rules as Docker applies them to the `path` of the archive endpoints (moby's
 * go-archive copy.go), so that names and the "is it a directory?" hints come out the same.
 */

/** Go's filepath.Clean: no trailing "/" (but "/"), "" becomes ".". */
export function goClean(path: string): string {
  if (path === "") return ".";
  const n = posix.normalize(path);
  return n.length > 1 ? n.replace(/\/+$/, "") : n;
}

/** Go's filepath.Base: the last element, trailing slashes ignored; "/" for the root, "." for "". */
export function goBase(path: string): string {
  if (path === "") return ".";
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** The path ends in "/" */
export function hasTrailingSeparator(path: string): boolean {
  return path.endsWith("/");
}

/** The last element is "." */
export function specifiesCurrentDir(path: string): boolean {
  return goBase(path) === ".";
}

/** A trailing "/" or "/." says the path must be a directory, and makes lstat follow a last symlink. */
export function assertsDirectory(path: string): boolean {
  return hasTrailingSeparator(path) || specifiesCurrentDir(path);
}

/**
 * go-archive's PreserveTrailingDotOrSeparator: puts back on a cleaned path the trailing "/."
 * or "/" of the original, which Clean dropped.
 */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  let out = cleaned;
  if (!specifiesCurrentDir(out) && specifiesCurrentDir(original)) {
    if (!hasTrailingSeparator(out)) out += "/";
    out += ".";
  }
  if (!hasTrailingSeparator(out) && hasTrailingSeparator(original)) out += "/";
  return out;
}

/** Whether lstat(path) follows a symlink in the last component: unless that is a plain name. */
export function followsLast(path: string): boolean {
  if (assertsDirectory(path)) return true;
  return goBase(path) === "..";
}
