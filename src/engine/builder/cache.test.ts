import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { posix } from "node:path";
import { test } from "node:test";
import { StepCache } from "./cache.ts";

test("a step remembers its earlier images, which an accept rule may choose; gone ones are dropped", () => {
  const dir = mkdtempSync("/tmp/kapsel-step-cache-");
  try {
    const path = posix.join(dir, "cache.json");
    const alive = new Set(["a", "b", "c"]);
    const exists = (id: string) => alive.has(id);
    const cache = StepCache.load(path, exists);
    cache.set("k", "a");
    cache.set("k", "b");
    cache.set("k", "c");
    assert.equal(cache.get("k", exists), "c");
    assert.equal(
      cache.get("k", exists, (id) => id === "a"),
      "a",
    );
    assert.equal(
      cache.get("k", exists, (id) => id === "x"),
      undefined,
    );
    cache.save();
    alive.delete("c");
    const again = StepCache.load(path, (id) => alive.has(id) || id === "c");
    assert.equal(again.get("k", exists), "b");
    assert.equal(
      again.get("k", exists, (id) => id === "a"),
      "a",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
