import { execFile } from "node:child_process";
import { constants, type Stats } from "node:fs";
import { chmod, link, lstat, lutimes, mkdir, open, realpath, rm, symlink, utimes } from "node:fs/promises";
import type { Readable } from "node:stream";
import { promisify } from "node:util";
import type { Header } from "tar-stream";
import tar from "tar-stream";
import { goClean, goDir, goJoin } from "../lib/go-path.ts";
import { resolveInRoot } from "../lib/path-in-root.ts";
import { decompressStream } from "../lib/tar/compression.ts";
import { goPathError, isErrno } from "./go-path-error.ts";

/**
 * docker cp's host-side extraction (moby/go-archive Untar with NoLchown and
 * NoOverwriteDirNonDir): a tar from the daemon unpacked into `dest`, streaming (file bodies go
 * straight to disk). Unlike Docker's client, nothing is ever written through a symlink that
 * leads out of `dest`: parent directories are resolved inside it (an absolute or `..` link is
 * taken as relative to `dest`, as in a chroot), and an existing final component is replaced,
 * never followed. Ownership is not changed (the files belong to the user running kapsel).
 */

export interface UntarOptions {
  /** refuse to replace a directory by a non-directory or the reverse (docker cp's setting) */
  noOverwriteDirNonDir?: boolean;
}

const quote = (s: string) => JSON.stringify(s);

export async function untar(source: Readable, dest: string, o: UntarOptions = {}): Promise<void> {
  const root = await realpath(goClean(dest)).catch((err) => {
    throw goPathError("lstat", dest, err);
  });
  // Docker's Untar takes compressed archives too
  const plain = await decompressStream(source);
  const extract = tar.extract();
  plain.on("error", (err) => extract.destroy(err));
  plain.pipe(extract as unknown as NodeJS.WritableStream);
  const dirs: Array<{ path: string; mtime?: Date }> = [];
  try {
    for await (const entry of extract) {
      try {
        const dir = await extractEntry(root, dest, entry.header as Header, entry as AsyncIterable<Buffer>, o);
        if (dir) dirs.push(dir);
      } finally {
        entry.resume(); // whatever is left of the body, so the next entry can come
      }
    }
  } catch (err) {
    plain.destroy();
    source.destroy();
    throw tarError(err);
  }
  // directory times last, deepest first, so their contents do not change them again
  for (const d of dirs.reverse()) {
    const t = boundTime(d.mtime);
    // only if still a directory: a later entry may have put something else (a symlink) there
    const st = await lstat(d.path).catch(() => undefined);
    if (st?.isDirectory()) await utimes(d.path, t, t).catch(() => {});
  }
}

async function extractEntry(
  root: string,
  dest: string,
  h: Header,
  body: AsyncIterable<Buffer>,
  o: UntarOptions,
): Promise<{ path: string; mtime?: Date } | undefined> {
  if ((h.type as string) === "pax-global-header") return undefined;
  const name = goClean(h.name);
  const rel = goClean(`/${name}`).slice(1);
  if (name === ".." || name.startsWith("../")) throw new Error(`${quote(name)} is outside of ${quote(dest)}`);
  // the parent, resolved inside root (created 0755 when missing, as Docker's implied directories)
  const parentRel = rel === "" ? "" : goDir(rel) === "." ? "" : goDir(rel);
  const parent = parentRel === "" ? root : resolveInRoot(root, parentRel);
  if (parentRel !== "") await mkdirAll(parent);
  const path = rel === "" ? root : goJoin(parent, rel.slice(rel.lastIndexOf("/") + 1));

  const existing = await lstat(path).catch(() => undefined);
  if (existing) {
    const isDirEntry = h.type === "directory";
    if (o.noOverwriteDirNonDir && existing.isDirectory() && !isDirEntry)
      throw new Error(`cannot overwrite directory ${quote(path)} with non-directory ${quote(dest)}`);
    if (o.noOverwriteDirNonDir && !existing.isDirectory() && isDirEntry)
      throw new Error(`cannot overwrite non-directory ${quote(path)} with directory ${quote(dest)}`);
    if (existing.isDirectory() && rel === "") return undefined;
    if (!existing.isDirectory() || !isDirEntry) await rm(path, { recursive: true, force: true });
  }

  const mode = (h.mode ?? 0o644) & 0o7777;
  const mtime = boundTime(h.mtime);
  switch (h.type) {
    case "directory":
      if (!existing?.isDirectory()) await fsCall("mkdir", path, () => mkdir(path, mode));
      await fsCall("chmod", path, () => chmod(path, mode));
      return { path, mtime: h.mtime };
    case "file":
    case "contiguous-file":
      await writeFile(path, body, mode);
      break;
    case "symlink": {
      const target = goJoin(goDir(path), h.linkname ?? "");
      if (!isInside(root, target))
        throw new Error(`invalid symlink ${quote(path)} -> ${quote(h.linkname ?? "")}`);
      await fsCall("symlink", path, () => symlink(h.linkname ?? "", path));
      await lutimes(path, mtime, mtime).catch(() => {});
      return undefined;
    }
    case "link": {
      const targetRel = goClean(`/${h.linkname ?? ""}`).slice(1);
      const target = resolveInRoot(root, targetRel, false);
      if (!isInside(root, goJoin(root, h.linkname ?? "")))
        throw new Error(`invalid hardlink ${quote(target)} -> ${quote(h.linkname ?? "")}`);
      await fsCall("link", path, () => link(target, path));
      return undefined;
    }
    case "fifo":
    case "character-device":
    case "block-device":
      await mknod(path, h);
      await fsCall("chmod", path, () => chmod(path, mode));
      break;
    default:
      throw new Error(`unhandled tar header type ${h.type}`);
  }
  await fsCall("chmod", path, () => chmod(path, mode));
  await fsCall("chtimes", path, () => utimes(path, mtime, mtime));
  return undefined;
}

/** A new file (O_EXCL, O_NOFOLLOW: never through whatever appeared there), its body streamed in. */
async function writeFile(path: string, body: AsyncIterable<Buffer>, mode: number): Promise<void> {
  const flags = constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW;
  const fh = await fsCall("open", path, () => open(path, flags, mode));
  try {
    for await (const chunk of body) await fh.write(chunk);
  } finally {
    await fh.close();
  }
}

async function mkdirAll(path: string): Promise<void> {
  let st: Stats | undefined;
  try {
    st = await lstat(path);
  } catch (err) {
    if (!isErrno(err, "ENOENT")) throw goPathError("lstat", path, err);
  }
  if (!st) await fsCall("mkdir", path, () => mkdir(path, { recursive: true, mode: 0o755 }));
  else if (!st.isDirectory())
    throw goPathError("mkdir", path, Object.assign(new Error(), { code: "ENOTDIR" }));
}

/** Node has no mknod(2): the mknod program makes fifos and device nodes (root only, as in Docker). */
async function mknod(path: string, h: Header): Promise<void> {
  const args =
    h.type === "fifo"
      ? [path, "p"]
      : [path, h.type === "block-device" ? "b" : "c", String(h.devmajor ?? 0), String(h.devminor ?? 0)];
  try {
    await promisify(execFile)("mknod", args);
  } catch (err) {
    const text = String((err as { stderr?: string }).stderr ?? (err as Error).message).trim();
    throw new Error(`mknod ${path}: ${text.replace(/^mknod: /, "")}`);
  }
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root === "/" ? "/" : `${root}/`);
}

/** Go's boundTime: times before the epoch (or none) become the epoch. */
function boundTime(t: Date | undefined): Date {
  return t && t.getTime() >= 0 ? t : new Date(0);
}

async function fsCall<T>(op: string, path: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw goPathError(op, path, err);
  }
}

/** tar-stream's complaints about the archive, as Go's archive/tar words them. */
function tarError(err: unknown): unknown {
  const message = (err as Error)?.message ?? "";
  if (/^Unexpected end of data/.test(message)) return new Error("unexpected EOF");
  if (/^Invalid tar header/.test(message)) return new Error("archive/tar: invalid tar header");
  return err;
}
