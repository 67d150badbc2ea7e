import assert from "node:assert/strict";
import { test } from "node:test";
import { cgroupPathOf } from "./cgroup-path.ts";

test("cgroupPathOf: /kapsel/<id> by default, an absolute parent as given, a relative one below kapseld's", () => {
  const self = () => "/system.slice/kapsel.service";
  assert.equal(cgroupPathOf("abc", undefined, self), "/kapsel/abc");
  assert.equal(cgroupPathOf("abc", "", self), "/kapsel/abc");
  assert.equal(cgroupPathOf("abc", "/mygroup/sub", self), "/mygroup/sub/abc");
  assert.equal(cgroupPathOf("abc", "mygroup", self), "/system.slice/kapsel.service/mygroup/abc");
  assert.equal(
    cgroupPathOf("abc", "mygroup", () => "/"),
    "/mygroup/abc",
  );
});
