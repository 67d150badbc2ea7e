import assert from "node:assert/strict";
import { test } from "node:test";
import { checkSecurityOpt, seccompOption, securityFlag } from "./security-opt.ts";

const plain = { apparmor: false, selinux: false };

test("checkSecurityOpt takes what moby's parseSecurityOpt takes", () => {
  for (const opts of [
    ["no-new-privileges"],
    ["no-new-privileges=false", "writable-cgroups", "writable-cgroups:true"],
    ["seccomp=unconfined", "apparmor=unconfined", "label=disable", "disable"],
    ["seccomp=builtin", 'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}', "seccomp:{}"],
    // without AppArmor or SELinux on the host, Docker records these and applies nothing
    ["apparmor=docker-default", "label=type:container_t"],
  ])
    assert.doesNotThrow(() => checkSecurityOpt(opts, plain), opts.join(" "));
});

test("checkSecurityOpt refuses in moby's words, or says what kapsel does not do", () => {
  const refused = (opts: string[], host: typeof plain, re: RegExp) =>
    assert.throws(() => checkSecurityOpt(opts, host), re, opts.join(" "));
  refused(["bogus"], plain, /^KapselError: invalid --security-opt 1: "bogus"$/);
  refused(["bogus=1"], plain, /^KapselError: invalid --security-opt 2: "bogus=1"$/);
  refused(["no-new-privileges=maybe"], plain, /invalid --security-opt 2: "no-new-privileges=maybe"/);
  // the docker CLI turns it into empty MaskedPaths and ReadonlyPaths; Docker refuses it sent as is
  refused(["systempaths=unconfined"], plain, /invalid --security-opt 2/);
  refused(["seccomp={bad"], plain, /^KapselError: Decoding seccomp profile failed: /);
  refused(["seccomp=[1]"], plain, /Decoding seccomp profile failed: the profile is not a JSON object/);
  refused(
    ['seccomp={"architectures":["SCMP_ARCH_X86"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]}'],
    plain,
    /both 'architectures' and 'archMap' are specified in the seccomp profile/,
  );
  refused(
    ['seccomp={"syscalls":[{"name":"read","names":["write"],"action":"SCMP_ACT_ALLOW"}]}'],
    plain,
    /both 'name' and 'names' are specified/,
  );
  refused(
    ["apparmor=docker-default"],
    { apparmor: true, selinux: false },
    /AppArmor profiles are not implemented/,
  );
  refused(["label=type:x"], { apparmor: false, selinux: true }, /SELinux labels are not implemented/);
});

test("securityFlag: bare, =bool and :bool forms, the last one winning", () => {
  assert.equal(securityFlag([], "no-new-privileges"), undefined);
  assert.equal(securityFlag(["no-new-privileges"], "no-new-privileges"), true);
  assert.equal(securityFlag(["no-new-privileges:true", "no-new-privileges=0"], "no-new-privileges"), false);
  assert.equal(securityFlag(["writable-cgroups=false"], "writable-cgroups"), false);
  assert.equal(securityFlag(["seccomp=unconfined"], "writable-cgroups"), undefined);
});

test("seccompOption: builtin, unconfined or a profile, the last one winning", () => {
  assert.equal(seccompOption([]), undefined);
  assert.equal(seccompOption(["seccomp=builtin"]), "builtin");
  assert.equal(seccompOption(["seccomp=builtin", "seccomp:unconfined"]), "unconfined");
  assert.deepEqual(seccompOption(["seccomp=unconfined", 'seccomp={"defaultAction":"SCMP_ACT_LOG"}']), {
    defaultAction: "SCMP_ACT_LOG",
  });
});
