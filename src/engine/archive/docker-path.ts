import { assertsDirectory, goBase } from "../../lib/go-path.ts";

/**
 * How Docker reads the `path` of the archive endpoints (moby's go-archive copy.go); the Go path
 * rules themselves are in src/lib/go-path.ts.
 */

/** Whether lstat(path) follows a symlink in the last component: unless that is a plain name. */
export function followsLast(path: string): boolean {
  if (assertsDirectory(path)) return true;
  return goBase(path) === "..";
}
