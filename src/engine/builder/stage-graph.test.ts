import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDockerfile } from "./dockerfile/index.ts";
import { planStages } from "./stage-graph.ts";

const plan = (text: string, target?: string, args: Record<string, string> = {}) =>
  planStages(parseDockerfile(text).stages, target, (w) =>
    w.replace(/\$\{?(\w+)\}?/g, (_m, n) => args[n] ?? ""),
  );

test("only the target and what it needs; FROM <stage> and COPY --from make dependencies", () => {
  const df = `FROM busybox AS a
FROM busybox AS unused
FROM a AS b
FROM busybox
COPY --from=b /x /x
COPY --from=busybox:latest /y /y
`;
  const plans = plan(df);
  assert.deepEqual(
    plans.map((p) => [p.stage.index, p.fromStage, [...p.deps]]),
    [
      [0, undefined, []],
      [2, 0, [0]],
      [3, undefined, [2]],
    ],
  );
  assert.deepEqual(
    plan(df, "B").map((p) => p.stage.index),
    [0, 2],
  );
});

test("--from by index and with args before FROM", () => {
  const plans = plan("FROM busybox\nFROM busybox\nCOPY --from=0 /x /x\nCOPY --from=$S /y /y\n", undefined, {
    S: "0",
  });
  assert.deepEqual([...plans[1].deps], [0]);
});

test("a FROM naming a later stage is an image", () => {
  const plans = plan("FROM later\nFROM busybox AS later\n");
  assert.deepEqual(
    plans.map((p) => p.stage.index),
    [1],
  );
});

test("errors: unknown target, cycles, self references, bad indexes", () => {
  assert.throws(() => plan("FROM busybox\n", "nosuch"), /target stage "nosuch" could not be found/);
  assert.throws(
    () => plan("FROM busybox AS a\nCOPY --from=b /x /x\nFROM busybox AS b\nCOPY --from=a /x /x\n"),
    /circular dependency detected on stage: (a|b)/,
  );
  assert.throws(
    () => plan("FROM busybox AS a\nCOPY --from=a /x /x\n"),
    /circular dependency detected on stage: a/,
  );
  assert.throws(() => plan("FROM busybox\nCOPY --from=0 /x /x\n"), /refers to current build stage/);
  assert.throws(() => plan("FROM busybox\nCOPY --from=3 /x /x\n"), /index out of bounds/);
});
