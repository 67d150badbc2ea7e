import { lstat, stat } from "node:fs/promises";
import { posix } from "node:path";
import { invalid } from "../../lib/errors.ts";
import { resolveInRoot } from "../../lib/path-in-root.ts";
import type { SourceStat } from "./source-tree.ts";

export interface Owner {
  uid: number;
  gid: number;
}

/** One entry of the layer a COPY, ADD or WORKDIR makes. */
export interface PlannedEntry {
  /** relative to the image root, no leading `/` */
  path: string;
  type: "file" | "dir" | "symlink" | "char" | "block" | "fifo";
  mode: number;
  uid: number;
  gid: number;
  /** ms */
  mtime: number;
  size: number;
  linkname?: string;
  /** where a file's bytes are read from */
  source?: string;
  devmajor?: number;
  devminor?: number;
}

/**
 * The layer of a COPY, ADD or WORKDIR described before it is made ("describe, then act"): the
 * entries it adds, found against the image's file system (a read-only look through a mount),
 * then written as a layer tar by layer-tar.ts. Nothing is copied into a container layer and no
 * diff is computed: the sources are read once, straight into the layer tar.
 *
 * The rules are moby's (copy.go, copy_unix.go, MkdirAll in a chroot): a destination path
 * follows the image's symlinks but never leaves its root; missing directories are made 0755
 * with the copy's owner; existing ones keep their metadata (they are in the layer only because
 * something is added below them); entries of later sources replace earlier ones.
 */
export class LayerPlan {
  /** the mounted image root (looked at, never written) */
  readonly root: string;
  readonly #now: number;
  readonly entries = new Map<string, PlannedEntry>();
  /** ADD's local archives, unpacked into `destRel` after the planned entries */
  readonly archives: Array<{ source: string; destRel: string }> = [];

  constructor(root: string, now: Date) {
    this.root = root;
    this.#now = Math.floor(now.getTime() / 1000) * 1000;
  }

  /** the directories that were there already and only hold what is added */
  readonly #existing = new Set<string>();

  /** Whether the layer changes nothing (only directories that were there already). */
  get empty(): boolean {
    return this.archives.length === 0 && [...this.entries.keys()].every((p) => this.#existing.has(p));
  }

  /** An absolute image path as the container sees it, symlinks followed: relative, no leading `/`. */
  resolve(abs: string): string {
    return posix.relative(this.root, resolveInRoot(this.root, abs));
  }

  /** What the image (or an entry planned earlier) has at rel, not following a final symlink. */
  async lookup(rel: string): Promise<{ type: PlannedEntry["type"] | "other"; planned: boolean } | undefined> {
    const planned = this.entries.get(rel);
    if (planned) return { type: planned.type, planned: true };
    const st = await lstat(posix.join(this.root, rel)).catch(() => undefined);
    if (!st) return undefined;
    return {
      type: st.isDirectory() ? "dir" : st.isFile() ? "file" : st.isSymbolicLink() ? "symlink" : "other",
      planned: false,
    };
  }

  /** Whether abs is a directory once symlinks are followed (moby's isExistingDirectory). */
  async isDir(abs: string): Promise<boolean> {
    const rel = this.resolve(abs);
    if (this.entries.get(rel)?.type === "dir") return true;
    const st = await stat(posix.join(this.root, rel)).catch(() => undefined);
    return st?.isDirectory() ?? false;
  }

  /**
   * The directory abs (and its missing parents), made with `owner`, 0755: MkdirAll in the
   * image. Existing ones are put in the layer with the metadata they have. Returns its
   * resolved relative path ("" for the root).
   */
  async mkdirAll(abs: string, owner: Owner): Promise<string> {
    const rel = this.resolve(abs);
    const parts = rel === "" ? [] : rel.split("/");
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join("/");
      const planned = this.entries.get(p);
      if (planned?.type === "dir") continue;
      if (planned) throw invalid(`cannot make directory /${p}: a file is in the way`);
      const st = await lstat(posix.join(this.root, p)).catch(() => undefined);
      if (st && !st.isDirectory()) throw invalid(`cannot make directory /${p}: a file is in the way`);
      if (st) this.#existing.add(p);
      this.entries.set(
        p,
        st
          ? {
              path: p,
              type: "dir",
              mode: st.mode & 0o7777,
              uid: st.uid,
              gid: st.gid,
              mtime: Math.floor(st.mtimeMs / 1000) * 1000,
              size: 0,
            }
          : { path: p, type: "dir", mode: 0o755, uid: owner.uid, gid: owner.gid, mtime: this.#now, size: 0 },
      );
    }
    return rel;
  }

  /** Adds an entry at rel (below a directory already planned) from a source's metadata. */
  add(rel: string, st: SourceStat, o: { owner?: Owner; mode?: number; source?: string }): void {
    if (st.type === "other") return;
    this.#existing.delete(rel);
    const owner = o.owner ?? { uid: st.uid, gid: st.gid };
    this.entries.set(rel, {
      path: rel,
      type: st.type,
      mode: st.type === "symlink" ? 0o777 : (o.mode ?? st.mode),
      uid: owner.uid,
      gid: owner.gid,
      mtime: Math.floor(st.mtime / 1000) * 1000,
      size: st.type === "file" ? st.size : 0,
      ...(st.linkname !== undefined ? { linkname: st.linkname } : {}),
      ...(st.type === "file" ? { source: o.source } : {}),
    });
  }

  /** The entries in path order (parents before their children). */
  sorted(): PlannedEntry[] {
    return [...this.entries.values()].sort((a, b) =>
      Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)),
    );
  }
}
