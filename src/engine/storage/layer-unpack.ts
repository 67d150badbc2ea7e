import { createHash, type Hash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writevSync,
} from "node:fs";
import { open } from "node:fs/promises";
import { posix } from "node:path";
import type { Header } from "tar-stream";
import { invalid, KapselError } from "../../lib/errors.ts";
import { lstatSyncOrUndefined } from "../../lib/fs-probe.ts";
import { resolveInRoot } from "../../lib/path-in-root.ts";
import { cleanEntryPath } from "../../lib/tar/entry-path.ts";
import { makeDev } from "../../lib/tar/header-from-stat.ts";
import { type EntryBody, readTarEntries } from "../../lib/tar/read-entries.ts";
import { parseWhiteout } from "../../lib/tar/whiteouts.ts";
import { BatchWriter } from "./batch-writer.ts";
import { type FsOp, OPAQUE_XATTR, runFsOps } from "./fs-syscalls.ts";

/**
 * How whiteouts land on disk:
 * - "overlay": root is a new, empty dir that gets only this layer's files; `.wh.x` becomes a
 *   0/0 character device and `.wh..wh..opq` the trusted.overlay.opaque xattr, as overlayfs
 *   reads them.
 * - "apply": the dir already holds the parent's full tree (copy driver); whiteouts delete.
 */
export type WhiteoutMode = "overlay" | "apply";

export interface UnpackResult {
  /** sha256 of the uncompressed tar, "sha256:<hex>" */
  diffId: string;
  /** bytes of regular files and symlink targets, hard links once (Docker's layer size) */
  size: number;
  /** directories made opaque (overlay mode), relative, "" = root */
  opaque: string[];
  /** length of the uncompressed tar */
  tarSize: number;
}

export interface UnpackOptions {
  /** also write the tar's bytes, as they come, to this new file (the layer's kept tar) */
  copyTo?: string;
}

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

/**
 * Files up to this size are gathered and written with synchronous calls. An async fs call is a
 * trip through libuv's thread pool (a tenth of a millisecond here, more on a busy machine),
 * and a file took six or seven (lstat, open, write, close, chown, chmod, utimes): 0.8 ms a
 * file. Synchronously, with the calls that change nothing left out, it is 0.3 ms, most of it
 * the kernel creating the file. Bigger files stream through async batched writes, which
 * overlap with hashing and parsing.
 */
const SMALL_FILE = 256 * 1024;

const OPEN_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** The daemon's umask (the mode a new file really gets), from /proc: process.umask() cannot read it safely. */
const UMASK = (() => {
  try {
    const m = /^Umask:\s+([0-7]+)$/m.exec(readFileSync("/proc/self/status", "utf8"));
    return m ? Number.parseInt(m[1], 8) : 0o777;
  } catch {
    return 0o777; // unknown: every mode is then set explicitly
  }
})();

/** The input, hashed and copied (when asked) on its way to the tar reader. */
async function* tee(
  input: AsyncIterable<Buffer>,
  hash: Hash,
  copier: BatchWriter | undefined,
  count: { bytes: number },
): AsyncGenerator<Buffer> {
  for await (const chunk of input) {
    hash.update(chunk);
    count.bytes += chunk.length;
    const wait = copier?.write(chunk);
    yield chunk;
    if (wait) await wait;
  }
  await copier?.end();
}

/**
 * Unpacks a plain (uncompressed) layer tar into root, streaming: file bodies go straight to disk.
 * No entry writes outside root: names are cleaned (`..` escapes refused) and every parent path
 * is resolved inside root, symlinks included (lib/path-in-root.ts). Ownership, modes (setuid
 * too), times and xattrs are kept. Directory times are set last, after their contents.
 * With `copyTo`, the tar's bytes are written there on the way (a new file, closed on return;
 * left unfinished on failure, for the caller to remove).
 */
export async function unpackLayer(
  input: AsyncIterable<Buffer>,
  root: string,
  mode: WhiteoutMode,
  o: UnpackOptions = {},
): Promise<UnpackResult> {
  const u = new Unpacker(root, mode);
  const hash = createHash("sha256");
  const copy = o.copyTo ? await open(o.copyTo, "wx") : undefined;
  const count = { bytes: 0 };
  try {
    const copier = copy ? new BatchWriter(copy) : undefined;
    await readTarEntries(tee(input, hash, copier, count), (header, body) => u.entry(header, body));
  } catch (err) {
    throw tarError(err);
  } finally {
    await copy?.close();
  }
  await u.finish();
  return {
    diffId: `sha256:${hash.digest("hex")}`,
    size: u.size,
    opaque: [...u.opaque].sort(),
    tarSize: count.bytes,
  };
}

/**
 * The per-entry work. File-system calls are synchronous (see SMALL_FILE) except for the bodies
 * of big files; the order of entries is kept, so later entries see what earlier ones did.
 */
class Unpacker {
  readonly root: string;
  readonly mode: WhiteoutMode;
  size = 0;
  opaque = new Set<string>();
  #parents = new Map<string, string>(); // rel dir → host dir, cleared when the tree changes shape
  #dirs: Array<{ host: string; h: Header }> = [];
  #whiteouts = new Map<string, string>(); // rel → host (overlay mode), made at the end
  #nodes = new Map<string, { host: string; h: Header; xattrs: Record<string, Buffer> }>();
  #xattrs: FsOp[] = [];
  #written = new Set<string>(); // rel paths written by this layer and their parents (apply mode)
  /**
   * overlay mode (root starts empty): every host path this unpack made. Nothing else can
   * exist, so a name not in it needs no lstat; and nothing made here is setgid before the end,
   * so a new file's owner is ours and needs no chown when the entry's is the same.
   */
  readonly #made?: Set<string>;
  readonly #uid = process.geteuid?.() ?? -1;
  readonly #gid = process.getegid?.() ?? -1;

  constructor(root: string, mode: WhiteoutMode) {
    this.root = root;
    this.mode = mode;
    // (a root that is not empty after all is handled as any: every name looked up)
    if (mode === "overlay" && readdirSync(root).length === 0) this.#made = new Set();
  }

  async entry(h: Header, body: EntryBody): Promise<void> {
    const rel = cleanEntryPath(h.name);
    const wh = rel === "" ? undefined : parseWhiteout(rel);
    if (wh) {
      body.resume();
      if (wh.kind === "opaque") this.#opaque(wh.dir);
      else if (wh.kind === "whiteout") this.#whiteout(wh.dir === "" ? wh.name : `${wh.dir}/${wh.name}`);
      return;
    }
    const xattrs = xattrsOf(h);
    if (rel === "") {
      body.resume();
      if (h.type === "directory") this.#dirs.push({ host: this.root, h });
      return;
    }
    const parent = this.#parent(dirOf(rel));
    const host = posix.join(parent, posix.basename(rel));
    // a directory that replaces a whiteout of this layer must still hide what lies below it
    if (this.#whiteouts.delete(rel) && h.type === "directory") this.opaque.add(rel);
    this.#nodes.delete(rel);
    this.#mark(rel);

    const existing = this.#mayExist(host) ? lstatSyncOrUndefined(host) : undefined;
    if (existing && !(existing.isDirectory() && h.type === "directory")) {
      rmSync(host, { recursive: true, force: true });
      this.#parents.clear();
    }
    this.#made?.add(host);

    switch (h.type) {
      case "directory":
        if (!existing?.isDirectory()) mkdirSync(host, { mode: 0o700 });
        this.#dirs.push({ host, h });
        break;
      case "file":
      case "contiguous-file":
        await this.#file(host, h, body);
        this.size += h.size ?? 0;
        break;
      case "symlink":
        body.resume();
        symlinkSync(h.linkname ?? "", host);
        this.size += Buffer.byteLength(h.linkname ?? "");
        if (this.#needsChown(h)) lchownSync(host, h.uid ?? 0, h.gid ?? 0);
        if (h.mtime) lutimesSync(host, h.mtime, h.mtime);
        break;
      case "link": {
        body.resume();
        const targetRel = cleanEntryPath(h.linkname ?? "");
        const target = resolveInRoot(this.root, targetRel, false);
        const st = lstatSyncOrUndefined(target);
        if (!st || st.isDirectory())
          throw invalid(`invalid hard link ${h.name} -> ${h.linkname}: no such file in the layer`);
        linkSync(target, host);
        break;
      }
      case "character-device":
      case "block-device":
      case "fifo":
        body.resume();
        this.#nodes.set(rel, { host, h, xattrs });
        return;
      default:
        body.resume();
        throw invalid(`unsupported tar entry type ${h.type} for ${h.name}`);
    }
    for (const [name, value] of Object.entries(xattrs))
      this.#xattrs.push({ op: "setxattr", path: host, name, value });
  }

  /** A new regular file (never written through an existing one: O_EXCL), with its owner, mode and time. */
  async #file(host: string, h: Header, body: EntryBody): Promise<void> {
    const mode = (h.mode ?? 0o644) & 0o7777;
    if ((h.size ?? 0) <= SMALL_FILE) {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk);
      const fd = openSync(host, OPEN_NEW, mode & 0o777);
      try {
        if (chunks.length > 0) writevSync(fd, chunks);
        this.#fileMeta(fd, h, mode);
      } finally {
        closeSync(fd);
      }
      return;
    }
    const fh = await open(host, OPEN_NEW, mode & 0o777);
    try {
      const out = new BatchWriter(fh);
      for await (const chunk of body) {
        const wait = out.write(chunk);
        if (wait) await wait;
      }
      await out.end();
      this.#fileMeta(fh.fd, h, mode);
    } finally {
      await fh.close();
    }
  }

  #fileMeta(fd: number, h: Header, mode: number): void {
    if (this.#needsChown(h)) fchownSync(fd, h.uid ?? 0, h.gid ?? 0);
    // after chown, which clears setuid; open's mode lost the special bits and what umask took
    if (mode !== (mode & 0o777 & ~UMASK)) fchmodSync(fd, mode);
    if (h.mtime) futimesSync(fd, h.mtime, h.mtime);
  }

  #needsChown(h: Header): boolean {
    return !this.#made || (h.uid ?? 0) !== this.#uid || (h.gid ?? 0) !== this.#gid;
  }

  #mayExist(host: string): boolean {
    return !this.#made || this.#made.has(host);
  }

  /** The host directory for rel, inside root, created (0755, as Docker does) when missing. */
  #parent(rel: string): string {
    if (rel === "") return this.root;
    const cached = this.#parents.get(rel);
    if (cached) return cached;
    const host = resolveInRoot(this.root, rel);
    const st = lstatSyncOrUndefined(host);
    if (!st) {
      mkdirSync(host, { recursive: true, mode: 0o755 });
      for (let p = host; p.length > this.root.length; p = posix.dirname(p)) this.#made?.add(p);
    } else if (!st.isDirectory()) throw invalid(`cannot unpack under ${rel}: not a directory`);
    this.#parents.set(rel, host);
    return host;
  }

  #mark(rel: string): void {
    if (this.mode !== "apply") return;
    for (let p = rel; p !== "." && p !== "" && !this.#written.has(p); p = posix.dirname(p))
      this.#written.add(p);
  }

  #opaque(dirRel: string): void {
    const dir = dirRel === "" ? this.root : this.#parent(dirRel);
    if (this.mode === "overlay") {
      this.opaque.add(dirRel);
      return;
    }
    for (const name of readdirSync(dir)) {
      const rel = dirRel === "" ? name : `${dirRel}/${name}`;
      if (!this.#written.has(rel)) rmSync(posix.join(dir, name), { recursive: true, force: true });
    }
    this.#parents.clear();
  }

  #whiteout(rel: string): void {
    this.#nodes.delete(rel);
    if (this.mode === "apply") {
      rmSync(resolveInRoot(this.root, rel, false), { recursive: true, force: true });
      this.#parents.clear();
      return;
    }
    const parent = this.#parent(dirOf(rel));
    const host = posix.join(parent, posix.basename(rel));
    // a whiteout replaces anything this layer put there; the device is made at the end, in one batch
    if (this.#mayExist(host) && lstatSyncOrUndefined(host)) {
      rmSync(host, { recursive: true, force: true });
      this.#parents.clear();
    }
    this.#whiteouts.set(rel, host);
  }

  #meta(host: string, h: Header, isDir: boolean): void {
    if (this.#needsChown(h)) lchownSync(host, h.uid ?? 0, h.gid ?? 0);
    chmodSync(host, (h.mode ?? (isDir ? 0o755 : 0o644)) & 0o7777); // after chown, which clears setuid
    if (h.mtime) utimesSync(host, h.mtime, h.mtime);
  }

  async finish(): Promise<void> {
    const ops: FsOp[] = [];
    for (const host of this.#whiteouts.values())
      ops.push({ op: "mknod", path: host, mode: S_IFCHR, rdev: 0n });
    for (const { host, h } of this.#nodes.values()) {
      const type = h.type === "fifo" ? S_IFIFO : h.type === "block-device" ? S_IFBLK : S_IFCHR;
      ops.push({
        op: "mknod",
        path: host,
        mode: type | ((h.mode ?? 0o644) & 0o777),
        rdev: makeDev(h.devmajor ?? 0, h.devminor ?? 0),
      });
    }
    for (const { host, xattrs } of this.#nodes.values())
      for (const [name, value] of Object.entries(xattrs))
        ops.push({ op: "setxattr", path: host, name, value });
    ops.push(...this.#xattrs);
    for (const dir of this.opaque) {
      const host = dir === "" ? this.root : this.#parent(dir);
      ops.push({ op: "setxattr", path: host, name: OPAQUE_XATTR, value: Buffer.from("y") });
    }
    await runFsOps(ops);
    for (const { host, h } of this.#nodes.values()) this.#meta(host, h, false);
    // deepest first, so setting a directory's time is not undone by touching its children
    for (const { host, h } of [...this.#dirs].reverse()) {
      try {
        this.#meta(host, h, true);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err; // removed by a later entry
      }
    }
  }
}

const dirOf = (rel: string) => {
  const d = posix.dirname(rel);
  return d === "." ? "" : d;
};

/** tar-stream's complaints about the archive itself, worded for the user who sent it. */
function tarError(err: unknown): unknown {
  const message = (err as Error)?.message ?? "";
  if (err instanceof KapselError || !/^(Unexpected end of data|Invalid tar header)/.test(message)) return err;
  const what = message.startsWith("Unexpected") ? "unexpected end of data" : "invalid tar header";
  return invalid(`invalid tar archive: ${what}`, err);
}

/** Extended attributes from PAX records; the overlay's own are refused (only whiteouts make them). */
function xattrsOf(h: Header): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  if (!h.pax) return out;
  for (const [key, value] of Object.entries(h.pax as Record<string, string>)) {
    if (!key.startsWith("SCHILY.xattr.")) continue;
    const name = key.slice("SCHILY.xattr.".length);
    if (name.startsWith("trusted.overlay.")) continue;
    // tar-stream decodes PAX values as UTF-8; binary values survive only when they are valid UTF-8
    out[name] = Buffer.from(value, "utf8");
  }
  return out;
}
