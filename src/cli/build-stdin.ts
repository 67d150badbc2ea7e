import { Readable } from "node:stream";
import { detectCompression } from "../lib/tar/compression.ts";
import { packStream } from "../lib/tar/pack-stream.ts";
import { DEFAULT_DOCKERFILE } from "./build-context.ts";

/**
 * `docker build -`: stdin is a context archive (tar, maybe compressed) sent as it is, or a bare
 * Dockerfile, sent as a one-file context (docker/cli build/context.go GetContextFromReader).
 * Only the first 1024 bytes are read ahead to tell which.
 */

const HEAD = 1024;

/** Docker's IsArchive: compressed, or a first tar header with a valid checksum. */
export function isArchive(head: Uint8Array): boolean {
  if (detectCompression(head) !== "none") return true;
  return isTarHeader(head.subarray(0, 512));
}

/** A tar header block: not all zeros, and the checksum field matches the (unsigned or signed) sum. */
export function isTarHeader(block: Uint8Array): boolean {
  if (block.length < 512 || block.every((b) => b === 0)) return false;
  const field = Buffer.from(block.subarray(148, 156))
    .toString("latin1")
    .replace(/[\0 ]+$/, "")
    .replace(/^ +/, "");
  if (!/^[0-7]+$/.test(field)) return false;
  const want = Number.parseInt(field, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return want === unsigned || want === signed;
}

export interface StdinContext {
  /** the body to send */
  body: Readable;
  /** the Dockerfile's name in it ("" lets the daemon choose) */
  dockerfile: string;
}

/** Reads ahead, then gives the whole input back as one stream. */
export async function peek(input: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = input[Symbol.asyncIterator]();
  let done = false;
  while (size < n) {
    const r = await iterator.next();
    if (r.done) {
      done = true;
      break;
    }
    const chunk = typeof r.value === "string" ? Buffer.from(r.value) : (r.value as Buffer);
    chunks.push(chunk);
    size += chunk.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest(): AsyncGenerator<Buffer> {
    yield head;
    if (done) return;
    while (true) {
      const r = await iterator.next();
      if (r.done) return;
      yield typeof r.value === "string" ? Buffer.from(r.value) : (r.value as Buffer);
    }
  }
  return { head, stream: Readable.from(rest(), { objectMode: false }) };
}

/** GetContextFromReader: an archive goes as it is; a Dockerfile becomes a context of its own. */
export async function contextFromStdin(input: Readable, dockerfileName: string): Promise<StdinContext> {
  const { head, stream } = await peek(input, HEAD);
  if (isArchive(head)) return { body: stream, dockerfile: dockerfileName };
  if (dockerfileName === "-") throw new Error("build context is not an archive");
  if (dockerfileName !== "")
    throw new Error("ambiguous Dockerfile source: both stdin and flag correspond to Dockerfiles");
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const content = Buffer.concat(chunks);
  // as docker's temporary file: created now, 0666 less the umask, owned by whoever runs the build
  const mode = 0o666 & ~process.umask();
  const mtime = new Date(Math.floor(Date.now() / 1000) * 1000);
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const body = packStream(async (add) => {
    await add(
      { name: DEFAULT_DOCKERFILE, type: "file", mode, uid, gid, mtime, size: content.length },
      content,
    );
  });
  return { body, dockerfile: DEFAULT_DOCKERFILE };
}
