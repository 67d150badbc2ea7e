import assert from "node:assert/strict";
import { test } from "node:test";
import { FileHashes } from "./file-hashes.ts";

const meta = (mtime: number) => ({ path: "a.txt", size: 3, mtime, mode: 0o644, uid: 0, gid: 0 });

test("a hash taken after the file's mtime second is trusted for the same header", () => {
  const h = new FileHashes();
  h.store(meta(10_000), "d1", 12_500);
  assert.equal(h.lookup(meta(10_000)), "d1");
  assert.equal(h.lookup(meta(11_000)), undefined); // touched: hashed again
  assert.equal(h.lookup({ ...meta(10_000), size: 4 }), undefined);
});

test("a hash taken in the file's own mtime second is not trusted (racily clean)", () => {
  const h = new FileHashes();
  h.store(meta(10_000), "d1", 10_900);
  assert.equal(h.lookup(meta(10_000)), undefined);
});
