import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULT_SECCOMP_PROFILE,
  kernelAtLeast,
  ociSeccomp,
  parseSeccompProfile,
} from "./seccomp-profile.ts";
import { DEFAULT_CAPABILITIES } from "./spec-defaults.ts";

const x64 = { arch: "x64", kernel: "6.1.0-13-amd64" };
const rulesFor = (seccomp: ReturnType<typeof ociSeccomp>, name: string) =>
  (seccomp?.syscalls ?? []).filter((s) => s.names.includes(name));

test("the default profile for Docker's default capabilities, on x86_64", () => {
  const s = ociSeccomp(DEFAULT_SECCOMP_PROFILE, DEFAULT_CAPABILITIES, x64);
  assert.equal(s?.defaultAction, "SCMP_ACT_ERRNO");
  assert.equal(s?.defaultErrnoRet, 1);
  assert.deepEqual(s?.architectures, ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]);
  assert.deepEqual(
    rulesFor(s, "read").map(({ action, args }) => ({ action, args })),
    [{ action: "SCMP_ACT_ALLOW", args: undefined }],
  );
  // what CAP_SYS_ADMIN guards is not there; clone only without namespace flags; clone3 ENOSYS
  assert.deepEqual(rulesFor(s, "mount"), []);
  assert.deepEqual(rulesFor(s, "unshare"), []);
  assert.deepEqual(rulesFor(s, "clone"), [
    {
      names: ["clone"],
      action: "SCMP_ACT_ALLOW",
      args: [{ index: 0, value: 0x7e020000, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }],
    },
  ]);
  assert.deepEqual(rulesFor(s, "clone3"), [{ names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 }]);
  assert.equal(rulesFor(s, "socket").length, 3);
  assert.equal(rulesFor(s, "personality").length, 5);
  // arch-specific ones: x86_64's, not arm's or s390's
  assert.equal(rulesFor(s, "arch_prctl").length, 1);
  assert.equal(rulesFor(s, "set_tls").length, 0);
  assert.equal(rulesFor(s, "s390_runtime_instr").length, 0);
  // CAP_SYS_CHROOT is a default capability, CAP_SYS_TIME is not
  assert.equal(rulesFor(s, "chroot").length, 1);
  assert.equal(rulesFor(s, "settimeofday").length, 0);
});

test("granted capabilities open what they guard", () => {
  const s = ociSeccomp(
    DEFAULT_SECCOMP_PROFILE,
    [...DEFAULT_CAPABILITIES, "CAP_SYS_ADMIN", "CAP_SYS_TIME"],
    x64,
  );
  assert.equal(rulesFor(s, "mount").length, 1);
  assert.deepEqual(
    rulesFor(s, "clone").map((r) => r.args),
    [undefined],
  );
  assert.deepEqual(
    rulesFor(s, "clone3").map((r) => r.action),
    ["SCMP_ACT_ALLOW"],
  );
  assert.equal(rulesFor(s, "settimeofday").length, 1);
});

test("another architecture gets its own arch list and calls; an old kernel loses minKernel groups", () => {
  const arm = ociSeccomp(DEFAULT_SECCOMP_PROFILE, DEFAULT_CAPABILITIES, { arch: "arm64", kernel: "6.1.0" });
  assert.deepEqual(arm?.architectures, ["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]);
  assert.equal(rulesFor(arm, "set_tls").length, 1);
  assert.equal(rulesFor(arm, "arch_prctl").length, 0);
  const old = ociSeccomp(DEFAULT_SECCOMP_PROFILE, DEFAULT_CAPABILITIES, { arch: "x64", kernel: "4.4.0" });
  assert.equal(rulesFor(old, "process_vm_readv").length, 0);
  const recent = ociSeccomp(DEFAULT_SECCOMP_PROFILE, DEFAULT_CAPABILITIES, x64);
  assert.equal(rulesFor(recent, "process_vm_readv").length, 1);
});

test("a user's profile: name or names, architectures kept, nothing for an empty one", () => {
  const p = parseSeccompProfile(
    '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[{"name":"mkdir","action":"SCMP_ACT_ERRNO","errnoRet":13}]}',
  );
  assert.deepEqual(ociSeccomp(p, [], x64), {
    defaultAction: "SCMP_ACT_ALLOW",
    architectures: ["SCMP_ARCH_X86_64"],
    syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 13 }],
  });
  assert.equal(ociSeccomp(parseSeccompProfile("{}"), [], x64), undefined);
});

test("kernelAtLeast compares major, minor and patch as numbers", () => {
  assert.equal(kernelAtLeast("6.18.44-fc-v595", "4.8"), true);
  assert.equal(kernelAtLeast("4.8.0", "4.8"), true);
  assert.equal(kernelAtLeast("4.10.1", "4.8"), true);
  assert.equal(kernelAtLeast("4.7.9", "4.8"), false);
  assert.throws(() => kernelAtLeast("6.1", "four"), /invalid kernel version/);
});
