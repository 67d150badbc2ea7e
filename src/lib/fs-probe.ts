import { lstatSync, type Stats } from "node:fs";
import { lstat } from "node:fs/promises";

/**
 * lstat that answers undefined for a path that is not there, instead of throwing. `missing`
 * names the errno codes that count as "not there" (ENOTDIR too where a parent may be a file).
 */
export async function lstatOrUndefined(
  path: string,
  missing: readonly string[] = ["ENOENT"],
): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if (missing.includes((err as NodeJS.ErrnoException).code ?? "")) return undefined;
    throw err;
  }
}

/** lstatOrUndefined's synchronous twin, for paths that must not wait on the thread pool. */
export function lstatSyncOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
