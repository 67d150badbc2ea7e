import { readFileSync } from "node:fs";
import { HostCallError, hostHelper } from "../runtime/index.ts";

/** Mount points as /proc/self/mountinfo lists them (octal escapes decoded). */
export async function mountPoints(): Promise<string[]> {
  // read in place: a few kB per container, less than the thread pool's four trips cost in waiting
  const text = readFileSync("/proc/self/mountinfo", "utf8");
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
 * with its short `l/` links). mount(2) goes through the daemon's host helper: no `mount` spawn
 * on a container's start.
 */
export async function mountOverlay(target: string, options: string, cwd: string): Promise<void> {
  try {
    await hostHelper().mount({ source: "overlay", target, fstype: "overlay", data: options, cwd });
  } catch (err) {
    const why = err instanceof HostCallError ? err.output : (err as Error).message;
    throw new Error(`mount overlay on ${target}: ${why}`, { cause: err });
  }
}

/** Unmounts; a busy mount is detached lazily (it goes once its last user does). Not mounted: a no-op. */
export async function unmount(target: string): Promise<void> {
  try {
    await hostHelper().unmount(target);
  } catch (err) {
    const code = (err as { code?: string }).code;
    // EINVAL: not a mount point; ENOENT: no such path
    if (code === "EINVAL" || code === "ENOENT" || !(await isMountPoint(target))) return;
    try {
      await hostHelper().unmount(target, { detach: true });
    } catch {
      const why = err instanceof HostCallError ? err.output : (err as Error).message;
      throw new Error(`umount ${target}: ${why}`, { cause: err });
    }
  }
}
