import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { gzipSync, zstdCompressSync } from "node:zlib";
import { decompressStream, detectCompression } from "./compression.ts";

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

test("detectCompression reads the magic bytes", () => {
  assert.equal(detectCompression(gzipSync("x")), "gzip");
  assert.equal(detectCompression(zstdCompressSync("x")), "zstd");
  assert.equal(detectCompression(Buffer.from("BZh91AY")), "bzip2");
  assert.equal(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0])), "xz");
  assert.equal(detectCompression(Buffer.from("plain tar")), "none");
  assert.equal(detectCompression(new Uint8Array()), "none");
});

test("decompressStream passes plain data through and inflates gzip and zstd", async () => {
  assert.equal(
    await text(await decompressStream(Readable.from([Buffer.from("plain "), Buffer.from("data")]))),
    "plain data",
  );
  assert.equal(await text(await decompressStream(Readable.from([gzipSync("gz data")]))), "gz data");
  assert.equal(
    await text(await decompressStream(Readable.from([zstdCompressSync("zstd data")]))),
    "zstd data",
  );
  assert.equal(await text(await decompressStream(Readable.from([]))), "");
});

test("decompressStream refuses what it cannot inflate", async () => {
  await assert.rejects(
    decompressStream(Readable.from([Buffer.from("BZh91AY")])),
    /unsupported layer compression: bzip2/,
  );
});
