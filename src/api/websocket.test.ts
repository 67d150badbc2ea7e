import assert from "node:assert/strict";
import { test } from "node:test";
import { acceptKey, encodeFrame, FrameDecoder } from "./websocket.ts";

/** A client frame: masked, as RFC 6455 requires of clients. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const server = encodeFrame(opcode, payload);
  const headLen = server.length - payload.length;
  const head = Buffer.from(server.subarray(0, headLen));
  head[1] |= 0x80;
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i & 3]));
  return Buffer.concat([head, mask, body]);
}

test("the handshake key is RFC 6455's example", () => {
  assert.equal(acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
});

test("frames come out whole, unmasked, whatever the chunking; 16- and 64-bit lengths", () => {
  const big = Buffer.alloc(70_000, 7);
  const bytes = Buffer.concat([
    clientFrame(0x1, Buffer.from("hi")),
    clientFrame(0x2, Buffer.alloc(300, 1)),
    clientFrame(0x2, big),
    clientFrame(0x8, Buffer.alloc(0)),
  ]);
  const d = new FrameDecoder();
  const frames = [];
  for (let i = 0; i < bytes.length; i += 1000) frames.push(...d.push(bytes.subarray(i, i + 1000)));
  assert.deepEqual(
    frames.map((f) => [f.opcode, f.payload.length]),
    [
      [1, 2],
      [2, 300],
      [2, 70_000],
      [8, 0],
    ],
  );
  assert.equal(frames[0].payload.toString(), "hi");
  assert.ok(frames[2].payload.equals(big));
});

test("an unmasked client frame is refused", () => {
  assert.throws(() => new FrameDecoder().push(encodeFrame(0x1, Buffer.from("x"))), /masked/);
});
