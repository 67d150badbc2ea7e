import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
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

test("decompressStream inflates xz and bzip2 through the host's programs", async () => {
  const xz = execFileSync("xz", ["-c"], { input: "xz data" });
  const bz = execFileSync("bzip2", ["-c"], { input: "bzip2 data" });
  assert.equal(await text(await decompressStream(Readable.from([xz]))), "xz data");
  assert.equal(await text(await decompressStream(Readable.from([bz]))), "bzip2 data");
});

test("decompressStream reports corrupt data as invalid, naming the format", async () => {
  const gz = gzipSync("some data that is long enough to be cut");
  await assert.rejects(
    text(
      await decompressStream(Readable.from([Buffer.concat([gz.subarray(0, 10), Buffer.from("garbage!")])])),
    ),
    (err: Error & { kind?: string }) => err.kind === "invalid" && /^invalid gzip data: /.test(err.message),
  );
  const xz = execFileSync("xz", ["-c"], { input: "xz data" });
  await assert.rejects(
    text(await decompressStream(Readable.from([xz.subarray(0, 12)]))),
    /^KapselError: invalid xz data: |invalid xz data: /,
  );
});
