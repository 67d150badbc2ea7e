import { execFile } from "node:child_process";
import { lstat, readdir } from "node:fs/promises";
import { internal } from "../../lib/errors.ts";

/**
 * Docker's copy-up (moby container.copyExistingContents, continuity's fs.CopyDir): when a
 * volume is empty, the image's content at the mount target is copied into it, and the volume's
 * root takes the owner, mode and times of the image's directory. `cp -a` does exactly that:
 * owners, modes, times, symlinks as symlinks (never followed), hard links kept together,
 * devices and fifos, and extended attributes where the file system takes them (failures to
 * keep xattrs do not fail the copy, as Docker ignores ENOTSUP).
 *
 * `sourceDir` must already be resolved inside the container's rootfs (resolveInRoot): a
 * symlink there is refused rather than followed, so nothing outside the rootfs is read.
 * Returns whether it copied: not when the source is missing or not a directory, nor when the
 * destination holds anything.
 */
export async function copyUp(sourceDir: string, destination: string): Promise<boolean> {
  const st = await lstat(sourceDir).catch(() => undefined);
  if (!st?.isDirectory()) return false;
  if ((await readdir(destination)).length > 0) return false;
  await new Promise<void>((resolve, reject) => {
    execFile(
      "cp",
      ["-a", "--", `${sourceDir}/.`, `${destination}/`],
      { timeout: 3_600_000 },
      (err, _o, stderr) => {
        if (!err) return resolve();
        reject(internal(`copying image data into the volume: ${String(stderr).trim() || err.message}`, err));
      },
    );
  });
  return true;
}
