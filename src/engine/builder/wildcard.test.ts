import assert from "node:assert/strict";
import { test } from "node:test";
import { hasWildcards, matchComponent, unescapeLiteral } from "./wildcard.ts";

test("hasWildcards finds *, ? and [ unless escaped", () => {
  assert.equal(hasWildcards("a*.txt"), true);
  assert.equal(hasWildcards("a?.txt"), true);
  assert.equal(hasWildcards("[ab].txt"), true);
  assert.equal(hasWildcards("a\\*.txt"), false);
  assert.equal(hasWildcards("plain/path.txt"), false);
});

test("matchComponent follows Go's filepath.Match", () => {
  assert.equal(matchComponent("*.txt", "a.txt"), true);
  assert.equal(matchComponent("*.txt", "a.txt.bak"), false);
  assert.equal(matchComponent("?.txt", "ab.txt"), false);
  assert.equal(matchComponent("[a-c]x", "bx"), true);
  assert.equal(matchComponent("[^a-c]x", "bx"), false);
  assert.equal(matchComponent("[^a-c]x", "dx"), true);
  assert.equal(matchComponent("a\\*b", "a*b"), true);
  assert.equal(matchComponent("a\\*b", "axb"), false);
  assert.equal(matchComponent("*", ".hidden"), true);
});

test("a malformed pattern matches nothing, as the classic builder ignores Match's error", () => {
  assert.equal(matchComponent("[", "["), false);
  assert.equal(matchComponent("[]a]", "a"), false);
  assert.equal(matchComponent("a\\", "a"), false);
});

test("unescapeLiteral drops escapes", () => {
  assert.equal(unescapeLiteral("a\\[b\\]"), "a[b]");
});
