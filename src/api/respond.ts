import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

export function sendNoContent(res: ServerResponse, status = 204): void {
  res.writeHead(status);
  res.end();
}

/** Streams a Readable as the body; the stream is destroyed when the client goes away. */
export async function sendStream(res: ServerResponse, contentType: string, body: Readable): Promise<void> {
  res.writeHead(200, { "Content-Type": contentType });
  res.flushHeaders();
  await pipeline(body, res).catch(() => {
    body.destroy();
  });
}

/**
 * A JSON-lines stream (progress, events) that respects backpressure: `write` waits for drain.
 * `closed` is aborted when the client disconnects.
 */
export function jsonLines(res: ServerResponse, contentType = "application/json") {
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  if (!res.headersSent) {
    res.writeHead(200, { "Content-Type": contentType });
    res.flushHeaders();
  }
  return {
    signal: abort.signal,
    async write(value: unknown): Promise<void> {
      if (res.destroyed || res.writableEnded) return;
      if (!res.write(`${JSON.stringify(value)}\n`)) await drained(res);
    },
    end(): void {
      if (!res.writableEnded) res.end();
    },
  };
}

/** Waits until a writable can take more data, or is gone; leaves no listener behind. */
export function drained(w: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      w.off("drain", done);
      w.off("close", done);
      resolve();
    };
    w.on("drain", done);
    w.on("close", done);
  });
}
