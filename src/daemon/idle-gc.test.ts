import assert from "node:assert/strict";
import { test } from "node:test";
import { idleCollector } from "./idle-gc.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("the idle collector runs a memory-reducing GC only once the API has gone quiet", async () => {
  const g = globalThis as { gc?: unknown };
  const saved = g.gc;
  const calls: unknown[] = [];
  g.gc = (options: unknown) => calls.push(options);
  const idle = idleCollector(150);
  try {
    await sleep(200);
    assert.equal(calls.length, 0, "nothing happened yet: nothing to give back");
    // busy: activity every 10 ms for 300 ms never leaves a quiet 150 ms
    for (let i = 0; i < 30; i++) {
      idle.activity();
      await sleep(10);
    }
    assert.equal(calls.length, 0, "no GC while requests keep coming");
    await sleep(300);
    assert.deepEqual(calls, [{ type: "major", execution: "sync", flavor: "last-resort" }]);
    // quiet on: the later checks collect again only when the heap grew, and here it did not
    await sleep(500);
    assert.equal(calls.length, 1);
    idle.activity();
    await sleep(300);
    assert.equal(calls.length, 2, "the next burst is followed by one more");
  } finally {
    idle.stop();
    g.gc = saved;
  }
});
