import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import { decompressSource } from "./decompress.ts";
import { type ByteSource, fileSource, GrowingFile } from "./growing-file.ts";

async function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function* trickle(bytes: Buffer, piece: number, pauseEvery: number): AsyncGenerator<Buffer> {
  for (let i = 0, n = 0; i < bytes.length; i += piece, n++) {
    // copies, as a socket gives fresh buffers
    yield Buffer.from(bytes.subarray(i, i + piece));
    if (n % pauseEvery === 0) await sleep(1);
  }
}

/** Reads a ByteSource to its end through one reused buffer, pausing every few reads. */
async function drainSource(src: ByteSource, pauseEvery = 0): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(100_000);
  const out: Buffer[] = [];
  for (let i = 1; ; i++) {
    const n = await src.read(buf);
    if (n === 0) return Buffer.concat(out);
    out.push(Buffer.from(buf.subarray(0, n)));
    if (pauseEvery && i % pauseEvery === 0) await sleep(5);
  }
}

test("sources into the reader's own buffer: from memory, from the file once behind, and after the end", async () => {
  const dir = mkdtempSync("/tmp/kgrow-");
  try {
    const bytes = randomBytes(6 * 1024 * 1024 + 77);
    const file = new GrowingFile(join(dir, "blob"));
    const writer = file.writer();
    let seen = 0;
    const fast = drainSource(file.source((n) => (seen = n)));
    const slow = drainSource(file.source(), 2);
    await pipeline(Readable.from(trickle(bytes, 64 * 1024, 8)), writer);
    file.finish();
    for (const got of await Promise.all([fast, slow])) assert.ok(got.equals(bytes));
    assert.equal(seen, bytes.length);
    assert.ok((await drainSource(file.source())).equals(bytes), "after the end");
    assert.ok((await drainSource(fileSource(join(dir, "blob")))).equals(bytes), "a file source");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a source fails with the download's failure", async () => {
  const dir = mkdtempSync("/tmp/kgrow-");
  try {
    const file = new GrowingFile(join(dir, "blob"));
    const writer = file.writer();
    const reading = drainSource(file.source());
    writer.write(Buffer.alloc(1000));
    await sleep(10);
    file.finish(new Error("bad digest"));
    await assert.rejects(reading, /bad digest/);
    writer.destroy();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("decompressSource inflates gzip read into reused buffers, and passes a plain tar on", async () => {
  const dir = mkdtempSync("/tmp/kgrow-");
  try {
    const plain = Buffer.concat([randomBytes(3 * 1024 * 1024), Buffer.alloc(2 * 1024 * 1024, 7)]);
    for (const [name, body] of [
      ["gz", gzipSync(plain, { level: 1 })],
      ["plain", plain],
    ] as const) {
      writeFileSync(join(dir, name), body);
      const feed = decompressSource(fileSource(join(dir, name)));
      assert.ok((await readAll(feed.tar)).equals(plain), name);
      assert.equal(feed.failure(), undefined);
    }
    writeFileSync(join(dir, "bad"), Buffer.concat([gzipSync(plain).subarray(0, 5000), Buffer.alloc(100)]));
    const bad = decompressSource(fileSource(join(dir, "bad")));
    await readAll(bad.tar);
    assert.match(String(bad.failure()), /unexpected end|incorrect|invalid/i);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the writer never waits for a source; one that stalled catches up from the file", async () => {
  const dir = mkdtempSync("/tmp/kgrow-");
  try {
    const bytes = randomBytes(12 * 1024 * 1024);
    const file = new GrowingFile(join(dir, "blob"));
    const writer = file.writer();
    const stalled = file.source();
    const first = Buffer.alloc(65536);
    const firstRead = stalled.read(first); // waits for the first bytes, then nothing more is read
    await pipeline(Readable.from(trickle(bytes, 64 * 1024, 16)), writer);
    assert.equal(file.written, bytes.length);
    const n = await firstRead;
    const rest = drainSource(stalled);
    file.finish();
    assert.ok(Buffer.concat([first.subarray(0, n), await rest]).equals(bytes));
    assert.equal(writer.digest(), `sha256:${createHash("sha256").update(bytes).digest("hex")}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
