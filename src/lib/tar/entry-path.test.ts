import assert from "node:assert/strict";
import { test } from "node:test";
import { cleanEntryPath } from "./entry-path.ts";

test("cleanEntryPath strips leading slashes, ./ and trailing slashes", () => {
  assert.equal(cleanEntryPath("./etc/passwd"), "etc/passwd");
  assert.equal(cleanEntryPath("/etc/"), "etc");
  assert.equal(cleanEntryPath("a//b/./c"), "a/b/c");
  assert.equal(cleanEntryPath("./"), "");
});

test("cleanEntryPath resolves .. inside the root", () => {
  assert.equal(cleanEntryPath("a/b/../c"), "a/c");
});

test("cleanEntryPath refuses entries that climb out of the root", () => {
  assert.throws(() => cleanEntryPath("../etc/passwd"), /outside of the root/);
  assert.throws(() => cleanEntryPath("a/../../etc"), /outside of the root/);
  assert.throws(() => cleanEntryPath(".."), /outside of the root/);
});
