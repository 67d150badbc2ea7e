import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Mount points as /proc/self/mountinfo lists them (octal escapes decoded). */
export async function mountPoints(): Promise<string[]> {
  const text = await readFile("/proc/self/mountinfo", "utf8");
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const field = line.split(" ")[4];
    if (field)
      out.push(field.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8))));
  }
  return out;
}

export async function isMountPoint(path: string): Promise<boolean> {
  return (await mountPoints()).includes(path);
}

/**
 * Mounts an overlay. Paths in `options` may be relative to `cwd`: that is how the lowerdir list
 * stays under the page size the kernel allows for mount data (Docker's overlay2 does the same
 * with its short `l/` links).
 */
export async function mountOverlay(target: string, options: string, cwd: string): Promise<void> {
  try {
    await run("mount", ["-t", "overlay", "overlay", "-o", options, target], { cwd });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`mount overlay on ${target}: ${stderr || (err as Error).message}`, { cause: err });
  }
}

/** Unmounts; a busy mount is detached lazily (it goes once its last user does). */
export async function unmount(target: string): Promise<void> {
  try {
    await run("umount", [target]);
  } catch (err) {
    if (!(await isMountPoint(target))) return;
    try {
      await run("umount", ["-l", target]);
    } catch {
      const stderr = (err as { stderr?: string }).stderr?.trim();
      throw new Error(`umount ${target}: ${stderr || (err as Error).message}`, { cause: err });
    }
  }
}
