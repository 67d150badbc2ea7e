import { constants } from "node:fs";
import { chmod, chown, lchown, link, lutimes, mkdir, open, stat, symlink, utimes } from "node:fs/promises";
import { posix } from "node:path";
import type { Readable } from "node:stream";
import type { Header } from "tar-stream";
import { conflict, invalid, KapselError } from "../../lib/errors.ts";
import { execFileAsync } from "../../lib/exec-file.ts";
import { lstatOrUndefined } from "../../lib/fs-probe.ts";
import { decompressStream } from "../../lib/tar/compression.ts";
import { cleanEntryPath } from "../../lib/tar/entry-path.ts";
import { type EntryBody, readTarEntries } from "../../lib/tar/read-entries.ts";
import { ContainerView, closeTarget, type ViewMount } from "./container-view.ts";
import { copyOwner } from "./copy-owner.ts";
import type { ContainerFs } from "./index.ts";
import { dockerError } from "./path-stat.ts";
import { fsError, hasCode, inContainerTerms, O_PATH, PinnedDir } from "./pinned-dir.ts";
import { removeTree } from "./remove-tree.ts";

export interface ExtractOptions {
  /** refuse to replace a directory with a non-directory or the reverse (the API's noOverwriteDirNonDir) */
  noOverwriteDirNonDir: boolean;
  /** `docker cp -a`: owners become the container's user (below) instead of the tar's */
  copyUIDGID: boolean;
  /** the container's Config.User; without it copyUIDGID keeps the tar's owners, as Docker */
  user?: string;
  /** the container's name or id as the client gave it, for messages */
  containerRef: string;
}

const PARENT_CACHE = 64;

/**
 * PUT /containers/{id}/archive (moby's containerExtractToDir): unpacks a tar (plain, gzip, zstd,
 * xz or bzip2) into the directory `path` of the container. `path` is resolved with every symlink
 * followed, inside the container; it must exist (Docker's not-found), be a directory ("extraction
 * point is not a directory") and be writable (not a read-only rootfs or volume).
 * Entries are resolved as a process in the container (chroot at its root) would: names are
 * cleaned and may not climb above the destination; symlinks met on the way (the container's or
 * ones the tar made earlier) are followed inside the container, never to the host; each entry's
 * directory is looked up again after an entry changed the tree's shape. Files are created new
 * (O_EXCL|O_NOFOLLOW) after whatever was there is removed; owners (the tar's, or with
 * copyUIDGID the container's user), modes and times are set through fds or non-following calls.
 * Streams: one entry at a time, bodies straight to disk, with backpressure.
 * On failure what was extracted stays (as Docker), and `tar` may be left part-read: the caller
 * drains or destroys it.
 */
export async function extractArchive(
  fs: ContainerFs,
  path: string,
  tarStream: NodeJS.ReadableStream,
  o: ExtractOptions,
): Promise<void> {
  const input = await decompressStream(tarStream);
  let view: ContainerView;
  let dest: PinnedDir;
  try {
    view = await ContainerView.open(fs);
    dest = await openDestination(view, path);
  } catch (err) {
    input.destroy();
    throw dockerError(err, path, o.containerRef);
  }
  try {
    const owner = o.copyUIDGID && o.user ? await copyOwner(view, o.user) : undefined;
    await new Extractor(view, dest, o.noOverwriteDirNonDir, owner).run(input);
  } catch (err) {
    input.destroy();
    throw dockerError(err, path, o.containerRef);
  } finally {
    await dest.close();
  }
}

/** The extraction point: every symlink followed (filepath.EvalSymlinks), a writable directory. */
async function openDestination(view: ContainerView, path: string): Promise<PinnedDir> {
  const target = await view.walk(posix.join("/", path), { followLast: true });
  try {
    const st = await view.lstat(target);
    if (!st.isDirectory()) throw invalid("extraction point is not a directory");
    const m = view.mountFor(target.cpath);
    if (m.readonly) throw invalid(readonlyReason(view, m));
    return await view.openDir(target);
  } finally {
    await closeTarget(target);
  }
}

function readonlyReason(view: ContainerView, m: ViewMount): string {
  return m === view.root ? "container rootfs is marked read-only" : "mounted volume is marked read-only";
}

class Extractor {
  readonly #view: ContainerView;
  readonly #dest: PinnedDir;
  readonly #noOverwrite: boolean;
  readonly #owner: { uid: number; gid: number } | undefined;
  /** entry directory (relative to the destination) → held directory; most recently used last */
  readonly #parents = new Map<string, PinnedDir>();
  #dirty = false;
  readonly #dirs: Array<{ rel: string; mtime: Date }> = [];

  constructor(
    view: ContainerView,
    dest: PinnedDir,
    noOverwrite: boolean,
    owner?: { uid: number; gid: number },
  ) {
    this.#view = view;
    this.#dest = dest;
    this.#noOverwrite = noOverwrite;
    this.#owner = owner;
  }

  async run(input: Readable): Promise<void> {
    try {
      await readTarEntries(input, (h, body) => this.#entry(h, body));
      await this.#setDirTimes();
    } catch (err) {
      throw tarError(err);
    } finally {
      await this.#forgetParents();
    }
  }

  async #entry(h: Header, body: EntryBody): Promise<void> {
    if (this.#dirty) await this.#forgetParents();
    const rel = cleanEntryPath(h.name);
    if (rel === "") {
      body.resume(); // the destination itself keeps its owner and mode, as Docker
      return;
    }
    const shown = posix.join(this.#dest.cpath, rel);
    try {
      await this.#write(h, body, rel, shown);
    } catch (err) {
      throw inContainerTerms(err, shown);
    }
  }

  async #write(h: Header, body: EntryBody, rel: string, shown: string): Promise<void> {
    const dirRel = posix.dirname(rel) === "." ? "" : posix.dirname(rel);
    const base = posix.basename(rel);
    const parent = await this.#parent(dirRel);
    const cpath = posix.join(parent.cpath, base);
    this.#checkWritable(cpath, shown);
    const mount = this.#view.mountAt(cpath);
    const existing = mount ? await stat(mount.source) : await lstatOrUndefined(parent.child(base));
    const isDir = h.type === "directory";
    if (existing) {
      if (this.#noOverwrite && existing.isDirectory() && !isDir)
        throw conflict(`cannot overwrite directory "${shown}" with non-directory "${this.#dest.cpath}"`);
      if (this.#noOverwrite && !existing.isDirectory() && isDir)
        throw conflict(`cannot overwrite non-directory "${shown}" with directory "${this.#dest.cpath}"`);
      if (!(existing.isDirectory() && isDir)) {
        if (mount) throw conflict(`unlinkat ${shown}: device or resource busy`);
        await removeTree(this.#view, parent, base);
        this.#dirty = true;
      }
    }
    const owner = this.#owner ?? { uid: h.uid ?? 0, gid: h.gid ?? 0 };
    const mode = (h.mode ?? (isDir ? 0o755 : 0o644)) & 0o7777;
    const mtime = h.mtime ?? new Date();
    const at = parent.child(base);
    switch (h.type) {
      case "directory": {
        if (!existing?.isDirectory()) await mkdir(at, 0o700);
        const dir = mount
          ? await PinnedDir.openHost(mount.source, cpath)
          : await parent.openChild(base, cpath);
        try {
          await dir.handle?.chown(owner.uid, owner.gid);
          await dir.handle?.chmod(mode); // after chown, which clears setuid/setgid
        } finally {
          await dir.close();
        }
        this.#dirs.push({ rel, mtime }); // set last: extracting into it changes it
        body.resume();
        return;
      }
      case "file":
      case "contiguous-file": {
        const fh = await open(
          at,
          constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
          0o600,
        );
        try {
          for await (const chunk of body) await fh.write(chunk);
          await fh.chown(owner.uid, owner.gid);
          await fh.chmod(mode);
          await fh.utimes(mtime, mtime);
        } finally {
          await fh.close();
        }
        return;
      }
      case "symlink":
        body.resume();
        await symlink(h.linkname ?? "", at); // verbatim: it is resolved in the container when followed
        this.#dirty = true;
        await lchown(at, owner.uid, owner.gid);
        await lutimes(at, mtime, mtime);
        return;
      case "link": {
        body.resume();
        await this.#hardLink(h.linkname ?? "", at, cpath);
        await setMeta(parent, base, owner, mode, mtime);
        return;
      }
      case "character-device":
      case "block-device":
      case "fifo": {
        body.resume();
        const kind =
          h.type === "fifo"
            ? ["p"]
            : [h.type === "block-device" ? "b" : "c", String(h.devmajor ?? 0), String(h.devminor ?? 0)];
        await makeNode(at, kind);
        await setMeta(parent, base, owner, mode, mtime);
        return;
      }
      default:
        body.resume();
        throw invalid(`unhandled tar header type ${h.type} for ${h.name}`);
    }
  }

  /** Hard links point at a path of the archive, resolved under the destination like an entry. */
  async #hardLink(linkname: string, at: string, cpath: string): Promise<void> {
    const rel = posix.normalize(linkname.replace(/^\/+/, "")).replace(/\/+$/, "");
    if (rel === "." || rel === "" || rel === ".." || rel.startsWith("../"))
      throw invalid(`invalid hardlink target "${linkname}"`);
    const target = await this.#view.walk(rel, { from: this.#dest, followLast: false });
    try {
      if (target.kind !== "child") throw fsError("EPERM", `link ${target.cpath}: operation not permitted`);
      // a bind mount is another file system to link(2), whatever the disk beneath
      if (this.#view.mountFor(target.cpath) !== this.#view.mountFor(cpath))
        throw fsError("EXDEV", `link ${target.cpath} ${cpath}: invalid cross-device link`);
      await link(target.parent.child(target.name), at);
    } finally {
      await closeTarget(target);
    }
  }

  /** The held directory for an entry's directory, made (0755) where missing. */
  async #parent(rel: string): Promise<PinnedDir> {
    if (rel === "") return this.#dest;
    const cached = this.#parents.get(rel);
    if (cached) {
      this.#parents.delete(rel);
      this.#parents.set(rel, cached);
      return cached;
    }
    const t = await this.#view.walk(rel, {
      from: this.#dest,
      followLast: true,
      mode: "create",
      beforeCreate: (cpath) => this.#checkWritable(cpath, cpath),
    });
    let dir: PinnedDir;
    try {
      dir = await this.#view.openDir(t);
    } catch (err) {
      if (hasCode(err, "ENOTDIR")) throw fsError("ENOTDIR", `mkdir ${t.cpath}: not a directory`);
      throw err;
    } finally {
      await closeTarget(t);
    }
    this.#parents.set(rel, dir);
    if (this.#parents.size > PARENT_CACHE) {
      const [oldest, held] = this.#parents.entries().next().value as [string, PinnedDir];
      this.#parents.delete(oldest);
      await held.close();
    }
    return dir;
  }

  async #forgetParents(): Promise<void> {
    for (const d of this.#parents.values()) await d.close();
    this.#parents.clear();
    this.#dirty = false;
  }

  #checkWritable(cpath: string, shown: string): void {
    const m = this.#view.mountFor(cpath);
    if (m.readonly) throw invalid(`cannot write ${shown}: ${readonlyReason(this.#view, m)}`);
  }

  /** Directory times, once their content is in; a directory removed by a later entry is skipped. */
  async #setDirTimes(): Promise<void> {
    for (const { rel, mtime } of this.#dirs) {
      let t: Awaited<ReturnType<ContainerView["walk"]>>;
      try {
        t = await this.#view.walk(rel, { from: this.#dest, followLast: false });
      } catch (err) {
        if (hasCode(err, "ENOENT", "ENOTDIR")) continue;
        throw err;
      }
      try {
        const dir = await this.#view.openDir(t);
        try {
          await dir.handle?.utimes(mtime, mtime);
        } finally {
          await dir.close();
        }
      } catch (err) {
        if (!hasCode(err, "ENOENT", "ENOTDIR", "ELOOP")) throw err;
      } finally {
        await closeTarget(t);
      }
    }
  }
}

/**
 * Owner, mode and times of a node made by name (a hard link, a device, a fifo), without
 * following it: pinned with O_PATH, then changed through its fd's /proc path, which reaches the
 * pinned inode (a symlink, which only a hard link can give, gets lchown/lutimes).
 */
async function setMeta(
  parent: PinnedDir,
  name: string,
  owner: { uid: number; gid: number },
  mode: number,
  mtime: Date,
): Promise<void> {
  const pin = await open(parent.child(name), O_PATH | constants.O_NOFOLLOW);
  try {
    const st = await pin.stat();
    if (st.isSymbolicLink()) {
      await lchown(parent.child(name), owner.uid, owner.gid);
      await lutimes(parent.child(name), mtime, mtime);
      return;
    }
    const p = `/proc/${process.pid}/fd/${pin.fd}`;
    await chown(p, owner.uid, owner.gid);
    await chmod(p, mode);
    await utimes(p, mtime, mtime);
  } finally {
    await pin.close();
  }
}

/** mknod(2), which Node lacks, by coreutils' mknod (it does not follow the last component). */
async function makeNode(path: string, kind: string[]): Promise<void> {
  try {
    await execFileAsync("mknod", [path, ...kind]);
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? "").trim();
    const code = /File exists/.test(stderr) ? "EEXIST" : /not permitted/.test(stderr) ? "EPERM" : "EIO";
    throw fsError(code, `mknod: ${stderr.replace(/^mknod: [^:]*: /, "") || (err as Error).message}`);
  }
}

/** tar-stream's complaints about the archive itself, worded for the user who sent it. */
function tarError(err: unknown): unknown {
  const message = (err as Error)?.message ?? "";
  if (err instanceof KapselError || !/^(Unexpected end of data|Invalid tar header)/.test(message)) return err;
  const what = message.startsWith("Unexpected") ? "unexpected end of data" : "invalid tar header";
  return invalid(`invalid tar archive: ${what}`, err);
}
