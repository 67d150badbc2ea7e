import assert from "node:assert/strict";
import { test } from "node:test";
import { opaqueMarkerFor, parseWhiteout, whiteoutFor } from "./whiteouts.ts";

test("parseWhiteout leaves ordinary entries alone", () => {
  assert.equal(parseWhiteout("etc/passwd"), undefined);
  assert.equal(parseWhiteout("etc/x.wh.y"), undefined);
});

test("parseWhiteout reads a file whiteout with its directory", () => {
  assert.deepEqual(parseWhiteout("etc/.wh.passwd"), { kind: "whiteout", dir: "etc", name: "passwd" });
  assert.deepEqual(parseWhiteout(".wh.tmp"), { kind: "whiteout", dir: "", name: "tmp" });
});

test("parseWhiteout reads the opaque marker and skips AUFS metadata", () => {
  assert.deepEqual(parseWhiteout("var/lib/.wh..wh..opq"), { kind: "opaque", dir: "var/lib" });
  assert.deepEqual(parseWhiteout(".wh..wh..opq"), { kind: "opaque", dir: "" });
  assert.deepEqual(parseWhiteout(".wh..wh.plnk"), { kind: "meta" });
  assert.deepEqual(parseWhiteout("a/.wh..wh.aufs"), { kind: "meta" });
});

test("parseWhiteout refuses whiteouts of . and ..", () => {
  assert.throws(() => parseWhiteout("a/.wh.."), /invalid whiteout/);
  assert.throws(() => parseWhiteout("a/.wh."), /invalid whiteout/);
});

test("whiteoutFor and opaqueMarkerFor name the markers", () => {
  assert.equal(whiteoutFor("etc/passwd"), "etc/.wh.passwd");
  assert.equal(whiteoutFor("tmp"), ".wh.tmp");
  assert.equal(opaqueMarkerFor("var/lib"), "var/lib/.wh..wh..opq");
  assert.equal(opaqueMarkerFor(""), ".wh..wh..opq");
});
