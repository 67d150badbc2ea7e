import { chmod, chown, lutimes, mkdir, open, symlink, unlink } from "node:fs/promises";
import { posix } from "node:path";
import { lstatOrUndefined } from "../../lib/fs-probe.ts";

/** a path under a file (ENOTDIR) is as absent as a missing one */
const NOT_THERE = ["ENOENT", "ENOTDIR"];

/**
 * Docker's init layer (moby daemon/initlayer/setup_unix.go): the mount points and files every
 * container gets, between its image and its own writes. The runtime mounts /proc, /sys, /dev/pts,
 * /dev/shm and binds /etc/hosts, /etc/hostname and /etc/resolv.conf over these stubs, so it never
 * has to create them in the container's layer: `docker diff` and `docker commit` leave them out,
 * while `docker export` shows them (empty), as with Docker.
 */
const STUBS: ReadonlyArray<[path: string, kind: "dir" | "file" | { symlink: string }]> = [
  ["dev/pts", "dir"],
  ["dev/shm", "dir"],
  ["proc", "dir"],
  ["sys", "dir"],
  [".dockerenv", "file"],
  ["etc/resolv.conf", "file"],
  ["etc/hosts", "file"],
  ["etc/hostname", "file"],
  ["dev/console", "file"],
  ["etc/mtab", { symlink: "/proc/mounts" }],
];

/**
 * Makes the stubs in `root`: a fresh directory (overlay: a layer of its own) or a container's full
 * copy of its image (copy driver). As Docker does, a file or symlink where a stub goes is replaced,
 * a directory kept; a stub whose parent is not a plain directory (a symlink, say) is skipped, so
 * nothing is ever written outside root. Stubs get `mtime`; a directory made here takes the mode
 * and owner of the same directory in `like` when there is one (the copy driver's merged tree, so
 * that comparing against this layer sees no change), else root's 0755.
 */
export async function makeInitLayer(root: string, mtime: Date, like?: string): Promise<void> {
  const makeDir = async (rel: string) => {
    const host = posix.join(root, rel);
    await mkdir(host, { mode: 0o755 });
    const model = like ? await lstatOrUndefined(posix.join(like, rel), NOT_THERE) : undefined;
    if (model?.isDirectory()) {
      await chown(host, model.uid, model.gid);
      await chmod(host, model.mode & 0o7777);
    }
  };
  for (const [path, kind] of STUBS) {
    const parts = path.split("/");
    let ok = true;
    for (let i = 1; i < parts.length && ok; i++) {
      const rel = parts.slice(0, i).join("/");
      const st = await lstatOrUndefined(posix.join(root, rel), NOT_THERE);
      if (!st) await makeDir(rel);
      else if (!st.isDirectory()) ok = false;
    }
    if (!ok) continue;
    const host = posix.join(root, path);
    const st = await lstatOrUndefined(host, NOT_THERE);
    if (st?.isDirectory()) continue;
    if (st) await unlink(host);
    if (kind === "dir") await makeDir(path);
    else {
      if (kind === "file") await (await open(host, "wx", 0o755)).close();
      else await symlink(kind.symlink, host);
      await lutimes(host, mtime, mtime);
    }
  }
}
