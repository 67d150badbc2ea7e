import { mkdtemp, readFile, rm } from "node:fs/promises";
import { posix } from "node:path";
import { ignoreMatcher, parseDockerignore } from "../../lib/dockerignore.ts";
import { invalid } from "../../lib/errors.ts";
import { resolveInRoot } from "../../lib/path-in-root.ts";
import { decompressStream } from "../../lib/tar/compression.ts";
import { unpack } from "./context-unpack.ts";
import type { FileHashes } from "./file-hashes.ts";
import type { FileStore } from "./file-store.ts";

/** One entry of the context as its tar described it. */
export interface ContextEntry {
  type: "file" | "dir" | "symlink";
  /** permission bits (setuid, setgid and sticky included) */
  mode: number;
  uid: number;
  gid: number;
  /** ms since the epoch (whole seconds) */
  mtime: number;
  size: number;
  /** a symlink's target */
  linkname?: string;
  /** a file's content, sha256 hex */
  digest?: string;
  /** where the content is when it was not written again: a file kept from an earlier build */
  blob?: string;
}

/** The most a Dockerfile sent as the whole body (no tar) may be. */
const MAX_BARE_DOCKERFILE = 16 * 1024 * 1024;

/**
 * A build context, unpacked under a temporary folder: the file contents on disk, and what the
 * tar said of each entry (modes, owners, times, hashes) in `entries`, which is the truth COPY
 * and the cache use: the .dockerignore'd entries are dropped from it, whatever is on disk.
 */
export class BuildContext {
  readonly root: string;
  readonly entries: Map<string, ContextEntry>;
  /** the Dockerfile's text and the path it was read from */
  readonly dockerfile: { path: string; text: string };
  #children: Map<string, string[]> | undefined;
  readonly #store: FileStore | undefined;
  readonly #unpin: () => void;

  constructor(
    root: string,
    entries: Map<string, ContextEntry>,
    dockerfile: { path: string; text: string },
    store?: FileStore,
    unpin: () => void = () => {},
  ) {
    this.root = root;
    this.entries = entries;
    this.dockerfile = dockerfile;
    this.#store = store;
    this.#unpin = unpin;
  }

  /** lstat of a relative path ("" is the root). */
  get(rel: string): ContextEntry | undefined {
    return this.entries.get(rel);
  }

  /** A directory's children's names, in byte order. */
  list(rel: string): string[] {
    if (!this.#children) {
      const children = new Map<string, string[]>();
      for (const p of this.entries.keys()) {
        if (p === "") continue;
        const dir = posix.dirname(p) === "." ? "" : posix.dirname(p);
        const list = children.get(dir) ?? [];
        list.push(posix.basename(p));
        children.set(dir, list);
      }
      for (const list of children.values()) list.sort(byteOrder);
      this.#children = children;
    }
    return this.#children.get(rel) ?? [];
  }

  /** The host path of an entry's content (a kept file's, when the build did not write it). */
  hostPath(rel: string): string {
    return this.entries.get(rel)?.blob ?? posix.join(this.root, rel);
  }

  /** Hands the files written for this build to the store, then removes the folder. */
  async close(): Promise<void> {
    this.#unpin();
    const store = this.#store;
    if (store) {
      for (const [rel, e] of this.entries) {
        if (e.type !== "file" || e.blob || !e.digest) continue;
        await store.adopt(posix.join(this.root, rel), e.digest, e.size).catch(() => {});
      }
    }
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Reads and drops the rest of a request body; resolves when it ended or failed. */
export function drainBody(body: NodeJS.ReadableStream): Promise<void> {
  const stream = body as NodeJS.ReadableStream & { readableEnded?: boolean; destroyed?: boolean };
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  stream.unpipe(); // from the decompressor, which nobody reads any more
  return new Promise((resolve) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.on("error", () => resolve());
    stream.resume();
  });
}

export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export interface ReceiveOptions {
  /** where the context folder is made (<data-root>/builder/tmp) */
  tmpDir: string;
  /** the Dockerfile's path in the context (default "Dockerfile") */
  dockerfile?: string;
  maxBytes: number;
  hashes: FileHashes;
  /** files kept from earlier builds: an unchanged file is read from there, not written again */
  store?: FileStore;
}

/**
 * Reads a build context from a request body (moby remotecontext.FromArchive and Detect): a tar,
 * plain or compressed (gzip, bzip2, xz, zstd), or, when the body is not a tar, the Dockerfile
 * itself with an empty context. Applies the context's .dockerignore (the docker CLI applies it
 * too; a tar from elsewhere may not have), reads the Dockerfile (Docker's errors: "Cannot
 * locate specified Dockerfile: X", "the Dockerfile (X) cannot be empty"), and refuses a context
 * holding more than `maxBytes` of file content. On any failure the folder is removed and the
 * rest of the body drained, so the client hears the error.
 */
export async function receiveContext(body: NodeJS.ReadableStream, o: ReceiveOptions): Promise<BuildContext> {
  const root = await mkdtemp(posix.join(o.tmpDir, "ctx-"));
  const dockerfilePath = cleanDockerfilePath(o.dockerfile || "Dockerfile");
  try {
    const plain = await decompressStream(body);
    const { head, rest } = await peek(plain, 512);
    if (head.length > 0 && !isTarHeader(head)) {
      const text = await readAll(head, rest, MAX_BARE_DOCKERFILE);
      return finish(root, new Map([["", rootEntry()]]), { path: dockerfilePath, text });
    }
    const pins: Array<() => void> = [];
    const unpin = () => {
      for (const p of pins.splice(0)) p();
    };
    try {
      const entries = await unpack(head, rest, root, o, pins);
      const dockerfile = await readDockerfile(root, entries, dockerfilePath);
      await applyDockerignore(root, entries);
      return finish(root, entries, dockerfile, o.store, unpin);
    } catch (err) {
      unpin();
      throw err;
    }
  } catch (err) {
    // the client hears the error only once it has sent everything: a client cut off while
    // sending sees a broken connection instead (the docker CLI: "error during connect: EOF")
    await Promise.all([drainBody(body), rm(root, { recursive: true, force: true })]);
    throw err;
  }
}

function finish(
  root: string,
  entries: Map<string, ContextEntry>,
  dockerfile: { path: string; text: string },
  store?: FileStore,
  unpin?: () => void,
): BuildContext {
  if (dockerfile.text.length === 0) throw invalid(`the Dockerfile (${dockerfile.path}) cannot be empty`);
  return new BuildContext(root, entries, dockerfile, store, unpin);
}

export function rootEntry(): ContextEntry {
  return { type: "dir", mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0 };
}

function cleanDockerfilePath(p: string): string {
  const rel = posix.normalize(`/${p}`).slice(1);
  if (rel === "") throw invalid(`Cannot locate specified Dockerfile: ${p}`);
  return rel;
}

/** A tar header block: its checksum adds up (an all-zero block is an empty archive's end). */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < 512) return false;
  if (block.subarray(0, 512).every((b) => b === 0)) return true;
  const field = block.subarray(148, 156).toString("latin1").replace(/\0.*$/, "").trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : block[i];
  return sum === Number.parseInt(field, 8);
}

/** The first n bytes (fewer at the end) and the rest as an iterable. */
async function peek(
  stream: NodeJS.ReadableStream,
  n: number,
): Promise<{ head: Buffer; rest: AsyncIterator<Buffer> }> {
  const it = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let size = 0;
  while (size < n) {
    const r = await it.next();
    if (r.done) break;
    parts.push(r.value);
    size += r.value.length;
  }
  return { head: Buffer.concat(parts), rest: it };
}

async function readAll(head: Buffer, rest: AsyncIterator<Buffer>, max: number): Promise<string> {
  const parts = [head];
  let size = head.length;
  for (let r = await rest.next(); !r.done; r = await rest.next()) {
    size += r.value.length;
    if (size > max) throw invalid(`the Dockerfile sent as the build body is larger than ${max} bytes`);
    parts.push(r.value);
  }
  return Buffer.concat(parts).toString("utf8");
}

/** moby's withDockerfileFromContext: the file, else "dockerfile" for the default name. */
async function readDockerfile(
  root: string,
  entries: Map<string, ContextEntry>,
  path: string,
): Promise<{ path: string; text: string }> {
  const read = async (p: string) => {
    const rel = posix.relative(root, resolveInRoot(root, p));
    const e = entries.get(rel);
    if (e?.type !== "file") return undefined;
    return readFile(e.blob ?? posix.join(root, rel), "utf8");
  };
  let text = await read(path);
  if (text === undefined && path === "Dockerfile") text = await read("dockerfile");
  if (text === undefined) throw invalid(`Cannot locate specified Dockerfile: ${path}`);
  return { path, text };
}

/**
 * Drops what the context's .dockerignore excludes (moby's patternmatcher rules, in
 * lib/dockerignore.ts) from the entries. The Dockerfile has been read already; it goes too
 * when excluded, as with Docker. Directories holding something kept stay.
 */
async function applyDockerignore(root: string, entries: Map<string, ContextEntry>): Promise<void> {
  const ignore = entries.get(".dockerignore");
  if (ignore?.type !== "file") return;
  const patterns = parseDockerignore(
    await readFile(ignore.blob ?? posix.join(root, ".dockerignore"), "utf8"),
  );
  if (patterns.length === 0) return;
  const excluded = ignoreMatcher(patterns);
  const dropped = new Map<string, ContextEntry>();
  for (const [rel, e] of entries) {
    if (rel === "" || !excluded(rel)) continue;
    dropped.set(rel, e);
    entries.delete(rel);
  }
  for (const rel of [...entries.keys()]) {
    for (let dir = posix.dirname(rel); dir !== "." && !entries.has(dir); dir = posix.dirname(dir)) {
      const e = dropped.get(dir);
      if (e) entries.set(dir, e);
    }
  }
}
