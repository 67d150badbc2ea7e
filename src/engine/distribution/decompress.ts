import { PassThrough, type Readable, type Transform } from "node:stream";
import { createGunzip, createZstdDecompress } from "node:zlib";
import { invalid } from "../../lib/errors.ts";
import { detectCompression } from "../../lib/tar/compression.ts";
import { pullBuffersPassed } from "./buffer-pacer.ts";
import type { ByteSource } from "./growing-file.ts";

/**
 * A layer blob as the plain tar storage unpacks, gzip or zstd told by its first bytes (as
 * Docker's DecompressStream, whatever the media type claims).
 *
 * zlib works in 256 KiB pieces: with its default 16 KiB, gunzip of a 64 MB layer takes 4-5
 * times as long (measured here: 250 ms against 50-80 ms), each piece a trip to the thread pool.
 *
 * The tar handed on never emits 'error': storage may not listen yet when something fails
 * (it prepares its directory first), and an 'error' without a listener ends the daemon.
 * A failure upstream (a download that proves bad, gzip that does not decompress) instead ends
 * the tar early, which storage refuses because the layer's diffId is checked; `failure()`
 * then says what really went wrong.
 */
export interface LayerFeed {
  tar: Readable;
  failure(): Error | undefined;
}

const CHUNK = 256 * 1024;

export function decompressLayer(input: Readable): LayerFeed {
  const tar = new PassThrough({ highWaterMark: CHUNK });
  let failed: Error | undefined;
  const fail = (err: Error) => {
    failed ??= err;
    input.destroy();
    if (!tar.writableEnded) tar.end();
  };
  let decoder: Transform | undefined;
  let sawData = false;
  input.on("error", fail);
  tar.on("close", () => {
    if (!input.readableEnded) input.destroy();
    decoder?.destroy();
  });
  input.once("data", (head: Buffer) => {
    sawData = true;
    input.pause();
    const kind = detectCompression(head);
    if (kind === "bzip2" || kind === "xz") return fail(invalid(`unsupported layer compression: ${kind}`));
    if (kind === "none") {
      tar.write(head);
      input.pipe(tar);
      return;
    }
    const d =
      kind === "gzip" ? createGunzip({ chunkSize: CHUNK }) : createZstdDecompress({ chunkSize: CHUNK });
    decoder = d;
    d.on("error", fail);
    d.pipe(tar);
    d.write(head);
    input.pipe(d);
  });
  input.once("end", () => {
    // an empty blob: an empty (and so refused) tar
    if (!sawData && !tar.writableEnded) tar.end();
  });
  return { tar, failure: () => failed };
}

/** Buffers a compressed layer is read into, in turn: one being read while others inflate. */
const READ_BUFFERS = 3;

/**
 * decompressLayer over a ByteSource: compressed bytes are read into a few buffers used over and
 * over (each one again once zlib has consumed it), so a layer read from disk allocates nothing
 * but zlib's output. A plain tar gets new buffers (the tar reader may keep its chunks).
 */
export function decompressSource(src: ByteSource): LayerFeed {
  const tar = new PassThrough({ highWaterMark: CHUNK });
  let failed: Error | undefined;
  let decoder: Transform | undefined;
  let stop: (err: Error) => void = () => {};
  const stopped = new Promise<never>((_, reject) => {
    stop = reject;
  });
  stopped.catch(() => {});
  const fail = (err: Error) => {
    failed ??= err;
    stop(err);
    src.close();
    decoder?.destroy();
    if (!tar.writableEnded) tar.end();
  };
  tar.on("close", () => {
    stop(new Error("the layer's reader went away"));
    src.close();
    decoder?.destroy();
  });
  const drained = () =>
    Promise.race([new Promise<void>((resolve) => tar.once("drain", () => resolve())), stopped]);

  const pump = async () => {
    const bufs = Array.from({ length: READ_BUFFERS }, () => Buffer.allocUnsafe(CHUNK));
    // enough of the head to tell the format
    let head = 0;
    while (head < 6) {
      const n = await Promise.race([src.read(bufs[0].subarray(head)), stopped]);
      if (n === 0) break;
      head += n;
    }
    if (head === 0) {
      tar.end(); // an empty blob: an empty (and so refused) tar
      return;
    }
    const kind = detectCompression(bufs[0].subarray(0, head));
    if (kind === "bzip2" || kind === "xz") throw invalid(`unsupported layer compression: ${kind}`);
    if (kind === "none") {
      let chunk = Buffer.from(bufs[0].subarray(0, head));
      for (;;) {
        if (!tar.write(chunk)) await drained();
        const next = Buffer.allocUnsafe(CHUNK);
        const n = await Promise.race([src.read(next), stopped]);
        if (n === 0) break;
        chunk = next.subarray(0, n);
      }
      tar.end();
      return;
    }
    const d =
      kind === "gzip" ? createGunzip({ chunkSize: CHUNK }) : createZstdDecompress({ chunkSize: CHUNK });
    decoder = d;
    d.on("error", fail);
    d.on("data", (out: Buffer) => pullBuffersPassed(out.length)); // zlib's output, a new buffer each
    d.pipe(tar);
    // a buffer is read into again only once zlib has consumed what it held (its write callback)
    const free: Array<Promise<void>> = bufs.map(() => Promise.resolve());
    const give = (buf: Buffer) =>
      new Promise<void>((resolve, reject) => d.write(buf, (err) => (err ? reject(err) : resolve())));
    free[0] = give(bufs[0].subarray(0, head));
    for (let i = 1; ; i = (i + 1) % READ_BUFFERS) {
      await Promise.race([free[i], stopped]);
      const n = await Promise.race([src.read(bufs[i]), stopped]);
      if (n === 0) break;
      free[i] = give(bufs[i].subarray(0, n));
      free[i].catch(() => {});
    }
    d.end();
  };
  pump().catch((err: Error) => fail(err));
  return { tar, failure: () => failed };
}
