import assert from "node:assert/strict";
import { test } from "node:test";
import { nextBackoff, shouldRestart } from "./restart-policy.ts";

test("shouldRestart follows Docker's policies", () => {
  assert.equal(shouldRestart({ Name: "no" }, 1, 0), false);
  assert.equal(shouldRestart(undefined, 1, 0), false);
  assert.equal(shouldRestart({ Name: "always" }, 0, 99), true);
  assert.equal(shouldRestart({ Name: "unless-stopped" }, 0, 0), true);
  assert.equal(shouldRestart({ Name: "on-failure" }, 0, 0), false);
  assert.equal(shouldRestart({ Name: "on-failure" }, 3, 50), true);
  assert.equal(shouldRestart({ Name: "on-failure", MaximumRetryCount: 2 }, 3, 1), true);
  assert.equal(shouldRestart({ Name: "on-failure", MaximumRetryCount: 2 }, 3, 2), false);
});

test("nextBackoff doubles from 100 ms to a minute and starts over after a 10 s run", () => {
  assert.equal(nextBackoff(0, 5), 100);
  assert.equal(nextBackoff(100, 5), 200);
  assert.equal(nextBackoff(40_000, 5), 60_000);
  assert.equal(nextBackoff(60_000, 5), 60_000);
  assert.equal(nextBackoff(6400, 10_000), 100);
});
