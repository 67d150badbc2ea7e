import assert from "node:assert/strict";
import { test } from "node:test";
import { FileHashes } from "./file-hashes.ts";

test("the last digest at a path is offered only for a file of the same size", () => {
  const h = new FileHashes();
  h.store("a.txt", 3, "d1");
  assert.equal(h.previous("a.txt", 3), "d1");
  assert.equal(h.previous("a.txt", 4), undefined);
  assert.equal(h.previous("b.txt", 3), undefined);
  h.store("a.txt", 3, "d2");
  assert.equal(h.previous("a.txt", 3), "d2");
});
