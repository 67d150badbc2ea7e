import { execFile } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { internal } from "../../lib/errors.ts";

/**
 * Mounts of the host's mount namespace, as the local driver needs them: mount(8) for a volume
 * with type/device/o, a lazy unmount (moby's mount.Unmount uses MNT_DETACH too), and the
 * mount table read from /proc/self/mountinfo, which is the truth after a crash.
 */

/** /proc/self/mountinfo escapes space, tab, newline and backslash as \ooo. */
const unescapeOctal = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/** Every mount point of this mount namespace. */
export function mountPoints(): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => unescapeOctal(line.split(" ")[4]));
}

function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export function isMountPoint(path: string): boolean {
  const p = real(path);
  return mountPoints().includes(p);
}

/** Mount points at or below `dir`, deepest first. */
export function mountsUnder(dir: string): string[] {
  const d = real(dir);
  return mountPoints()
    .filter((m) => m === d || m.startsWith(`${d}/`))
    .sort((a, b) => b.length - a.length);
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 120_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      reject(new Error(String(stderr).trim() || err.message));
    });
  });
}

/** mount -t <type> [-o <o>] <device> <target>; the error carries mount(8)'s own words. */
export async function mountDevice(o: { type: string; device: string; options: string; target: string }) {
  const args = o.type ? ["-t", o.type] : [];
  if (o.options) args.push("-o", o.options);
  await run("mount", [...args, "--", o.device, o.target]);
}

/** Detaches the mount at `target`; fine when it is not mounted (any more). */
export async function unmountLazy(target: string): Promise<void> {
  try {
    await run("umount", ["-l", "--", target]);
  } catch (err) {
    if (isMountPoint(target)) throw internal(`unmounting ${target}: ${(err as Error).message}`, err);
  }
}
