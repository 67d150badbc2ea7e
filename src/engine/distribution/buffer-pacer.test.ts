import assert from "node:assert/strict";
import { test } from "node:test";
import { bufferPacer } from "./buffer-pacer.ts";

const MB = 1024 * 1024;

test("a scavenge every 4 MB of buffers that went by", () => {
  const calls: string[] = [];
  const passed = bufferPacer(
    (o) => calls.push(o.type),
    () => 10 * MB,
  );
  for (let i = 0; i < 3; i++) passed(MB);
  assert.deepEqual(calls, [], "under 4 MB: nothing");
  passed(MB);
  assert.deepEqual(calls, ["minor"]);
  // a large buffer counts whole: 8 MB at once is one collection, not two
  passed(8 * MB);
  assert.deepEqual(calls, ["minor", "minor"]);
});

test("a full collection once the memory held in buffers grew 16 MB over its low point", () => {
  const calls: string[] = [];
  let held = 20 * MB;
  const passed = bufferPacer(
    (o) => calls.push(o.type),
    () => held,
  );
  passed(4 * MB);
  held = 12 * MB; // the low point
  passed(4 * MB);
  held = 28 * MB; // 16 MB over it: not more than
  passed(4 * MB);
  assert.deepEqual(calls, ["minor", "minor", "minor"]);
  held = 29 * MB;
  passed(4 * MB);
  assert.deepEqual(calls.at(-1), "major");
  // after it, the low point is measured again
  held = 30 * MB;
  passed(4 * MB);
  held = 40 * MB;
  passed(4 * MB);
  assert.deepEqual(calls.slice(4), ["minor", "minor"]);
});

test("without gc() (Node started without --expose-gc) nothing is collected or measured", () => {
  let measured = 0;
  const passed = bufferPacer(undefined, () => ++measured);
  for (let i = 0; i < 20; i++) passed(4 * MB);
  assert.equal(measured, 0);
});

test("a pacer of its own pace: a pull's scavenges every 8 MB, full collections at 24 MB of growth", () => {
  const calls: string[] = [];
  let held = 10 * MB;
  const passed = bufferPacer(
    (o) => calls.push(o.type),
    () => held,
    { pace: 8 * MB, heldGrowth: 24 * MB },
  );
  passed(4 * MB);
  assert.deepEqual(calls, []);
  passed(4 * MB);
  held = 34 * MB; // 24 MB over the low point: not more than
  passed(8 * MB);
  held = 35 * MB;
  passed(8 * MB);
  assert.deepEqual(calls, ["minor", "minor", "major"]);
});
