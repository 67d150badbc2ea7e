import assert from "node:assert/strict";
import { test } from "node:test";
import { byteProgress, humanSize, type ProgressMessage, progressBar, shortId } from "./progress.ts";

test("humanSize writes go-units' decimal sizes", () => {
  assert.equal(humanSize(512), "512B");
  assert.equal(humanSize(32768), "32.77kB");
  assert.equal(humanSize(1_081_000), "1.081MB");
  assert.equal(humanSize(64 * 1024 * 1024), "67.11MB");
});

test("progressBar draws Docker's bar and counts", () => {
  assert.equal(progressBar(0, 0), "");
  assert.equal(progressBar(50, 100), `[${"=".repeat(25)}>${" ".repeat(25)}]      50B/100B`);
  assert.equal(progressBar(100, 100), `[${"=".repeat(50)}>]     100B/100B`);
});

test("byteProgress reports at most every 100 ms and always the final count", () => {
  const seen: ProgressMessage[] = [];
  let t = 1000;
  const p = byteProgress(
    (m) => seen.push(m),
    "abc",
    "Downloading",
    300,
    () => t,
  );
  p.tick(100);
  p.tick(200);
  t += 150;
  p.tick(250);
  p.tick(300);
  p.done();
  assert.deepEqual(
    seen.map((m) => m.progressDetail?.current),
    [100, 250, 300],
  );
  assert.equal(seen[0].status, "Downloading");
  assert.equal(seen[0].id, "abc");
  assert.equal(shortId(`sha256:${"f".repeat(64)}`), "ffffffffffff");
});
