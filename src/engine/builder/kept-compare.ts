import { createHash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { open, writeFile } from "node:fs/promises";
import { finished } from "node:stream/promises";

const WINDOW = 1024 * 1024;
/** Up to this size both sides are read whole and compared at once. */
const SMALL = 256 * 1024;

/**
 * A context file whose header changed (a `touch`) but that probably did not: its bytes are
 * compared, as they stream in, with the file kept from the last build under the same path. When
 * every byte matches, the content is the kept file's (its digest is known: the file store is
 * content-addressed) and nothing is hashed or written. At the first difference the file is
 * written after all: the matching prefix from the kept file, then the rest, hashed whole.
 * Reading the kept file (from the page cache, a megabyte at a time) costs less than hashing
 * and writing the incoming bytes.
 */
export async function compareWithKept(
  body: AsyncIterable<Buffer>,
  kept: { path: string; digest: string },
  size: number,
  path: string,
): Promise<{ same: true } | { same: false; digest: string; written: Promise<void> }> {
  if (size <= SMALL) return compareSmall(body, kept.digest, path);
  const it = body[Symbol.asyncIterator]();
  const fh = await open(kept.path, "r");
  // windows of the kept file, each read while the one before is compared (the reads overlap
  // with the wait for the client's bytes)
  const readAt = async (at: number): Promise<Buffer> => {
    const buf = Buffer.allocUnsafe(Math.min(WINDOW, Math.max(size - at, 0)));
    if (buf.length === 0) return buf;
    const { bytesRead } = await fh.read(buf, 0, buf.length, at);
    return buf.subarray(0, bytesRead);
  };
  let offset = 0; // bytes of the body compared so far
  let window: Buffer = Buffer.alloc(0);
  let windowStart = 0;
  let next: Promise<Buffer> | undefined = readAt(0);
  next.catch(() => {});
  let pending: Buffer | undefined; // the chunk that differed
  try {
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      let chunk = r.value;
      while (chunk.length > 0) {
        if (offset >= windowStart + window.length) {
          windowStart = offset;
          window = next ? await next : Buffer.alloc(0);
          next = windowStart + window.length < size ? readAt(windowStart + window.length) : undefined;
          next?.catch(() => {});
          if (window.length === 0) break;
        }
        const n = Math.min(chunk.length, windowStart + window.length - offset);
        const from = offset - windowStart;
        if (!chunk.subarray(0, n).equals(window.subarray(from, from + n))) break;
        offset += n;
        chunk = chunk.subarray(n);
      }
      if (chunk.length > 0) {
        pending = chunk;
        break;
      }
    }
  } finally {
    await next?.catch(() => {});
    await fh.close();
  }
  if (!pending && offset === size) return { same: true };

  // different after all: the prefix from the kept file, then what differed, then the rest
  const hash = createHash("sha256");
  const out = createWriteStream(path, { flags: "wx", mode: 0o600, highWaterMark: WINDOW });
  const written = finished(out);
  written.catch(() => {});
  const put = async (b: Buffer) => {
    hash.update(b);
    if (!out.write(b)) await Promise.race([once(out, "drain"), written]);
  };
  try {
    if (offset > 0)
      for await (const b of createReadStream(kept.path, { start: 0, end: offset - 1 }))
        await put(b as Buffer);
    if (pending) await put(pending);
    for (let r = await it.next(); !r.done; r = await it.next()) await put(r.value);
  } catch (err) {
    out.destroy();
    throw err;
  }
  out.end();
  return { same: false, digest: hash.digest("hex"), written };
}

/** A small file is hashed in memory: cheaper than reading the kept copy to compare. */
async function compareSmall(
  body: AsyncIterable<Buffer>,
  keptDigest: string,
  path: string,
): Promise<{ same: true } | { same: false; digest: string; written: Promise<void> }> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(chunk);
  const data = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  const digest = createHash("sha256").update(data).digest("hex");
  if (digest === keptDigest) return { same: true };
  const written = writeFile(path, data, { flag: "wx", mode: 0o600 });
  written.catch(() => {});
  return { same: false, digest, written };
}
