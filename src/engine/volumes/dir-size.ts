import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * Bytes under `dir` as Docker counts them (moby internal/directory): the sizes of everything
 * but directories, each hard-linked inode once, symlinks not followed. Entries that vanish
 * while walking are skipped; a missing `dir` throws.
 */
export async function dirSize(dir: string): Promise<number> {
  await lstat(dir);
  const seen = new Set<number>();
  let size = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const d = pending.pop()!;
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        pending.push(p);
        continue;
      }
      const st = await lstat(p).catch(() => undefined);
      if (!st || st.size === 0 || seen.has(st.ino)) continue;
      seen.add(st.ino);
      size += st.size;
    }
  }
  return size;
}
