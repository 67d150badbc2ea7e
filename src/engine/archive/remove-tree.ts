import { lstat, readdir, rmdir, unlink } from "node:fs/promises";
import { posix } from "node:path";
import { conflict } from "../../lib/errors.ts";
import type { ContainerView } from "./container-view.ts";
import { hasCode, type PinnedDir } from "./pinned-dir.ts";

/**
 * Removes `name` in `parent` and everything below it (os.RemoveAll), through held fds only:
 * every directory is opened without following before its entries are removed, so a directory
 * swapped for a symlink meanwhile is unlinked as a link, never entered. A mount point cannot be
 * removed (the kernel says EBUSY in Docker's view); nothing is removed when one lies below.
 */
export async function removeTree(view: ContainerView, parent: PinnedDir, name: string): Promise<void> {
  const cpath = posix.join(parent.cpath, name);
  if (view.hasMountAtOrBelow(cpath)) throw conflict(`unlinkat ${cpath}: device or resource busy`);
  await removeIn(parent, name, cpath);
}

async function removeIn(parent: PinnedDir, name: string, cpath: string): Promise<void> {
  const path = parent.child(name);
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(path);
  } catch (err) {
    if (hasCode(err, "ENOENT")) return;
    throw err;
  }
  if (st.isDirectory()) {
    let dir: PinnedDir | undefined;
    try {
      dir = await parent.openChild(name, cpath);
    } catch (err) {
      if (!hasCode(err, "ENOTDIR", "ELOOP")) throw err;
    }
    if (dir) {
      try {
        for (const n of await readdir(dir.path)) await removeIn(dir, n, posix.join(cpath, n));
      } finally {
        await dir.close();
      }
      try {
        await rmdir(path);
        return;
      } catch (err) {
        if (hasCode(err, "ENOENT")) return;
        if (!hasCode(err, "ENOTDIR")) throw err;
      }
    }
  }
  try {
    await unlink(path);
  } catch (err) {
    if (!hasCode(err, "ENOENT")) throw err;
  }
}
