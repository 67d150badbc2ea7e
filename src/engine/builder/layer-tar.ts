import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { posix } from "node:path";
import type { Readable } from "node:stream";
import type { Header } from "tar-stream";
import { invalid } from "../../lib/errors.ts";
import { decompressStream } from "../../lib/tar/compression.ts";
import { cleanEntryPath } from "../../lib/tar/entry-path.ts";
import type { TarHeader } from "../../lib/tar/header-from-stat.ts";
import { type AddEntry, packStream } from "../../lib/tar/pack-stream.ts";
import { type EntryBody, readTarEntries } from "../../lib/tar/read-entries.ts";
import type { LayerPlan } from "./layer-plan.ts";

const PREFETCH_COUNT = 16;
const PREFETCH_MAX = 256 * 1024;

/**
 * A planned layer as a tar stream (what storage.applyLayer takes): the entries in path order,
 * then ADD's archives unpacked into their destinations, entry by entry, owners and modes as the
 * archive has them. With `mtimeMax` (SOURCE_DATE_EPOCH) no mtime is later than it. The same
 * plan and sources give the same bytes.
 */
export function layerTar(plan: LayerPlan, mtimeMax?: Date): Readable {
  const max = mtimeMax ? Math.floor(mtimeMax.getTime() / 1000) * 1000 : undefined;
  const clamp = (ms: number) => new Date(max !== undefined && ms > max ? max : ms);
  return packStream(async (add) => {
    const entries = plan.sorted();
    // small files are read a few ahead, so the reads overlap with the writing of the tar
    const ahead = new Map<number, Promise<Buffer>>();
    const prefetch = (i: number) => {
      const e = entries[i];
      if (e?.type === "file" && e.source && e.size <= PREFETCH_MAX && !ahead.has(i)) {
        const p = readFile(e.source);
        p.catch(() => {});
        ahead.set(i, p);
      }
    };
    for (let i = 0; i < Math.min(PREFETCH_COUNT, entries.length); i++) prefetch(i);
    for (const [i, e] of entries.entries()) {
      prefetch(i + PREFETCH_COUNT);
      const base = { mode: e.mode, uid: e.uid, gid: e.gid, mtime: clamp(e.mtime) };
      if (e.type === "dir") await add({ ...base, name: `${e.path}/`, type: "directory" });
      else if (e.type === "symlink")
        await add({ ...base, name: e.path, type: "symlink", linkname: e.linkname ?? "" });
      else if (e.type === "file") {
        const data = ahead.get(i);
        ahead.delete(i);
        const bytes = data ? await data : undefined;
        if (bytes && bytes.length !== e.size)
          throw invalid(
            `${e.source} changed while the layer was made (${bytes.length} bytes, not ${e.size})`,
          );
        await add({ ...base, name: e.path, type: "file", size: e.size }, bytes ?? e.source);
      }
    }
    for (const a of plan.archives) await addArchive(add, a.source, a.destRel, clamp);
  });
}

/** An archive's entries, their names (and hard links' targets) moved under destRel. */
async function addArchive(
  add: AddEntry,
  source: string,
  destRel: string,
  clamp: (ms: number) => Date,
): Promise<void> {
  const input = await decompressStream(createReadStream(source));
  const under = (name: string) => {
    const rel = cleanEntryPath(name);
    return destRel === "" ? rel : rel === "" ? destRel : `${destRel}/${rel}`;
  };
  const onEntry = async (h: Header, body: EntryBody): Promise<void> => {
    const name = under(h.name);
    const header: TarHeader = {
      name: h.type === "directory" ? `${name}/` : name,
      type: h.type,
      mode: h.mode,
      uid: h.uid,
      gid: h.gid,
      mtime: clamp(h.mtime?.getTime() ?? 0),
      size: h.size,
      ...(h.type === "link"
        ? { linkname: under(h.linkname ?? "") }
        : h.linkname
          ? { linkname: h.linkname }
          : {}),
      ...(h.devmajor !== undefined ? { devmajor: h.devmajor, devminor: h.devminor } : {}),
      ...(h.pax ? { pax: h.pax } : {}),
    };
    const skip =
      name === "" || !["file", "contiguous-file", "directory", "symlink", "link"].includes(h.type ?? "");
    if (skip) {
      body.resume();
      return;
    }
    const isFile = h.type === "file" || h.type === "contiguous-file";
    await add({ ...header, type: isFile ? "file" : header.type }, isFile ? body : undefined);
    if (!isFile) body.resume();
  };
  try {
    await readTarEntries(input as AsyncIterable<Buffer>, onEntry);
  } catch (err) {
    throw invalid(`ADD failed: cannot unpack ${posix.basename(source)}: ${(err as Error).message}`, err);
  }
}
