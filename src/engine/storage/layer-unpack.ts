import { createHash } from "node:crypto";
import { once } from "node:events";
import {
  chmod,
  lchown,
  link,
  lstat,
  lutimes,
  mkdir,
  open,
  readdir,
  rm,
  symlink,
  utimes,
} from "node:fs/promises";
import { posix } from "node:path";
import tar, { type Header } from "tar-stream";
import { invalid, KapselError } from "../../lib/errors.ts";
import { resolveInRoot } from "../../lib/path-in-root.ts";
import { cleanEntryPath } from "../../lib/tar/entry-path.ts";
import { makeDev } from "../../lib/tar/header-from-stat.ts";
import { parseWhiteout } from "../../lib/tar/whiteouts.ts";
import { type FsOp, OPAQUE_XATTR, runFsOps } from "./fs-syscalls.ts";

/**
 * How whiteouts land on disk:
 * - "overlay": the layer dir holds only this layer's files; `.wh.x` becomes a 0/0 character
 *   device and `.wh..wh..opq` the trusted.overlay.opaque xattr, as overlayfs reads them.
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
}

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;

/**
 * Unpacks a plain (uncompressed) layer tar into root, streaming: file bodies go straight to disk.
 * No entry writes outside root: names are cleaned (`..` escapes refused) and every parent path
 * is resolved inside root, symlinks included (lib/path-in-root.ts). Ownership, modes (setuid
 * too), times and xattrs are kept. Directory times are set last, after their contents.
 */
export async function unpackLayer(
  input: AsyncIterable<Buffer>,
  root: string,
  mode: WhiteoutMode,
): Promise<UnpackResult> {
  const u = new Unpacker(root, mode);
  const hash = createHash("sha256");
  const extract = tar.extract();
  extract.on("entry", (header, body, next) => {
    u.entry(header, body as unknown as EntryBody).then(
      () => next(),
      (err: Error) => {
        body.resume();
        next(err);
      },
    );
  });
  // tar-stream's streams are streamx ones: feed by hand, with backpressure, hashing on the way
  const ended = new Promise<void>((resolve, reject) => {
    extract.on("error", reject);
    extract.on("finish", () => resolve());
  });
  ended.catch(() => {});
  const events = extract as unknown as NodeJS.EventEmitter;
  try {
    for await (const chunk of input) {
      hash.update(chunk);
      if (!extract.write(chunk)) await Promise.race([once(events, "drain"), ended]);
    }
    extract.end(undefined);
    await ended;
  } catch (err) {
    extract.destroy(err as Error);
    throw tarError(err);
  }
  await u.finish();
  return { diffId: `sha256:${hash.digest("hex")}`, size: u.size, opaque: [...u.opaque].sort() };
}

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

  constructor(root: string, mode: WhiteoutMode) {
    this.root = root;
    this.mode = mode;
  }

  async entry(h: Header, body: EntryBody): Promise<void> {
    const rel = cleanEntryPath(h.name);
    const wh = rel === "" ? undefined : parseWhiteout(rel);
    if (wh) {
      body.resume();
      if (wh.kind === "opaque") await this.#opaque(wh.dir);
      else if (wh.kind === "whiteout") await this.#whiteout(wh.dir === "" ? wh.name : `${wh.dir}/${wh.name}`);
      return;
    }
    const xattrs = xattrsOf(h);
    if (rel === "") {
      body.resume();
      if (h.type === "directory") this.#dirs.push({ host: this.root, h });
      return;
    }
    const parent = await this.#parent(posix.dirname(rel) === "." ? "" : posix.dirname(rel));
    const host = posix.join(parent, posix.basename(rel));
    // a directory that replaces a whiteout of this layer must still hide what lies below it
    if (this.#whiteouts.delete(rel) && h.type === "directory") this.opaque.add(rel);
    this.#nodes.delete(rel);
    this.#mark(rel);

    const existing = await lstatOrUndefined(host);
    if (existing && !(existing.isDirectory() && h.type === "directory")) {
      await rm(host, { recursive: true, force: true });
      this.#parents.clear();
    }

    switch (h.type) {
      case "directory":
        if (!existing?.isDirectory()) await mkdir(host, { mode: 0o700 });
        this.#dirs.push({ host, h });
        break;
      case "file":
      case "contiguous-file":
        await writeBody(body, host);
        this.size += h.size ?? 0;
        await this.#meta(host, h, false);
        break;
      case "symlink":
        body.resume();
        await symlink(h.linkname ?? "", host);
        this.size += Buffer.byteLength(h.linkname ?? "");
        this.#parents.clear();
        await lchown(host, h.uid ?? 0, h.gid ?? 0);
        if (h.mtime) await lutimes(host, h.mtime, h.mtime);
        break;
      case "link": {
        body.resume();
        const targetRel = cleanEntryPath(h.linkname ?? "");
        const target = resolveInRoot(this.root, targetRel, false);
        const st = await lstatOrUndefined(target);
        if (!st || st.isDirectory())
          throw invalid(`invalid hard link ${h.name} -> ${h.linkname}: no such file in the layer`);
        await link(target, host);
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

  /** The host directory for rel, inside root, created (0755, as Docker does) when missing. */
  async #parent(rel: string): Promise<string> {
    if (rel === "") return this.root;
    const cached = this.#parents.get(rel);
    if (cached) return cached;
    const host = resolveInRoot(this.root, rel);
    const st = await lstatOrUndefined(host);
    if (!st) await mkdir(host, { recursive: true, mode: 0o755 });
    else if (!st.isDirectory()) throw invalid(`cannot unpack under ${rel}: not a directory`);
    this.#parents.set(rel, host);
    return host;
  }

  #mark(rel: string): void {
    if (this.mode !== "apply") return;
    for (let p = rel; p !== "." && p !== "" && !this.#written.has(p); p = posix.dirname(p))
      this.#written.add(p);
  }

  async #opaque(dirRel: string): Promise<void> {
    const dir = dirRel === "" ? this.root : await this.#parent(dirRel);
    if (this.mode === "overlay") {
      this.opaque.add(dirRel);
      return;
    }
    for (const name of await readdir(dir)) {
      const rel = dirRel === "" ? name : `${dirRel}/${name}`;
      if (!this.#written.has(rel)) await rm(posix.join(dir, name), { recursive: true, force: true });
    }
    this.#parents.clear();
  }

  async #whiteout(rel: string): Promise<void> {
    this.#nodes.delete(rel);
    if (this.mode === "apply") {
      await rm(resolveInRoot(this.root, rel, false), { recursive: true, force: true });
      this.#parents.clear();
      return;
    }
    const parent = await this.#parent(posix.dirname(rel) === "." ? "" : posix.dirname(rel));
    const host = posix.join(parent, posix.basename(rel));
    // a whiteout replaces anything this layer put there; the device is made at the end, in one batch
    if (await lstatOrUndefined(host)) await rm(host, { recursive: true, force: true });
    this.#whiteouts.set(rel, host);
    this.#parents.clear();
  }

  async #meta(host: string, h: Header, isDir: boolean): Promise<void> {
    await lchown(host, h.uid ?? 0, h.gid ?? 0);
    await chmod(host, (h.mode ?? (isDir ? 0o755 : 0o644)) & 0o7777); // after chown, which clears setuid
    if (h.mtime) await utimes(host, h.mtime, h.mtime);
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
      const host = dir === "" ? this.root : await this.#parent(dir);
      ops.push({ op: "setxattr", path: host, name: OPAQUE_XATTR, value: Buffer.from("y") });
    }
    await runFsOps(ops);
    for (const { host, h } of this.#nodes.values()) await this.#meta(host, h, false);
    // deepest first, so setting a directory's time is not undone by touching its children
    for (const { host, h } of [...this.#dirs].reverse()) {
      try {
        await this.#meta(host, h, true);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err; // removed by a later entry
      }
    }
  }
}

type EntryBody = AsyncIterable<Buffer> & { resume(): unknown };

/** tar-stream's complaints about the archive itself, worded for the user who sent it. */
function tarError(err: unknown): unknown {
  const message = (err as Error)?.message ?? "";
  if (err instanceof KapselError || !/^(Unexpected end of data|Invalid tar header)/.test(message)) return err;
  const what = message.startsWith("Unexpected") ? "unexpected end of data" : "invalid tar header";
  return invalid(`invalid tar archive: ${what}`, err);
}

/** Writes an entry's body to a new file (never through an existing one: O_EXCL). */
async function writeBody(body: EntryBody, path: string): Promise<void> {
  const fh = await open(path, "wx", 0o600);
  try {
    for await (const chunk of body) await fh.write(chunk);
  } finally {
    await fh.close();
  }
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

async function lstatOrUndefined(path: string) {
  try {
    return await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
