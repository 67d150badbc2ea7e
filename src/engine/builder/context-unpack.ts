import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { link, mkdir, rm, symlink, writeFile as writeFileFs } from "node:fs/promises";
import { posix } from "node:path";
import { finished } from "node:stream/promises";
import type { Header } from "tar-stream";
import { invalid, KapselError } from "../../lib/errors.ts";
import { cleanEntryPath } from "../../lib/tar/entry-path.ts";
import { readTarEntries } from "../../lib/tar/read-entries.ts";
import { type ContextEntry, type ReceiveOptions, rootEntry } from "./context.ts";
import { compareWithKept } from "./kept-compare.ts";

/**
 * The tar side of receiving a context: each entry unpacked under the context folder and
 * recorded with what its header says. A file's bytes are written (batched, not awaited one by
 * one), hashed only when file-hashes.ts does not know them yet, compared with the kept copy
 * when only their header changed (kept-compare.ts), or not written at all when unchanged and
 * kept from an earlier build (file-store.ts).
 */

/**
 * The context's bytes, then padding and end blocks. The docker CLI's `-f -` and `-f <outside>`
 * contexts end right after the last file's bytes (go-archive's ReplaceFileTarWrapper closes its
 * pipe before the tar writer pads and writes the end blocks); Go's tar reader takes that as the
 * end, so they are added here. After a complete archive they are more zero blocks, which change
 * nothing.
 */
async function* padded(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  let fed = head.length;
  if (head.length > 0) yield head;
  for (let r = await rest.next(); !r.done; r = await rest.next()) {
    yield r.value;
    fed += r.value.length;
  }
  yield Buffer.alloc(((512 - (fed % 512)) % 512) + 1024);
}

/** Unpacks the tar into root, recording each entry; hashes files whose hash is not known yet. */
export async function unpack(
  head: Buffer,
  rest: AsyncIterator<Buffer>,
  root: string,
  o: ReceiveOptions,
  pins: Array<() => void>,
): Promise<Map<string, ContextEntry>> {
  const entries = new Map<string, ContextEntry>([["", rootEntry()]]);
  const state: UnpackState = { bytes: 0, writes: [], pins };
  try {
    await readTarEntries(padded(head, rest), (h, body) => addEntry(h, body, root, entries, state, o));
    await Promise.all(state.writes.splice(0));
  } catch (err) {
    await Promise.allSettled(state.writes);
    if (err instanceof KapselError) throw err;
    throw invalid(`invalid build context: ${(err as Error).message}`, err);
  }
  return entries;
}

interface UnpackState {
  /** file bytes so far */
  bytes: number;
  /** files still being flushed and closed: the next entry does not wait for them */
  writes: Array<Promise<void>>;
  /** releases of the kept files this context reads */
  pins: Array<() => void>;
}

const MAX_PENDING_WRITES = 32;

async function addEntry(
  h: Header,
  body: AsyncIterable<Buffer> & { resume(): void },
  root: string,
  entries: Map<string, ContextEntry>,
  state: UnpackState,
  o: ReceiveOptions,
): Promise<void> {
  const rel = cleanEntryPath(h.name);
  const meta = {
    mode: (h.mode ?? 0o644) & 0o7777,
    uid: h.uid ?? 0,
    gid: h.gid ?? 0,
    mtime: h.mtime ? Math.floor(h.mtime.getTime() / 1000) * 1000 : 0,
  };
  if (rel === "") {
    body.resume();
    if (h.type === "directory") entries.set("", { type: "dir", size: 0, ...meta });
    return;
  }
  const host = await prepare(root, rel, entries);
  switch (h.type) {
    case "directory":
      body.resume();
      if (entries.get(rel)?.type !== "dir") await mkdir(host);
      entries.set(rel, { type: "dir", size: 0, ...meta });
      return;
    case "file":
    case "contiguous-file": {
      const size = h.size ?? 0;
      state.bytes += size;
      if (state.bytes > o.maxBytes) throw tooBig(o.maxBytes);
      // the file kept from an earlier build under this path, if its size is the same: the
      // incoming bytes are compared with it (no header, however alike, is trusted: tar
      // writers such as docker-py give every file the same mtime)
      const previous = o.hashes.previous(rel, size);
      const kept = previous ? o.store?.get(previous) : undefined;
      if (previous && kept) {
        state.pins.push(o.store!.pin([previous]));
        const cmp = await compareWithKept(body, { path: kept, digest: previous }, size, host);
        if (cmp.same) {
          entries.set(rel, { type: "file", size, ...meta, digest: previous, blob: kept });
          return;
        }
        state.writes.push(cmp.written);
        o.hashes.store(rel, size, cmp.digest);
        entries.set(rel, { type: "file", size, ...meta, digest: cmp.digest });
        return;
      }
      const { digest, written } =
        size <= SMALL_FILE ? await writeSmallFile(body, host) : await writeFile(body, host);
      state.writes.push(written);
      if (state.writes.length > MAX_PENDING_WRITES) await state.writes.shift();
      o.hashes.store(rel, size, digest);
      entries.set(rel, { type: "file", size, ...meta, digest });
      return;
    }
    case "symlink":
      body.resume();
      await symlink(h.linkname ?? "", host);
      entries.set(rel, { type: "symlink", size: 0, ...meta, linkname: h.linkname ?? "" });
      return;
    case "link": {
      body.resume();
      const targetRel = cleanEntryPath(h.linkname ?? "");
      const target = entries.get(targetRel);
      if (target?.type !== "file") throw invalid(`invalid build context: hard link ${rel} to a missing file`);
      await link(posix.join(root, targetRel), host);
      entries.set(rel, { ...target });
      return;
    }
    default:
      // devices and fifos have no place in an image built from a context: leave them out
      body.resume();
  }
}

function tooBig(max: number): KapselError {
  return invalid(
    `the build context holds more than ${humanBytes(max)} of files, the daemon's limit ` +
      `(KAPSEL_BUILD_CONTEXT_LIMIT): leave out what the build does not need with a .dockerignore file`,
  );
}

function humanBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${Number.isInteger(n) ? n : n.toFixed(1)} ${units[i]}`;
}

/**
 * The host path for rel: its parents made as plain directories; what was there before is
 * replaced (a later tar entry wins). A parent that the tar made a symlink is refused, so no
 * entry is ever written through a link.
 */
async function prepare(root: string, rel: string, entries: Map<string, ContextEntry>): Promise<string> {
  const parts = rel.split("/");
  for (let i = 1; i < parts.length; i++) {
    const dir = parts.slice(0, i).join("/");
    const e = entries.get(dir);
    if (e?.type === "dir") continue;
    if (e) throw invalid(`invalid build context: ${rel} is below ${dir}, which is not a directory`);
    await mkdir(posix.join(root, dir));
    entries.set(dir, { type: "dir", mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0 });
  }
  const host = posix.join(root, rel);
  const existing = entries.get(rel);
  if (existing) {
    entries.delete(rel);
    // a directory stays a directory (its new header only updates its metadata)
    if (existing.type === "dir") {
      entries.set(rel, existing);
      return host;
    }
    await rm(host, { force: true });
  }
  return host;
}

/**
 * Writes a body to a new file, hashing it on the way. Resolves once the body is
 * read (the tar can go on); `written` once the file is on disk and closed. Writes are queued
 * (and batched into writev calls by the write stream) rather than awaited one by one.
 */
async function writeFile(
  body: AsyncIterable<Buffer>,
  path: string,
): Promise<{ digest: string; written: Promise<void> }> {
  const h = createHash("sha256");
  const out = createWriteStream(path, { flags: "wx", mode: 0o600, highWaterMark: 1024 * 1024 });
  const written = finished(out);
  written.catch(() => {});
  try {
    for await (const chunk of body) {
      h.update(chunk);
      if (!out.write(chunk)) await Promise.race([once(out, "drain"), written]);
    }
  } catch (err) {
    out.destroy();
    throw err;
  }
  out.end();
  return { digest: h.digest("hex"), written };
}

/** Files up to this size are read whole and written in one call, without a write stream. */
const SMALL_FILE = 256 * 1024;

async function writeSmallFile(
  body: AsyncIterable<Buffer>,
  path: string,
): Promise<{ digest: string; written: Promise<void> }> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(chunk);
  const data = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  const written = writeFileFs(path, data, { flag: "wx", mode: 0o600 });
  written.catch(() => {});
  return { digest: createHash("sha256").update(data).digest("hex"), written };
}
