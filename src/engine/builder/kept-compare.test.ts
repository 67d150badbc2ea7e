import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { posix } from "node:path";
import { after, test } from "node:test";
import { compareWithKept } from "./kept-compare.ts";

const dir = mkdtempSync("/tmp/kapsel-kept-compare-");
after(() => rmSync(dir, { recursive: true, force: true }));

const content = randomBytes(2_500_000);
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const kept = { path: posix.join(dir, "kept"), digest: sha256(content) };
writeFileSync(kept.path, content);

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
    assert.equal(r.digest, sha256(changed));
  });
}

test("a small file is told apart by its digest", async () => {
  const small = Buffer.from("FROM a\n");
  const smallKept = { path: posix.join(dir, "missing"), digest: sha256(small) };
  assert.deepEqual(await compareWithKept(chunks(small), smallKept, small.length, posix.join(dir, "s1")), {
    same: true,
  });
  const other = Buffer.from("FROM b\n");
  const r = await compareWithKept(chunks(other), smallKept, other.length, posix.join(dir, "s2"));
  assert.equal(r.same, false);
  if (r.same) return;
  await r.written;
  assert.equal(readFileSync(posix.join(dir, "s2"), "utf8"), "FROM b\n");
  assert.equal(r.digest, sha256(other));
});
