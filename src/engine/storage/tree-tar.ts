import { readlink } from "node:fs/promises";
import type { Readable } from "node:stream";
import { headerFromStat, type TarHeader } from "../../lib/tar/header-from-stat.ts";
import { type AddEntry, packStream } from "../../lib/tar/pack-stream.ts";
import { whiteoutFor } from "../../lib/tar/whiteouts.ts";
import type { Change } from "./changes.ts";
import type { LayerView, ViewEntry } from "./layer-view.ts";

/**
 * Adds one visible file; repeats of an inode already in the archive become hard links. With
 * `mtimeMax`, a later mtime is written as mtimeMax.
 */
async function addVisible(
  add: AddEntry,
  rel: string,
  e: ViewEntry,
  links: Map<string, string>,
  mtimeMax?: Date,
): Promise<void> {
  const st = e.stat;
  const clamp = (h: TarHeader): TarHeader =>
    mtimeMax && h.mtime && h.mtime.getTime() > mtimeMax.getTime() ? { ...h, mtime: mtimeMax } : h;
  if (!st.isDirectory() && st.nlink > 1) {
    const key = `${st.dev}:${st.ino}`;
    const first = links.get(key);
    if (first !== undefined) return add(clamp(headerFromStat(rel, st, { hardlinkTo: first })));
    links.set(key, rel);
  }
  const symlinkTarget = st.isSymbolicLink() ? await readlink(e.hostPath) : undefined;
  await add(clamp(headerFromStat(rel, st, { symlinkTarget })), st.isFile() ? e.hostPath : undefined);
}

/** The whole merged tree as a tar (docker export): depth first, names in byte order, root left out. */
export function packView(view: LayerView): Readable {
  return packStream(async (add) => {
    const links = new Map<string, string>();
    const walk = async (rel: string) => {
      for (const name of await view.list(rel)) {
        const p = rel === "" ? name : `${rel}/${name}`;
        const e = await view.lookup(p);
        if (!e) continue; // removed while we walked
        await addVisible(add, p, e, links);
        if (e.stat.isDirectory()) await walk(p);
      }
    };
    await walk("");
  });
}

/**
 * A layer tar of the changes (docker commit): added and modified files from the view, deletions
 * as `.wh.` entries, in path order as Docker's ExportChanges writes them. `mtimeMax` clamps
 * every entry's mtime (reproducible builds).
 */
export function packChanges(
  view: LayerView,
  changes: readonly Change[],
  now = new Date(),
  mtimeMax?: Date,
): Readable {
  const max = mtimeMax ? new Date(Math.floor(mtimeMax.getTime() / 1000) * 1000) : undefined;
  return packStream(async (add) => {
    const links = new Map<string, string>();
    const nowSeconds = Math.floor(now.getTime() / 1000) * 1000;
    const mtime = new Date(max ? Math.min(nowSeconds, max.getTime()) : nowSeconds);
    for (const c of changes) {
      const rel = c.Path.slice(1);
      if (c.Kind === 2) {
        await add({ name: whiteoutFor(rel), type: "file", mode: 0, size: 0, mtime, uid: 0, gid: 0 });
        continue;
      }
      const e = await view.lookup(rel);
      if (e) await addVisible(add, rel, e, links, max);
    }
  });
}
