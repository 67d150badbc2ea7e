import type { Stats } from "node:fs";
import type { Header } from "tar-stream";

/** A tar header to write: a name and whichever fields matter for the entry. */
export type TarHeader = Partial<Header> & { name: string };

/** Linux's encoding of a device number, split back into major and minor. */
export function splitDev(rdev: number): { major: number; minor: number } {
  const dev = BigInt(rdev);
  const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
  const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
  return { major, minor };
}

export function makeDev(major: number, minor: number): bigint {
  const ma = BigInt(major);
  const mi = BigInt(minor);
  return (mi & 0xffn) | ((ma & 0xfffn) << 8n) | ((mi & ~0xffn) << 12n) | ((ma & ~0xfffn) << 32n);
}

/**
 * The tar header for a file as lstat sees it, named `name` (relative, no leading slash).
 * Times are whole seconds, as Docker writes them, so the same tree gives the same bytes.
 * `linkTarget` is the symlink's target, or for a hard link the name of the entry it repeats.
 */
export function headerFromStat(
  name: string,
  st: Stats,
  opts: { symlinkTarget?: string; hardlinkTo?: string } = {},
): TarHeader {
  const base: TarHeader = {
    name,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000),
    size: 0,
  };
  if (opts.hardlinkTo !== undefined) return { ...base, type: "link", linkname: opts.hardlinkTo };
  if (st.isDirectory()) return { ...base, name: name.endsWith("/") ? name : `${name}/`, type: "directory" };
  if (st.isSymbolicLink()) return { ...base, type: "symlink", linkname: opts.symlinkTarget ?? "" };
  if (st.isFile()) return { ...base, type: "file", size: st.size };
  if (st.isFIFO()) return { ...base, type: "fifo" };
  if (st.isCharacterDevice() || st.isBlockDevice()) {
    const { major, minor } = splitDev(st.rdev);
    return {
      ...base,
      type: st.isCharacterDevice() ? "character-device" : "block-device",
      devmajor: major,
      devminor: minor,
    };
  }
  throw new Error(`cannot put ${name} in a tar: unsupported file type`);
}
