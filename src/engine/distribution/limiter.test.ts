import assert from "node:assert/strict";
import { test } from "node:test";
import { Limiter } from "./limiter.ts";

test("Limiter runs at most n tasks at once, in order, and says which had to wait", async () => {
  const l = new Limiter(2);
  let running = 0;
  let peak = 0;
  const waited: number[] = [];
  const started: number[] = [];
  const task = (i: number) =>
    l.run(
      async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        if (i === 1) throw new Error("boom");
        return i;
      },
      () => waited.push(i),
    );
  const results = await Promise.allSettled([0, 1, 2, 3].map(task));
  assert.equal(peak, 2);
  assert.deepEqual(started, [0, 1, 2, 3]);
  assert.deepEqual(waited, [2, 3]);
  assert.equal(results[1].status, "rejected");
  assert.deepEqual(
    results.filter((r) => r.status === "fulfilled").map((r) => (r as PromiseFulfilledResult<number>).value),
    [0, 2, 3],
  );
});
