import assert from "node:assert/strict";
import { test } from "node:test";
import { isKind } from "./errors.ts";
import { parseSignal } from "./signals.ts";

test("parseSignal accepts what docker kill -s accepts", () => {
  assert.equal(parseSignal(9), 9);
  assert.equal(parseSignal("9"), 9);
  assert.equal(parseSignal("KILL"), 9);
  assert.equal(parseSignal("sigterm"), 15);
  assert.equal(parseSignal("SIGHUP"), 1);
  assert.equal(parseSignal("RTMIN+3"), 37);
  assert.equal(parseSignal("SIGRTMAX-1"), 63);
});

test("parseSignal rejects unknown signals as invalid", () => {
  for (const bad of ["NOPE", "0", 65, -1, "RTMIN+40"]) {
    assert.throws(
      () => parseSignal(bad),
      (e) => isKind(e, "invalid"),
      String(bad),
    );
  }
});
