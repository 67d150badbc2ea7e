import { createHash } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { invalid } from "../lib/errors.ts";
import type { Hijacked } from "./hijack.ts";
import type { RouteContext, Upgrade } from "./router.ts";

/**
 * The server side of a WebSocket (RFC 6455), as much as Docker's attach over a websocket
 * (GET /containers/{id}/attach/ws) needs: the handshake, the client's masked frames read as one
 * byte stream, what is written sent back as frames, ping answered, close honoured. moby serves
 * this with golang.org/x/net/websocket, without an Origin check and without extensions.
 */

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;
/** Frames bigger than this from a client are refused (Docker's stdin comes in small pieces). */
const MAX_FRAME = 16 * 1024 * 1024;

export function acceptKey(key: string): string {
  return createHash("sha1")
    .update(key + GUID)
    .digest("base64");
}

/** An unmasked, final server frame. */
export function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = Buffer.alloc(len < 126 ? 2 : len < 65_536 ? 4 : 10);
  head[0] = 0x80 | opcode;
  if (len < 126) head[1] = len;
  else if (len < 65_536) {
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

export interface Frame {
  opcode: number;
  payload: Buffer;
}

/** Cuts a client's byte stream into frames, unmasking them; throws on a malformed one. */
export class FrameDecoder {
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      const b = this.#buf;
      if (b.length < 2) break;
      const masked = (b[1] & 0x80) !== 0;
      let len = b[1] & 0x7f;
      let at = 2;
      if (len === 126) {
        if (b.length < 4) break;
        len = b.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (b.length < 10) break;
        const big = b.readBigUInt64BE(2);
        if (big > BigInt(MAX_FRAME)) throw invalid("websocket frame too large");
        len = Number(big);
        at = 10;
      }
      if (len > MAX_FRAME) throw invalid("websocket frame too large");
      if (!masked) throw invalid("websocket client frames must be masked");
      if (b.length < at + 4 + len) break;
      const mask = b.subarray(at, at + 4);
      const payload = Buffer.from(b.subarray(at + 4, at + 4 + len));
      for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
      frames.push({ opcode: b[0] & 0x0f, payload });
      this.#buf = b.subarray(at + 4 + len);
    }
    return frames;
  }
}

/** Throws invalid unless the request asks for a WebSocket this server speaks (version 13). */
export function checkWebsocketUpgrade(ctx: RouteContext): { upgrade: Upgrade; key: string } {
  const upgrade = ctx.upgrade;
  const key = ctx.req.headers["sec-websocket-key"];
  if (!upgrade || String(ctx.req.headers.upgrade).toLowerCase() !== "websocket" || typeof key !== "string")
    throw invalid("a websocket upgrade is required");
  if (ctx.req.headers["sec-websocket-version"] !== "13") throw invalid("unsupported websocket version");
  return { upgrade, key };
}

/**
 * Answers the upgrade with the handshake and hands over the connection: `input` carries the
 * payloads of the client's data frames, what is written to `output` goes out as binary frames
 * (text frames for API versions before 1.28, as moby sends them).
 */
export function websocketHijack(ctx: RouteContext): Hijacked {
  const { upgrade, key } = checkWebsocketUpgrade(ctx);
  const socket = upgrade.socket;
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
  );
  const dataOp = ctx.version >= 1.28 ? OP.binary : OP.text;
  let closing = false;
  const close = () => {
    if (closing) return;
    closing = true;
    socket.end(encodeFrame(OP.close, Buffer.alloc(0)));
  };
  const input = new Readable({ read: () => void socket.resume() });
  let inputEnded = false;
  const endInput = () => {
    if (inputEnded) return;
    inputEnded = true;
    input.push(null);
  };
  const decoder = new FrameDecoder();
  const onData = (chunk: Buffer) => {
    let frames: Frame[];
    try {
      frames = decoder.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const f of frames) {
      if (f.opcode === OP.close) {
        endInput();
        close();
      } else if (f.opcode === OP.ping) socket.write(encodeFrame(OP.pong, f.payload));
      else if (f.opcode === OP.text || f.opcode === OP.binary || f.opcode === OP.continuation) {
        if (!inputEnded && f.payload.length > 0 && !input.push(f.payload)) socket.pause();
      }
    }
  };
  socket.on("data", onData);
  if (upgrade.head.length > 0) onData(upgrade.head);
  socket.once("end", endInput);
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (closing || socket.destroyed) return done();
      socket.write(encodeFrame(dataOp, chunk), () => done());
    },
    final(done) {
      close();
      done();
    },
  });
  const closed = new Promise<void>((resolve) => {
    socket.once("close", () => {
      endInput();
      resolve();
    });
    socket.once("error", () => resolve());
  });
  return { output, input, closed };
}
