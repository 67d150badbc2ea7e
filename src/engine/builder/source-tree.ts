import { createHash } from "node:crypto";
import { lstat, readdir, readlink } from "node:fs/promises";
import { posix } from "node:path";
import { resolveInRoot } from "../../lib/path-in-root.ts";
import { type BuildContext, byteOrder } from "./context.ts";

/** What a source entry is, as COPY needs to know it. */
export interface SourceStat {
  type: "file" | "dir" | "symlink" | "other";
  mode: number;
  uid: number;
  gid: number;
  /** ms */
  mtime: number;
  size: number;
  linkname?: string;
}

/**
 * A tree COPY/ADD reads from: the build context, a stage's or image's root file system
 * (COPY --from), or a folder of inline or downloaded files. Paths are relative, "" the root.
 */
export interface SourceTree {
  /** lstat: undefined when missing (or left out by .dockerignore) */
  stat(rel: string): Promise<SourceStat | undefined>;
  /** a directory's entries, in byte order */
  list(rel: string): Promise<string[]>;
  /** the path rel names once symlinks are followed, never leaving the tree */
  resolve(rel: string): string;
  /** where rel's bytes are on the host */
  hostPath(rel: string): string;
  /**
   * What the cache knows rel by, without reading anything big: content hash and metadata of
   * a file, of everything below a directory. undefined: the tree has no cheap hash (the
   * caller keys by something else, e.g. the image id).
   */
  hash(rel: string): Promise<string | undefined>;
}

const sha = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex");

/** The build context: the entries its tar described (content hashes included), files on disk. */
export class ContextTree implements SourceTree {
  readonly #ctx: BuildContext;

  constructor(ctx: BuildContext) {
    this.#ctx = ctx;
  }

  async stat(rel: string): Promise<SourceStat | undefined> {
    const e = this.#ctx.get(rel);
    if (!e) return undefined;
    return {
      type: e.type,
      mode: e.mode,
      uid: e.uid,
      gid: e.gid,
      mtime: e.mtime,
      size: e.size,
      linkname: e.linkname,
    };
  }

  async list(rel: string): Promise<string[]> {
    return this.#ctx.list(rel);
  }

  resolve(rel: string): string {
    const host = resolveInRoot(this.#ctx.root, rel);
    return posix.relative(this.#ctx.root, host);
  }

  hostPath(rel: string): string {
    return this.#ctx.hostPath(rel);
  }

  async hash(rel: string): Promise<string | undefined> {
    const e = this.#ctx.get(rel);
    if (!e) return undefined;
    if (e.type !== "dir") return sha([e.type, e.mode, e.uid, e.gid, e.digest ?? e.linkname ?? ""]);
    const rows: unknown[] = [];
    const walk = (dir: string, prefix: string) => {
      for (const name of this.#ctx.list(dir)) {
        const p = dir === "" ? name : `${dir}/${name}`;
        const c = this.#ctx.get(p)!;
        const r = prefix === "" ? name : `${prefix}/${name}`;
        rows.push([r, c.type, c.mode, c.uid, c.gid, c.digest ?? c.linkname ?? ""]);
        if (c.type === "dir") walk(p, r);
      }
    };
    walk(rel, "");
    return sha(["dir", e.mode, e.uid, e.gid, rows]);
  }
}

/** A folder on the host: a mounted root file system (COPY --from) or scratch files. */
export class HostTree implements SourceTree {
  readonly root: string;
  readonly #hashes: Map<string, string> | undefined;

  /** `hashes`: known content hashes by path (downloads, heredocs); others have none. */
  constructor(root: string, hashes?: Map<string, string>) {
    this.root = root;
    this.#hashes = hashes;
  }

  async stat(rel: string): Promise<SourceStat | undefined> {
    const host = posix.join(this.root, rel);
    const st = await lstat(host).catch(() => undefined);
    if (!st) return undefined;
    const type = st.isDirectory() ? "dir" : st.isFile() ? "file" : st.isSymbolicLink() ? "symlink" : "other";
    return {
      type,
      mode: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      mtime: st.mtimeMs,
      size: st.size,
      linkname: type === "symlink" ? await readlink(host) : undefined,
    };
  }

  async list(rel: string): Promise<string[]> {
    return (await readdir(posix.join(this.root, rel))).sort(byteOrder);
  }

  resolve(rel: string): string {
    return posix.relative(this.root, resolveInRoot(this.root, rel));
  }

  hostPath(rel: string): string {
    return posix.join(this.root, rel);
  }

  async hash(rel: string): Promise<string | undefined> {
    return this.#hashes?.get(rel);
  }
}
