import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { posix } from "node:path";
import { after, test } from "node:test";
import { compareWithKept } from "./kept-compare.ts";

const dir = mkdtempSync("/tmp/kapsel-kept-compare-");
after(() => rmSync(dir, { recursive: true, force: true }));

const content = randomBytes(2_500_000);
const kept = posix.join(dir, "kept");
writeFileSync(kept, content);

async function* chunks(data: Buffer, size = 65_537): AsyncIterable<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

test("the same bytes: nothing is written", async () => {
  const r = await compareWithKept(chunks(content), kept, content.length, posix.join(dir, "same"));
  assert.deepEqual(r, { same: true });
});

for (const at of [0, 1_048_576, 2_499_999]) {
  test(`a difference at byte ${at}: the whole file is written and hashed`, async () => {
    const changed = Buffer.from(content);
    changed[at] ^= 0xff;
    const out = posix.join(dir, `changed-${at}`);
    const r = await compareWithKept(chunks(changed), kept, changed.length, out);
    assert.equal(r.same, false);
    if (r.same) return;
    await r.written;
    assert.ok(readFileSync(out).equals(changed));
    assert.equal(r.digest, createHash("sha256").update(changed).digest("hex"));
  });
}
