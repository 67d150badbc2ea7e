import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { GrowingFile } from "./growing-file.ts";

async function readAll(r: Readable, delayEvery = 0): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) {
    chunks.push(c as Buffer);
    if (delayEvery && chunks.length % delayEvery === 0) await sleep(5);
  }
  return Buffer.concat(chunks);
}

async function* trickle(bytes: Buffer, piece: number, pauseEvery: number): AsyncGenerator<Buffer> {
  for (let i = 0, n = 0; i < bytes.length; i += piece, n++) {
    // copies, as a socket gives fresh buffers
    yield Buffer.from(bytes.subarray(i, i + piece));
    if (n % pauseEvery === 0) await sleep(1);
  }
}

test("followers that keep up, fall behind or start late all read the bytes written, in order", async () => {
  const dir = mkdtempSync("/tmp/kgrow-");
  try {
    const bytes = randomBytes(5 * 1024 * 1024 + 123);
    const file = new GrowingFile(join(dir, "blob"));
    const writer = file.writer();
    const fast = readAll(file.follow());
    const slow = readAll(file.follow(), 3);
    const writing = pipeline(Readable.from(trickle(bytes, 64 * 1024, 8)), writer);
    await sleep(20);
    const late = readAll(file.follow());
    await writing;
    file.finish();
    for (const got of await Promise.all([fast, slow, late])) assert.ok(got.equals(bytes));
    assert.equal(writer.digest(), `sha256:${createHash("sha256").update(bytes).digest("hex")}`);
    assert.ok(readFileSync(join(dir, "blob")).equals(bytes));
    assert.ok((await readAll(file.follow())).equals(bytes), "after the end");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a follower fails with the download's failure", async () => {
  const dir = mkdtempSync("/tmp/kgrow-");
  try {
    const file = new GrowingFile(join(dir, "blob"));
    const writer = file.writer();
    const following = readAll(file.follow());
    writer.write(Buffer.alloc(1000));
    await sleep(10);
    file.finish(new Error("bad digest"));
    await assert.rejects(following, /bad digest/);
    writer.destroy();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the writer never waits for a follower; one that stalled catches up from the file", async () => {
  const dir = mkdtempSync("/tmp/kgrow-");
  try {
    const bytes = randomBytes(12 * 1024 * 1024);
    const file = new GrowingFile(join(dir, "blob"));
    const writer = file.writer();
    const stalled = file.follow();
    let first: Buffer = Buffer.alloc(0);
    stalled.once("data", (c: Buffer) => {
      first = c;
      stalled.pause(); // reads one chunk, then stops
    });
    await pipeline(Readable.from(trickle(bytes, 64 * 1024, 16)), writer);
    assert.equal(file.written, bytes.length);
    const rest = readAll(stalled);
    file.finish();
    assert.ok(Buffer.concat([first, await rest]).equals(bytes));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
