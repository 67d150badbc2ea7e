import { once } from "node:events";
import { createReadStream } from "node:fs";
import { PassThrough, type Readable } from "node:stream";
import tar from "tar-stream";
import type { TarHeader } from "./header-from-stat.ts";

/**
 * Adds one entry; a regular file's bytes come from `source`: a file path (exactly header.size
 * bytes are read from it), a stream (likewise; the caller knows its length) or the bytes themselves.
 */
export type AddEntry = (
  header: TarHeader,
  source?: string | Uint8Array | AsyncIterable<Uint8Array>,
) => Promise<void>;

/**
 * A tar stream filled by `fill`, one entry at a time, at the reader's pace: `add` resolves once
 * the entry is in the stream, and waits while the reader is behind. If `fill` throws, the stream
 * errors; if the reader destroys the stream, the pending `add` rejects and `fill` stops.
 * A file that shrank since it was stat'ed is padded with zeros and one that grew is cut, so a
 * running container cannot make the archive invalid (Docker logs and goes on likewise).
 * The result is a plain Node stream (tar-stream's own are streamx streams).
 */
export function packStream(fill: (add: AddEntry) => Promise<void>): Readable {
  const pack = tar.pack();
  const out = new PassThrough();
  let closed = false;
  pack.pipe(out);
  pack.on("error", (err: Error) => out.destroy(err));
  out.on("close", () => {
    closed = true;
    pack.destroy();
  });

  const add: AddEntry = async (header, source) => {
    if (closed) throw new Error("tar stream closed by its reader");
    const size = header.type === "file" ? (header.size ?? 0) : 0;
    if (source instanceof Uint8Array && source.length !== size)
      throw new Error(`tar entry ${header.name}: ${source.length} bytes for a size of ${size}`);
    const { promise: finished, resolve, reject } = Promise.withResolvers<void>();
    finished.catch(() => {}); // awaited below; this only keeps an early exit from leaving it unhandled
    const entry = pack.entry({ ...header, size }, (err) => (err ? reject(err) : resolve()));
    // a reader that goes away destroys the pack, and the entry with it: its 'error' event,
    // unheard, would end the daemon; the failure comes through the callback
    (entry as unknown as NodeJS.EventEmitter).on("error", () => {});
    if (source instanceof Uint8Array) {
      if (size > 0 && !entry.write(source))
        await Promise.race([once(entry as unknown as NodeJS.EventEmitter, "drain"), finished]);
    } else if (source && size > 0) {
      let seen = 0;
      const chunks =
        typeof source === "string" ? createReadStream(source, { start: 0, end: size - 1 }) : source;
      for await (const chunk of chunks) {
        const part = (chunk as Buffer).subarray(0, size - seen);
        seen += part.length;
        if (!entry.write(part))
          await Promise.race([once(entry as unknown as NodeJS.EventEmitter, "drain"), finished]);
        if (closed) throw new Error("tar stream closed by its reader");
        if (seen >= size) break;
      }
      if (seen < size) entry.write(Buffer.alloc(size - seen));
    }
    entry.end(undefined);
    await finished;
  };

  fill(add).then(
    () => {
      if (!closed) pack.finalize();
    },
    (err: Error) => {
      closed = true;
      out.destroy(err);
      pack.destroy();
    },
  );
  return out;
}
