import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { posix } from "node:path";
import { OPAQUE_XATTR, runFsOps } from "./fs-syscalls.ts";
import { mountOverlay, unmount } from "./mounts.ts";

/**
 * Mount options that keep every change of a container inside its upper dir as plain files, so
 * diff and commit can read the upper dir alone: no index, no directory renames recorded as
 * redirect xattrs, no metadata-only copy-ups (Docker falls back to a slow naive diff instead).
 */
const PLAIN_UPPER = "index=off,redirect_dir=off,metacopy=off";

/**
 * Whether overlay works under `scratch` the way the overlay driver uses it: relative lowerdirs,
 * a whiteout device and an opaque directory honoured. False (with the reason) on any failure,
 * e.g. inside a container whose own root is overlay, or without the privileges to mknod.
 * `options` are extra mount options this kernel takes (PLAIN_UPPER, or "" on kernels that
 * predate them, where those features do not exist either).
 */
export async function probeOverlay(
  scratch: string,
): Promise<{ ok: true; options: string } | { ok: false; reason: string }> {
  await mkdir(scratch, { recursive: true });
  const dir = await mkdtemp(posix.join(scratch, "probe-"));
  const merged = posix.join(dir, "merged");
  let mounted = false;
  try {
    for (const d of ["lower1/d", "lower2/d", "upper", "work", "merged"])
      await mkdir(posix.join(dir, d), { recursive: true });
    await writeFile(posix.join(dir, "lower1/gone"), "x");
    await writeFile(posix.join(dir, "lower1/d/hidden"), "x");
    await writeFile(posix.join(dir, "lower2/d/kept"), "x");
    await runFsOps([
      { op: "mknod", path: posix.join(dir, "lower2/gone"), mode: 0o020000, rdev: 0n },
      { op: "setxattr", path: posix.join(dir, "lower2/d"), name: OPAQUE_XATTR, value: Buffer.from("y") },
    ]);
    const base = "lowerdir=lower2:lower1,upperdir=upper,workdir=work";
    let options = PLAIN_UPPER;
    try {
      await mountOverlay(merged, `${base},${options}`, dir);
    } catch {
      options = "";
      await mountOverlay(merged, base, dir);
    }
    mounted = true;
    const top = await readdir(merged);
    const inD = await readdir(posix.join(merged, "d"));
    if (top.includes("gone")) return { ok: false, reason: "overlay ignores whiteouts" };
    if (inD.join() !== "kept") return { ok: false, reason: "overlay ignores opaque directories" };
    return { ok: true, options };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  } finally {
    if (mounted) await unmount(merged).catch(() => {});
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}
