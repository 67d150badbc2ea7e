import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import { type FileHandle, open } from "node:fs/promises";
import { Readable, Writable } from "node:stream";

/**
 * A file being downloaded, readable while it grows: the writer hashes what it is given and
 * writes it in batches of 512 KiB; a follower reads what is on disk so far and waits for
 * more, so a layer can be unpacked while it is still downloading. The follower ends only when
 * the writer is finished and verified, and errors if the writer fails: a layer fed from a
 * download that turns out bad never completes.
 */
/** write batches and read pieces: big enough for few syscalls, small enough to keep memory flat */
const BATCH = 512 * 1024;
const READ_SIZE = 256 * 1024;

export class GrowingFile extends EventEmitter {
  /** where the bytes are: the temporary file, then (once verified) the blob's place */
  path: string;
  /** bytes on disk */
  written = 0;
  state: "writing" | "done" | "failed" = "writing";
  error?: Error;

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

  /**
   * A Writable that hashes and writes into the file; `digest()` and `bytes` once it finished.
   * `onBytes` sees each total as data arrives (progress).
   */
  writer(onBytes?: (total: number) => void): Writable & { digest(): string; bytes: number } {
    const hash = createHash("sha256");
    let fh: FileHandle | undefined;
    let batch: Buffer[] = [];
    let batchSize = 0;
    let bytes = 0;
    const flush = async () => {
      fh ??= await open(this.path, "w");
      if (batch.length === 0) return;
      const b = batch;
      const n = batchSize;
      batch = [];
      batchSize = 0;
      await fh.writev(b);
      this.written += n;
      this.emit("change");
    };
    const w = new Writable({
      highWaterMark: BATCH,
      write: (chunk: Buffer, _enc, cb) => {
        hash.update(chunk);
        bytes += chunk.length;
        onBytes?.(bytes);
        batch.push(chunk);
        batchSize += chunk.length;
        if (batchSize >= BATCH) flush().then(() => cb(), cb);
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
   * Reads the file from the start as it grows. `onBytes` sees the total read. Ends when the
   * writer is done and everything was read; errors with the writer's error.
   */
  follow(onBytes?: (total: number) => void): Readable {
    let fh: FileHandle | undefined;
    let offset = 0;
    const wait = () => new Promise<void>((resolve) => this.once("change", () => resolve()));
    const rs: Readable = new Readable({
      highWaterMark: READ_SIZE,
      read: () => {
        void (async () => {
          try {
            for (;;) {
              if (this.state === "failed") throw this.error ?? new Error("download failed");
              if (offset < this.written) {
                // the file may be renamed into the store meanwhile: then it is at the new path
                fh ??= await open(this.path, "r").catch(() => open(this.path, "r"));
                const want = Math.min(READ_SIZE, this.written - offset);
                const buf = Buffer.allocUnsafe(want);
                const { bytesRead } = await fh.read(buf, 0, want, offset);
                offset += bytesRead;
                onBytes?.(offset);
                return void rs.push(buf.subarray(0, bytesRead));
              }
              if (this.state === "done") {
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
