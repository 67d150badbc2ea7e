import type { Readable } from "node:stream";
import { PassThrough } from "node:stream";
import { createGunzip, createZstdDecompress } from "node:zlib";
import { invalid } from "../errors.ts";

export type Compression = "none" | "gzip" | "zstd" | "bzip2" | "xz";

/** Recognises a compression format by its magic bytes. */
export function detectCompression(head: Uint8Array): Compression {
  const b = head;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return "gzip";
  if (b.length >= 4 && b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return "zstd";
  if (b.length >= 3 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) return "bzip2";
  if (
    b.length >= 6 &&
    b[0] === 0xfd &&
    b[1] === 0x37 &&
    b[2] === 0x7a &&
    b[3] === 0x58 &&
    b[4] === 0x5a &&
    b[5] === 0
  )
    return "xz";
  return "none";
}

/**
 * Returns the input as a plain (uncompressed) stream, decompressing gzip or zstd as its first
 * bytes tell, like Docker's DecompressStream. Streams: nothing is buffered beyond the first chunk.
 * Errors of the input or of the decompressor come out on the returned stream.
 */
export async function decompressStream(input: NodeJS.ReadableStream): Promise<Readable> {
  const source = input as Readable;
  const head = await firstChunk(source);
  const kind = detectCompression(head ?? new Uint8Array());
  if (kind === "bzip2" || kind === "xz") {
    source.destroy();
    throw invalid(`unsupported layer compression: ${kind}`);
  }
  const out = kind === "gzip" ? createGunzip() : kind === "zstd" ? createZstdDecompress() : new PassThrough();
  source.on("error", (err) => out.destroy(err));
  if (head) out.write(head);
  source.pipe(out);
  return out;
}

/** Reads one chunk (or undefined at end) and leaves the stream paused with the rest unread. */
function firstChunk(source: Readable): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const done = (value: Buffer | undefined, err?: Error) => {
      source.off("readable", onReadable);
      source.off("end", onEnd);
      source.off("error", onError);
      if (err) reject(err);
      else resolve(value);
    };
    const onReadable = () => {
      const chunk = source.read() as Buffer | string | null;
      if (chunk !== null) done(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
    };
    const onEnd = () => done(undefined);
    const onError = (err: Error) => done(undefined, err);
    source.on("readable", onReadable);
    source.on("end", onEnd);
    source.on("error", onError);
  });
}
