import { lstatSync, readlinkSync } from "node:fs";
import { posix } from "node:path";

/**
 * Resolves `path` as the container would see it, inside `root`: symlinks (absolute or with ..)
 * are followed but can never leave the root. The result is a host path under `root`; the last
 * component may not exist. Guards the CVE-2018-15664 class of bugs. Racy against a process in a
 * running container that swaps components after we check; callers that write should open with
 * O_NOFOLLOW where it matters.
 */
export function resolveInRoot(root: string, path: string, followLast = true): string {
  const parts = posix.normalize(`/${path}`).split("/").filter(Boolean);
  let resolved: string[] = [];
  let hops = 0;
  while (parts.length > 0) {
    const part = parts.shift()!;
    if (part === "." || part === "") continue;
    if (part === "..") {
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, part];
    const host = posix.join(root, ...candidate);
    if (!followLast && parts.length === 0) {
      resolved = candidate;
      break;
    }
    let target: string | undefined;
    try {
      if (lstatSync(host).isSymbolicLink()) target = readlinkSync(host);
    } catch {
      // missing: the rest is taken literally
    }
    if (target === undefined) {
      resolved = candidate;
      continue;
    }
    if (++hops > 255) throw new Error(`too many levels of symbolic links: ${path}`);
    const targetParts = target.split("/").filter(Boolean);
    if (target.startsWith("/")) resolved = [];
    parts.unshift(...targetParts);
  }
  return posix.join(root, ...resolved);
}
