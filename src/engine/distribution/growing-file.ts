import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { type FileHandle, open } from "node:fs/promises";
import { Readable, Writable } from "node:stream";

/**
 * A file being downloaded, readable while it grows: the writer hashes what it is given and
 * writes it in batches of 1 MiB; a follower reads it from the start and waits for more, so a
 * layer can be unpacked while it is still downloading. A follower that keeps up takes the
 * bytes not yet on disk from memory (the writer's batch); one that falls behind reads the file
 * until it catches up. The writer never waits for a follower: holding the download back to the
 * unpacking's pace was measured slower here (the connection stalls and restarts), and memory
 * stays bounded by the batch. The follower ends only when the writer is finished and verified,
 * and errors if the writer fails: a layer fed from a download that turns out bad never completes.
 */
/** write batches and disk reads: big enough for few syscalls, small enough to keep memory flat */
const BATCH = 1024 * 1024;
const READ_SIZE = 256 * 1024;

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

  /** Bytes from offset that are in memory (up to one chunk), or undefined. */
  #fromMemory(offset: number): Buffer | undefined {
    if (offset < this.#memStart || offset >= this.received) return undefined;
    for (const p of this.#pending) if (offset < p.at + p.buf.length) return p.buf.subarray(offset - p.at);
    return undefined;
  }

  /**
   * Reads the file from the start as it grows. `onBytes` sees the total read. Ends when the
   * writer is done and everything was read; errors with the writer's error.
   */
  follow(onBytes?: (total: number) => void): Readable {
    let fh: FileHandle | undefined;
    const me = { offset: 0 };
    const advance = (n: number) => {
      me.offset += n;
      onBytes?.(me.offset);
    };
    const wait = () => new Promise<void>((resolve) => this.once("change", () => resolve()));
    const rs: Readable = new Readable({
      highWaterMark: READ_SIZE,
      read: () => {
        void (async () => {
          try {
            for (;;) {
              if (this.state === "failed") throw this.error ?? new Error("download failed");
              const mem = this.#fromMemory(me.offset);
              if (mem) {
                advance(mem.length);
                return void rs.push(mem);
              }
              if (me.offset < this.written) {
                // the file may be renamed into the store meanwhile: then it is at the new path
                fh ??= await open(this.path, "r").catch(() => open(this.path, "r"));
                const want = Math.min(READ_SIZE, this.written - me.offset, this.#memStart - me.offset);
                const buf = Buffer.allocUnsafe(want);
                const { bytesRead } = await fh.read(buf, 0, want, me.offset);
                advance(bytesRead);
                return void rs.push(buf.subarray(0, bytesRead));
              }
              if (this.state === "done" && me.offset >= this.received) {
                await fh?.close();
                fh = undefined;
                return void rs.push(null);
              }
              await wait();
            }
          } catch (err) {
            rs.destroy(err as Error);
          }
        })();
      },
      destroy: (err, cb) => {
        void fh?.close().catch(() => {});
        cb(err);
      },
    });
    return rs;
  }
}
