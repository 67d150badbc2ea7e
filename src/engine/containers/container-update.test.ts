import assert from "node:assert/strict";
import { test } from "node:test";
import { updateFlags } from "../runtime/index.ts";
import { applyUpdate } from "./container-update.ts";

test("an update changes only the fields it sets, and the runtime gets the resulting limits", () => {
  const { hostConfig, resources } = applyUpdate(
    "c1",
    { Memory: 400, MemorySwap: 800, CpuShares: 2, RestartPolicy: { Name: "always", MaximumRetryCount: 0 } },
    { Memory: 300, CpuShares: 0, PidsLimit: 0, RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 } },
  );
  assert.equal(hostConfig.Memory, 300);
  assert.equal(hostConfig.CpuShares, 2);
  assert.equal(hostConfig.PidsLimit, 0);
  assert.deepEqual(hostConfig.RestartPolicy, { Name: "on-failure", MaximumRetryCount: 3 });
  assert.deepEqual(updateFlags(resources), [
    "--memory",
    "300",
    "--memory-swap",
    "800",
    "--cpu-share",
    "2",
    "--pids-limit",
    "-1",
  ]);
});

test("an update is refused with moby's words", () => {
  assert.throws(
    () => applyUpdate("c1", { NanoCpus: 5e8 }, { CpuPeriod: 1000 }),
    /^KapselError: Cannot update container c1: Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set$/,
  );
  assert.throws(
    () => applyUpdate("c1", { Memory: 100, MemorySwap: 200 }, { Memory: 300 }),
    /Memory limit should be smaller than already set memoryswap limit/,
  );
  assert.throws(
    () => applyUpdate("c1", { AutoRemove: true }, { RestartPolicy: { Name: "always" } }),
    /Restart policy cannot be updated because AutoRemove is enabled/,
  );
  assert.throws(
    () => applyUpdate("c1", {}, { RestartPolicy: { Name: "always", MaximumRetryCount: 2 } }),
    /maximum retry count can only be used with 'on-failure'/,
  );
});
