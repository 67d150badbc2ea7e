/**
 * Docker's stdout/stderr multiplexing ("stdcopy"), used on attach, exec and logs streams of
 * containers without a TTY. Each frame is an 8-byte header, then the payload:
 *
 *   [stream, 0, 0, 0, size(uint32 big-endian)] payload...
 *
 * stream is 0 stdin (written to stdout), 1 stdout, 2 stderr, 3 systemErr (an error message from
 * the daemon that ends the stream). The daemon frames with `encodeFrame`; clients split with
 * `StdcopyDecoder` or `demuxStdcopy`. Payloads are passed on as they arrive, so a large frame is
 * never held whole in memory.
 */
import type { Writable } from "node:stream";

export type StdStream = 0 | 1 | 2 | 3;
export const STDIN: StdStream = 0;
export const STDOUT: StdStream = 1;
export const STDERR: StdStream = 2;
export const SYSTEMERR: StdStream = 3;

const HEADER_LEN = 8;
const MAX_FRAME = 0xffffffff;

/** One frame: the 8-byte header followed by the payload. Payloads over 4 GiB are split. */
export function encodeFrame(stream: StdStream, payload: Buffer | string): Buffer {
  const data = typeof payload === "string" ? Buffer.from(payload) : payload;
  if (data.length <= MAX_FRAME) return Buffer.concat([header(stream, data.length), data]);
  const parts: Buffer[] = [];
  for (let off = 0; off < data.length; off += MAX_FRAME) {
    const piece = data.subarray(off, off + MAX_FRAME);
    parts.push(header(stream, piece.length), piece);
  }
  return Buffer.concat(parts);
}

function header(stream: StdStream, size: number): Buffer {
  const h = Buffer.alloc(HEADER_LEN);
  h[0] = stream;
  h.writeUInt32BE(size, 4);
  return h;
}

/** A piece of a frame's payload; one frame may arrive as several pieces. */
export interface StdcopyChunk {
  stream: StdStream;
  data: Buffer;
}

/**
 * Incremental frame parser: feed it bytes as they come off the wire, get payload pieces back.
 * Throws on a stream byte other than 0-3 (the input is not multiplexed).
 */
export class StdcopyDecoder {
  #header = Buffer.alloc(HEADER_LEN);
  #headerFill = 0;
  #stream: StdStream = STDOUT;
  #remaining = 0;

  push(chunk: Buffer): StdcopyChunk[] {
    const out: StdcopyChunk[] = [];
    let off = 0;
    while (off < chunk.length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, chunk.length - off);
        out.push({ stream: this.#stream, data: chunk.subarray(off, off + take) });
        this.#remaining -= take;
        off += take;
        continue;
      }
      const take = Math.min(HEADER_LEN - this.#headerFill, chunk.length - off);
      chunk.copy(this.#header, this.#headerFill, off, off + take);
      this.#headerFill += take;
      off += take;
      if (this.#headerFill < HEADER_LEN) break;
      this.#headerFill = 0;
      const stream = this.#header[0];
      if (stream > 3) throw new Error(`Unrecognized input header: ${stream}`);
      this.#stream = stream as StdStream;
      this.#remaining = this.#header.readUInt32BE(4);
    }
    return out;
  }

  /** True when the input ended cleanly between frames. */
  get atBoundary(): boolean {
    return this.#headerFill === 0 && this.#remaining === 0;
  }
}

/**
 * Copies a multiplexed stream to stdout and stderr until it ends, waiting for drain when a
 * destination is full. stdin frames go to stdout, as Docker's StdCopy does. A systemErr frame
 * ends the copy with an Error carrying its text. Neither destination is ended.
 * Returns the number of payload bytes written.
 */
export async function demuxStdcopy(
  source: AsyncIterable<Buffer | string>,
  stdout: Writable | null,
  stderr: Writable | null,
): Promise<number> {
  const decoder = new StdcopyDecoder();
  let written = 0;
  let systemErr: Buffer[] | null = null;
  for await (const raw of source) {
    const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
    for (const { stream, data } of decoder.push(chunk)) {
      if (stream === SYSTEMERR) {
        (systemErr ??= []).push(data);
        continue;
      }
      const dest = stream === STDERR ? stderr : stdout;
      if (!dest) continue;
      written += data.length;
      if (!dest.write(data)) await drained(dest);
    }
    if (systemErr && decoder.atBoundary) break;
  }
  if (systemErr) throw new Error(Buffer.concat(systemErr).toString());
  return written;
}

function drained(dest: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      dest.off("drain", onDrain);
      dest.off("error", done);
      dest.off("close", onDrain);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    dest.once("drain", onDrain);
    dest.once("error", done);
    dest.once("close", onDrain);
  });
}
