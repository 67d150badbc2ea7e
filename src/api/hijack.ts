import type { Duplex, Readable, Writable } from "node:stream";
import { invalid } from "../lib/errors.ts";
import type { RouteContext, Upgrade } from "./router.ts";

/** The two halves of a hijacked attach/exec connection. `input` is absent without an upgrade. */
export interface Hijacked {
  output: Writable;
  input?: Readable;
  /** resolves when the client has gone away (both directions closed or the socket errored) */
  closed: Promise<void>;
}

/**
 * Reads the JSON body of an upgraded request (exec start sends one) from the bytes after the
 * headers; anything beyond Content-Length is stdin and is pushed back onto the socket.
 */
export async function readUpgradeBody<T>(ctx: RouteContext, fallback: T): Promise<T> {
  const upgrade = ctx.upgrade;
  if (!upgrade) {
    const { readJson } = await import("./request.ts");
    return readJson(ctx.req, fallback);
  }
  const text = (await takeUpgradeBody(upgrade, ctx)).toString("utf8").trim();
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw invalid(`invalid JSON: ${(err as Error).message}`);
  }
}

/**
 * Takes the request body (Content-Length bytes) off an upgraded connection, so it is not taken
 * for stdin: dockerode sends its attach options as a JSON body, which Docker never reads.
 */
export async function discardUpgradeBody(ctx: RouteContext): Promise<void> {
  if (ctx.upgrade) await takeUpgradeBody(ctx.upgrade, ctx);
}

async function takeUpgradeBody(upgrade: Upgrade, ctx: RouteContext): Promise<Buffer> {
  const length = Number(ctx.req.headers["content-length"] ?? 0);
  const socket = upgrade.socket;
  let buf = upgrade.head;
  // read() in paused mode, not a 'data' listener plus pause(): an explicit pause() would keep
  // the socket from flowing when the route later listens for stdin (the docker CLI sends the
  // body apart from the headers, and its typed input was then never read)
  while (buf.length < length) {
    const chunk = socket.read() as Buffer | null;
    if (chunk) {
      buf = Buffer.concat([buf, chunk]);
      continue;
    }
    if (socket.readableEnded || socket.destroyed) break;
    await new Promise<void>((resolve) => {
      const done = () => {
        socket.off("readable", done);
        socket.off("end", done);
        socket.off("close", done);
        resolve();
      };
      socket.on("readable", done);
      socket.on("end", done);
      socket.on("close", done);
    });
  }
  upgrade.head = buf.subarray(length);
  return buf.subarray(0, length);
}

/**
 * Answers 101 and hands the raw connection over; without an upgrade header, answers 200 and
 * streams output only (dockerode's non-hijacked attach).
 */
export function hijack(ctx: RouteContext, multiplexed: boolean): Hijacked {
  const contentType = multiplexed
    ? "application/vnd.docker.multiplexed-stream"
    : "application/vnd.docker.raw-stream";
  const upgrade = ctx.upgrade;
  if (upgrade) {
    const socket = upgrade.socket;
    socket.write(
      `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nApi-Version: 1.50\r\n\r\n`,
    );
    if (upgrade.head.length > 0) socket.unshift(upgrade.head);
    const closed = new Promise<void>((resolve) => {
      socket.once("close", () => resolve());
      socket.once("error", () => resolve());
    });
    return { output: socket, input: socket, closed };
  }
  const res = ctx.res;
  res.writeHead(200, { "Content-Type": contentType });
  res.flushHeaders();
  const closed = new Promise<void>((resolve) => res.once("close", () => resolve()));
  return { output: res, closed };
}

export type { Duplex };
