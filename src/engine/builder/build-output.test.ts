import assert from "node:assert/strict";
import { test } from "node:test";
import { OutputSequencer } from "./build-output.ts";
import type { BuildMessage } from "./index.ts";

test("stages running at once write in stage order: later ones are held until earlier ones finish", () => {
  const got: string[] = [];
  const seq = new OutputSequencer((m: BuildMessage) => got.push((m as { stream: string }).stream), [0, 2, 3]);
  const [a, b, c] = [seq.channel(0), seq.channel(2), seq.channel(3)];
  a({ stream: "a1" });
  c({ stream: "c1" });
  b({ stream: "b1" });
  a({ stream: "a2" });
  seq.finished(3);
  assert.deepEqual(got, ["a1", "a2"]);
  seq.finished(0);
  assert.deepEqual(got, ["a1", "a2", "b1"]);
  b({ stream: "b2" });
  seq.finished(2);
  assert.deepEqual(got, ["a1", "a2", "b1", "b2", "c1"]);
});

test("after a failure everything held goes out, and later messages pass", () => {
  const got: string[] = [];
  const seq = new OutputSequencer((m: BuildMessage) => got.push((m as { stream: string }).stream), [0, 1]);
  seq.channel(1)({ stream: "b1" });
  seq.flushAll();
  seq.channel(1)({ stream: "b2" });
  assert.deepEqual(got, ["b1", "b2"]);
});
