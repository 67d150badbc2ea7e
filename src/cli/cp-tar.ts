import { once } from "node:events";
import type { Stats } from "node:fs";
import { lstat, readdir, readlink } from "node:fs/promises";
import { PassThrough, type Readable } from "node:stream";
import type { Header } from "tar-stream";
import tar from "tar-stream";
import { goRel } from "../lib/go-path.ts";
import { headerFromStat, type TarHeader } from "../lib/tar/header-from-stat.ts";
import { type AddEntry, packStream } from "../lib/tar/pack-stream.ts";
import { type CopyInfo, rebaseName, replaceFirst, splitPathDirEntry } from "./cp-paths.ts";
import { goPathError } from "./go-path-error.ts";

/**
 * The tars docker cp makes on the host (moby/go-archive): a local file or tree as an archive
 * whose top entry is the path's base (TarResourceRebase), and an archive with its top entry
 * renamed (RebaseArchiveEntries). Both stream: file bodies are read as the reader asks.
 */

const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * archive.TarResource: the source (file, symlink or directory tree) as a tar, entries named
 * from the source's base ("dir/", "dir/a"; "./", "./a" for a "dir/." source), renamed to
 * info.rebaseName when set. uid/gid and modes as on disk; times in whole seconds; repeated
 * inodes as hard links. Entries that cannot be read are left out, as Docker logs and skips them.
 */
export async function tarResource(info: CopyInfo): Promise<Readable> {
  try {
    await lstat(info.path);
  } catch (err) {
    throw goPathError("lstat", info.path, err);
  }
  const [dir, base] = splitPathDirEntry(info.path);
  const walkRoot = `${dir === "/" ? "" : dir}/${base}`;
  return packStream(async (add) => {
    const seen = new Map<number, string>();
    const visit = async (path: string): Promise<void> => {
      let st: Stats;
      try {
        st = await lstat(path);
      } catch {
        return;
      }
      let rel = goRel(dir, path);
      // TarWithOptions with IncludeSourceDir: the "." include names its entries "./x"
      if (base === "." && rel !== ".") rel = `./${rel}`;
      // TarWithOptions' RebaseNames: the include's first occurrence, a "/" rebase as ""
      if (info.rebaseName !== "")
        rel = replaceFirst(rel, base, info.rebaseName === "/" ? "" : info.rebaseName);
      await addEntry(add, path, rel, st, seen);
      if (!st.isDirectory()) return;
      let names: string[];
      try {
        names = (await readdir(path)).sort(byBytes);
      } catch {
        return;
      }
      for (const name of names) await visit(`${path === "/" ? "" : path}/${name}`);
    };
    await visit(walkRoot);
  });
}

async function addEntry(
  add: AddEntry,
  path: string,
  name: string,
  st: Stats,
  seen: Map<number, string>,
): Promise<void> {
  let header: TarHeader;
  try {
    if (!st.isDirectory() && st.nlink > 1) {
      const first = seen.get(st.ino);
      if (first !== undefined) {
        await add(headerFromStat(name, st, { hardlinkTo: first }));
        return;
      }
      seen.set(st.ino, name);
    }
    header = headerFromStat(name, st, {
      symlinkTarget: st.isSymbolicLink() ? await readlink(path) : undefined,
    });
  } catch {
    return; // sockets and the like: Go's tar.FileInfoHeader refuses them, docker skips
  }
  await add(header, st.isFile() ? path : undefined);
}

/** PAX records that tar-stream writes from the header itself; the rest (xattrs...) are kept. */
const OWN_PAX = new Set([
  "path",
  "linkpath",
  "size",
  "mtime",
  "atime",
  "ctime",
  "uid",
  "gid",
  "uname",
  "gname",
]);

/**
 * archive.RebaseArchiveEntries: each entry name's first `oldBase` becomes `newBase` (hard link
 * targets too). The tar is read and rewritten as it streams, at the reader's pace.
 */
export function rebaseArchive(source: Readable, oldBase: string, newBase: string): Readable {
  const extract = tar.extract();
  const pack = tar.pack();
  const out = new PassThrough();
  const fail = (err: Error) => {
    out.destroy(err);
    extract.destroy(err);
    pack.destroy(err);
  };
  source.on("error", fail);
  out.on("close", () => {
    if (!pack.destroyed) pack.destroy();
    if (!extract.destroyed) extract.destroy();
    source.destroy();
  });
  pack.on("error", fail);
  pack.pipe(out as unknown as NodeJS.WritableStream);
  source.pipe(extract as unknown as NodeJS.WritableStream);
  const copy = async () => {
    for await (const entry of extract) {
      const h = entry.header as Header;
      const header: Header = { ...h, name: rebaseName(h.name, oldBase, newBase) };
      if (h.type === "link" && h.linkname) header.linkname = rebaseName(h.linkname, oldBase, newBase);
      const pax = Object.fromEntries(Object.entries(h.pax ?? {}).filter(([k]) => !OWN_PAX.has(k)));
      if (Object.keys(pax).length > 0) header.pax = pax;
      else delete header.pax;
      const { promise: written, resolve, reject } = Promise.withResolvers<void>();
      written.catch(() => {});
      const dest = pack.entry(header, (err) => (err ? reject(err) : resolve()));
      const events = dest as unknown as NodeJS.EventEmitter;
      events.on("error", () => {}); // a destroyed pack fails the entry: that comes through its callback
      // read the entry to its end (never break out: that would destroy the whole extract)
      for await (const chunk of entry) {
        if (!dest.write(chunk)) await Promise.race([once(events, "drain"), written]);
      }
      dest.end(undefined);
      await written;
    }
    pack.finalize();
  };
  copy().catch(fail);
  return out;
}
