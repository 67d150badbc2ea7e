import { spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { PassThrough } from "node:stream";
import type * as Zlib from "node:zlib";
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
 * Returns the input as a plain (uncompressed) stream, decompressing as its first bytes tell, like
 * Docker's DecompressStream: gzip and zstd in process, xz and bzip2 through the host's `xz` and
 * `bzip2` (Docker also runs `xz`). Streams: nothing is buffered beyond the first chunk. Errors of
 * the input come out on the returned stream as they are; corrupt compressed data as
 * invalid("invalid gzip data: ..."), so that a user sees what was wrong with the file.
 */
export async function decompressStream(input: NodeJS.ReadableStream): Promise<Readable> {
  const out = await decompress(input as Readable);
  // A consumer may attach its listeners only after some async work (preparing a layer folder);
  // an error before then must not crash the daemon. It is not lost: the stream stays `errored`,
  // and pipeline or async iteration over it throws it.
  out.on("error", () => {});
  return out;
}

async function decompress(source: Readable): Promise<Readable> {
  const head = await firstChunk(source);
  const kind = detectCompression(head ?? new Uint8Array());
  if (kind === "none") {
    const out = new PassThrough();
    source.on("error", (err) => out.destroy(err));
    if (head) out.write(head);
    source.pipe(out);
    return out;
  }
  if (kind === "xz" || kind === "bzip2") return external(kind, source, head);
  // 256 KiB chunks: zlib's 16 KiB default makes gunzip several times slower
  // zlib loads on the first compressed input: an idle kapseld need not carry it (about 1.3 MB)
  const { createGunzip, createZstdDecompress } = process.getBuiltinModule("node:zlib") as typeof Zlib;
  const dec =
    kind === "gzip"
      ? createGunzip({ chunkSize: 256 * 1024 })
      : createZstdDecompress({ chunkSize: 256 * 1024 });
  const out = new PassThrough();
  source.on("error", (err) => out.destroy(err));
  dec.on("error", (err) => out.destroy(invalid(`invalid ${kind} data: ${err.message}`, err)));
  if (head) dec.write(head);
  source.pipe(dec).pipe(out);
  return out;
}

/** Decompresses through `xz -dc` or `bzip2 -dc`; the output ends only once the program exited 0. */
function external(kind: "xz" | "bzip2", source: Readable, head: Buffer | undefined): Readable {
  const out = new PassThrough();
  const child = spawn(kind, ["-d", "-c"], { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  child.on("error", (err: NodeJS.ErrnoException) => {
    source.destroy();
    out.destroy(
      err.code === "ENOENT"
        ? invalid(`unsupported layer compression: ${kind} (no ${kind} program on this host)`)
        : err,
    );
  });
  child.on("close", (code) => {
    if (code === 0) out.end();
    else if (code !== null || !out.destroyed) {
      const why = stderr.trim().replace(/^[^:]*: \(stdin\): /, "") || `${kind} exited with ${code}`;
      out.destroy(invalid(`invalid ${kind} data: ${why}`));
    }
  });
  // the program may stop reading early (bad data): its closed stdin is not our error
  child.stdin.on("error", () => {});
  source.on("error", (err) => {
    child.kill();
    out.destroy(err);
  });
  out.on("close", () => {
    if (child.exitCode === null) child.kill();
  });
  if (head) child.stdin.write(head);
  source.pipe(child.stdin);
  child.stdout.pipe(out, { end: false });
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
