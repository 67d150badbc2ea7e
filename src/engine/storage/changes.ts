import type { Stats } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { posix } from "node:path";
import { compareNames, type LayerView } from "./layer-view.ts";

/** Docker's change kinds: 0 modified, 1 added, 2 deleted. */
export type ChangeKind = 0 | 1 | 2;
export interface Change {
  Path: string;
  Kind: ChangeKind;
}

/**
 * Only the paths an overlay upper dir touches can differ from the layers below it. Given the
 * upper dir, the walk skips everything else; without it, both trees are compared in full
 * (the copy driver, as Docker's naive diff).
 */
export interface UpperHint {
  dir: string;
  opaque: ReadonlySet<string>;
}

/**
 * Docker's change list between a container's file system (`next`) and its image's (`prev`):
 * the rules of go-archive's naive diff (a directory counts as modified only for mode or owner,
 * and whenever something inside it changed; files also for size or mtime), sorted by path as
 * Docker's ExportChanges sorts them, which keeps every parent before its children.
 */
export async function computeChanges(next: LayerView, prev: LayerView, upper?: UpperHint): Promise<Change[]> {
  const out: Change[] = [];
  await walkDir(next, prev, upper, "", upper === undefined, out);
  return out.sort((a, b) => compareNames(a.Path, b.Path));
}

async function namesToVisit(
  next: LayerView,
  prev: LayerView,
  upper: UpperHint | undefined,
  rel: string,
  full: boolean,
) {
  if (full || !upper) {
    const names = new Set([...(await next.list(rel)), ...(await prev.list(rel))]);
    return [...names];
  }
  try {
    return await readdir(posix.join(upper.dir, rel));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR")
      return [];
    throw err;
  }
}

/** Records the changes below rel; returns whether it recorded any. */
async function walkDir(
  next: LayerView,
  prev: LayerView,
  upper: UpperHint | undefined,
  rel: string,
  full: boolean,
  out: Change[],
): Promise<boolean> {
  const before = out.length;
  for (const name of await namesToVisit(next, prev, upper, rel, full)) {
    const p = rel === "" ? name : `${rel}/${name}`;
    const n = await next.lookup(p);
    const o = await prev.lookup(p);
    if (n && !o) {
      out.push({ Path: `/${p}`, Kind: 1 });
      if (n.stat.isDirectory()) await addAll(next, p, out);
    } else if (!n && o) {
      out.push({ Path: `/${p}`, Kind: 2 });
    } else if (n && o) {
      const changed = statDifferent(o.stat, n.stat);
      if (changed) out.push({ Path: `/${p}`, Kind: 0 });
      if (n.stat.isDirectory()) {
        let inner: boolean;
        if (o.stat.isDirectory())
          inner = await walkDir(next, prev, upper, p, full || !!upper?.opaque.has(p), out);
        else inner = await addAll(next, p, out);
        if (inner && !changed) out.push({ Path: `/${p}`, Kind: 0 });
      }
    }
  }
  return out.length > before;
}

async function addAll(view: LayerView, rel: string, out: Change[]): Promise<boolean> {
  const before = out.length;
  for (const name of await view.list(rel)) {
    const p = `${rel}/${name}`;
    out.push({ Path: `/${p}`, Kind: 1 });
    const e = await view.lookup(p);
    if (e?.stat.isDirectory()) await addAll(view, p, out);
  }
  return out.length > before;
}

/** go-archive's statDifferent: mode, owner, rdev; for non-directories also size and mtime. */
export function statDifferent(a: Stats, b: Stats): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return true;
  if (a.isDirectory()) return false;
  return !sameFsTime(a.mtimeMs, b.mtimeMs) || a.size !== b.size;
}

/** Same second, and the same fraction or one side without a fraction (tar loses fractions). */
function sameFsTime(aMs: number, bMs: number): boolean {
  if (Math.floor(aMs / 1000) !== Math.floor(bMs / 1000)) return false;
  const fa = aMs % 1000;
  const fb = bMs % 1000;
  return fa === fb || fa === 0 || fb === 0;
}

/** Bytes of the added and modified non-directories, hard links counted once (Docker's SizeRw). */
export async function changesSize(view: LayerView, changes: Change[]): Promise<number> {
  let size = 0;
  const seen = new Set<string>();
  for (const c of changes) {
    if (c.Kind === 2) continue;
    const e = await view.lookup(c.Path.slice(1));
    if (!e || e.stat.isDirectory()) continue;
    if (e.stat.nlink > 1) {
      const key = `${e.stat.dev}:${e.stat.ino}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    size += e.stat.size;
  }
  return size;
}

/** All directories under dir (relative, "" for dir itself): used to find opaque ones in an upper dir. */
export async function listDirs(dir: string): Promise<string[]> {
  const out = [""];
  const walk = async (rel: string) => {
    const entries = await readdir(posix.join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      out.push(p);
      await walk(p);
    }
  };
  if ((await lstat(dir)).isDirectory()) await walk("");
  return out;
}
