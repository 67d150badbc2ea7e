import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { type FileHandle, open } from "node:fs/promises";
import { Writable } from "node:stream";
import { pullBuffersPassed } from "./buffer-pacer.ts";

/**
 * A file being downloaded, readable while it grows: the writer hashes what it is given and
 * writes it in batches of 1 MiB; a follower (`source`) reads it from the start and waits for
 * more, so a layer can be unpacked while it is still downloading. A follower that keeps up
 * takes the bytes not yet on disk from memory (the writer's batch); one that falls behind reads
 * the file until it catches up; either way into the follower's own buffers. The writer never waits for a follower: holding the download back to the
 * unpacking's pace was measured slower here (the connection stalls and restarts), and memory
 * stays bounded by the batch. The follower ends only when the writer is finished and verified,
 * and errors if the writer fails: a layer fed from a download that turns out bad never completes.
 */
/** write batches: big enough for few syscalls, small enough to keep memory flat */
const BATCH = 1024 * 1024;

/** Bytes read into the caller's buffer: 0 at the end. */
export interface ByteSource {
  read(into: Buffer): Promise<number>;
  /** Stops reading (idempotent): a read under way may still finish. */
  close(): void;
}

/** A file read from the start, into the caller's buffers. */
export function fileSource(path: string, onBytes?: (total: number) => void): ByteSource {
  let fh: Promise<FileHandle> | undefined;
  let offset = 0;
  let closed = false;
  return {
    read: async (into) => {
      if (closed) throw new Error(`reading ${path}: closed`);
      fh ??= open(path, "r");
      const f = await fh;
      const { bytesRead } = await f.read(into, 0, into.length, offset);
      offset += bytesRead;
      if (bytesRead > 0) onBytes?.(offset);
      else await f.close(); // the end
      return bytesRead;
    },
    close: () => {
      closed = true;
      void fh?.then((f) => f.close()).catch(() => {});
    },
  };
}

export class GrowingFile extends EventEmitter {
  /** where the bytes are: the temporary file, then (once verified) the blob's place */
  path: string;
  /** bytes on disk */
  written = 0;
  /** bytes received */
  received = 0;
  state: "writing" | "done" | "failed" = "writing";
  error?: Error;
  /** received bytes not yet on disk (queued or being written), in order, up to `received` */
  #pending: Array<{ at: number; buf: Buffer }> = [];

  constructor(path: string) {
    super();
    this.path = path;
    this.setMaxListeners(0);
  }

  /** Marks the end: done once the caller has verified the bytes, or failed. */
  finish(err?: Error): void {
    if (this.state !== "writing") return;
    this.state = err ? "failed" : "done";
    this.error = err;
    this.emit("change");
  }

  /** Where memory starts: the first byte still held. */
  get #memStart(): number {
    return this.#pending[0]?.at ?? this.received;
  }

  /** Drops what is on disk. */
  #trim(): void {
    while (this.#pending.length > 0 && this.#pending[0].at + this.#pending[0].buf.length <= this.written)
      this.#pending.shift();
  }

  /**
   * A Writable that hashes and writes into the file; `digest()` and `bytes` once it finished.
   * `onBytes` sees each total as data arrives (progress).
   */
  writer(onBytes?: (total: number) => void): Writable & { digest(): string; bytes: number } {
    const hash = createHash("sha256");
    let fh: FileHandle | undefined;
    let batch: Buffer[] = [];
    let queued = 0;
    let bytes = 0;
    const flush = async () => {
      fh ??= await open(this.path, "w");
      if (queued === 0) return;
      const bufs = batch;
      const n = queued;
      batch = [];
      queued = 0;
      await fh.writev(bufs);
      this.written += n;
      this.#trim();
      this.emit("change");
    };
    const w = new Writable({
      highWaterMark: BATCH,
      write: (chunk: Buffer, _enc, cb) => {
        hash.update(chunk);
        pullBuffersPassed(chunk.length);
        this.#pending.push({ at: this.received, buf: chunk });
        this.received += chunk.length;
        bytes += chunk.length;
        batch.push(chunk);
        queued += chunk.length;
        onBytes?.(bytes);
        this.emit("change");
        if (queued >= BATCH) flush().then(() => cb(), cb);
        else cb();
      },
      final: (cb) => {
        flush()
          .then(() => fh?.close())
          .then(() => cb(), cb);
      },
      destroy: (err, cb) => {
        void fh?.close().catch(() => {});
        cb(err);
      },
    });
    // (a getter: Object.assign would copy the count as it is now)
    Object.defineProperty(w, "bytes", { get: () => bytes });
    let digest: string | undefined;
    return Object.assign(w as Writable & { bytes: number }, {
      digest: () => {
        digest ??= `sha256:${hash.digest("hex")}`;
        return digest;
      },
    });
  }

  /**
   * Reads the file from the start as it grows, into buffers the reader gives (and may reuse:
   * nothing new is allocated per read, which spares the garbage collector a layer's worth of
   * buffers). `read` resolves to 0 at the end (writer done, everything read) and rejects with
   * the writer's error. `onBytes` sees the total read.
   */
  source(onBytes?: (total: number) => void): ByteSource {
    let fh: FileHandle | undefined;
    let offset = 0;
    let closed = false;
    const wait = () => new Promise<void>((resolve) => this.once("change", () => resolve()));
    const close = () => {
      closed = true;
      const f = fh;
      fh = undefined;
      void f?.close().catch(() => {});
    };
    return {
      read: async (into: Buffer): Promise<number> => {
        for (;;) {
          if (closed) throw new Error("the download's reader was closed");
          if (this.state === "failed") throw this.error ?? new Error("download failed");
          const copied = this.#copyFromMemory(offset, into);
          if (copied > 0) {
            offset += copied;
            onBytes?.(offset);
            return copied;
          }
          if (offset < this.written) {
            // the file may be renamed into the store meanwhile: then it is at the new path
            fh ??= await open(this.path, "r").catch(() => open(this.path, "r"));
            const want = Math.min(into.length, this.written - offset, this.#memStart - offset);
            const { bytesRead } = await fh.read(into, 0, want, offset);
            if (bytesRead === 0) throw new Error(`${this.path} is shorter than the bytes written to it`);
            offset += bytesRead;
            onBytes?.(offset);
            return bytesRead;
          }
          if (this.state === "done" && offset >= this.received) {
            close();
            return 0;
          }
          await wait();
        }
      },
      close,
    };
  }

  /** Copies bytes from offset that are in memory into `into`; how many (0: none there). */
  #copyFromMemory(offset: number, into: Buffer): number {
    if (offset < this.#memStart || offset >= this.received) return 0;
    let n = 0;
    for (const p of this.#pending) {
      if (n === into.length) break;
      const end = p.at + p.buf.length;
      if (offset + n >= end) continue;
      n += p.buf.copy(into, n, offset + n - p.at);
    }
    return n;
  }
}
