import assert from "node:assert/strict";
import { test } from "node:test";

// the pacer takes gc() from the global when it loads (bin/kapseld's --expose-gc)
const calls: string[] = [];
(globalThis as { gc?: unknown }).gc = (o: { type: string }) => calls.push(o.type);
const { buffersPassed } = await import("./buffer-pacer.ts");

test("a scavenge every 4 MB of buffers, and a full collection every 32 MB", () => {
  const MB = 1024 * 1024;
  for (let i = 0; i < 3; i++) buffersPassed(MB);
  assert.deepEqual(calls, [], "under 4 MB: nothing");
  buffersPassed(MB);
  assert.deepEqual(calls, ["minor"]);
  for (let i = 0; i < 28; i++) buffersPassed(MB);
  assert.deepEqual(calls, [...Array(7).fill("minor"), "major"]);
  // large buffers count whole: 8 MB at once is one collection, not two
  calls.length = 0;
  buffersPassed(8 * MB);
  assert.deepEqual(calls, ["minor"]);
});
