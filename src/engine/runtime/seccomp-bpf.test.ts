import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { LinuxSeccomp, LinuxSeccompArg, LinuxSyscall } from "./oci-spec.ts";
import { compileSeccomp } from "./seccomp-bpf.ts";
import { type SyscallArch, syscallNames, syscallNumber } from "./syscall-numbers.ts";

const AUDIT_ARCH_X86_64 = 0xc000003e;
const AUDIT_ARCH_I386 = 0x40000003;
const AUDIT_ARCH_AARCH64 = 0xc00000b7;

const KILL_THREAD = 0;
const ALLOW = 0x7fff0000;
const ERRNO = (errno: number) => 0x00050000 | errno;
const EPERM = ERRNO(1);
const ENOSYS = ERRNO(38);

const ALL_ARCHES = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"];

// ---- a classic BPF interpreter for the instructions the compiler emits ----

/** Runs `program` on a struct seccomp_data and returns the SECCOMP_RET_* value. */
function runFilter(program: Buffer, nr: number, auditArch: number, args: bigint[] = []): number {
  const data = Buffer.alloc(64); // nr u32, arch u32, instruction_pointer u64, args u64[6]
  data.writeUInt32LE(nr >>> 0, 0);
  data.writeUInt32LE(auditArch >>> 0, 4);
  args.forEach((arg, i) => {
    data.writeBigUInt64LE(arg, 16 + 8 * i);
  });
  const length = program.length / 8;
  let a = 0;
  let pc = 0;
  for (;;) {
    assert.ok(pc < length, `pc ${pc} ran off the end of ${length} instructions`);
    const code = program.readUInt16LE(8 * pc);
    const jt = program.readUInt8(8 * pc + 2);
    const jf = program.readUInt8(8 * pc + 3);
    const k = program.readUInt32LE(8 * pc + 4);
    const branch = (taken: boolean) => {
      pc += 1 + (taken ? jt : jf);
    };
    switch (code) {
      case 0x20: // BPF_LD | BPF_W | BPF_ABS
        assert.ok(k % 4 === 0 && k + 4 <= 64, `bad load offset ${k}`);
        a = data.readUInt32LE(k);
        pc++;
        break;
      case 0x54: // BPF_ALU | BPF_AND | BPF_K
        a = (a & k) >>> 0;
        pc++;
        break;
      case 0x05: // BPF_JMP | BPF_JA
        pc += 1 + k;
        break;
      case 0x15: // BPF_JMP | BPF_JEQ | BPF_K
        branch(a === k);
        break;
      case 0x25: // BPF_JMP | BPF_JGT | BPF_K
        branch(a > k);
        break;
      case 0x35: // BPF_JMP | BPF_JGE | BPF_K
        branch(a >= k);
        break;
      case 0x45: // BPF_JMP | BPF_JSET | BPF_K
        branch((a & k) !== 0);
        break;
      case 0x06: // BPF_RET | BPF_K
        return k;
      default:
        assert.fail(`unexpected opcode 0x${code.toString(16)} at ${pc}`);
    }
  }
}

function compile(spec: LinuxSeccomp): Buffer {
  const program = compileSeccomp(spec);
  assert.ok(program, "expected the profile to compile");
  assert.equal(program.length % 8, 0);
  assert.ok(program.length / 8 <= 4096);
  return program;
}

/** The verdict for syscall `name` (or a raw number) made by an `arch` process. */
function verdict(program: Buffer, arch: SyscallArch, syscall: string | number, args: bigint[] = []): number {
  const nr = typeof syscall === "number" ? syscall : syscallNumber(arch, syscall);
  assert.ok(nr !== undefined, `${arch} has no syscall ${syscall}`);
  return runFilter(program, nr, arch === "x86" ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64, args);
}

function allow(names: string[], args?: LinuxSyscall["args"]): LinuxSyscall {
  return { names, action: "SCMP_ACT_ALLOW", ...(args ? { args } : {}) };
}

function denyByDefault(syscalls: LinuxSyscall[], extra: Partial<LinuxSeccomp> = {}): LinuxSeccomp {
  return { defaultAction: "SCMP_ACT_ERRNO", architectures: ALL_ARCHES, syscalls, ...extra };
}

describe("syscallNumber", () => {
  test("knows the numbers of this machine's kernel headers", () => {
    assert.equal(syscallNumber("x86_64", "read"), 0);
    assert.equal(syscallNumber("x86_64", "write"), 1);
    assert.equal(syscallNumber("x86_64", "socket"), 41);
    assert.equal(syscallNumber("x86_64", "clone3"), 435);
    assert.equal(syscallNumber("x86", "socketcall"), 102);
    assert.equal(syscallNumber("x86", "socket"), 359);
    assert.equal(syscallNumber("x32", "read"), 0x40000000);
    assert.equal(syscallNumber("x32", "rt_sigaction"), 0x40000000 + 512);
    assert.equal(syscallNumber("x86_64", "socketcall"), undefined);
    assert.equal(syscallNumber("x86", "no_such_syscall"), undefined);
    assert.equal(syscallNumber("x86", "+1"), undefined);
  });

  test("lists names in number order", () => {
    const names = syscallNames("x86_64");
    assert.deepEqual(names.slice(0, 3), ["read", "write", "open"]);
    const numbers = names.map((n) => syscallNumber("x86_64", n)!);
    assert.deepEqual(
      numbers,
      [...numbers].sort((a, b) => a - b),
    );
  });
});

describe("compileSeccomp", { skip: process.arch !== "x64" && "x86_64 hosts only" }, () => {
  test("allowed syscalls are allowed, others get the default errno", () => {
    const program = compile(denyByDefault([allow(["read", "write", "openat"])]));
    assert.equal(verdict(program, "x86_64", "read"), ALLOW);
    assert.equal(verdict(program, "x86_64", "openat"), ALLOW);
    assert.equal(verdict(program, "x86_64", "mkdir"), EPERM);
    const custom = compile(denyByDefault([allow(["read", "openat"])], { defaultErrnoRet: 13 }));
    assert.equal(verdict(custom, "x86_64", "read"), ALLOW);
    assert.equal(verdict(custom, "x86_64", "mkdir"), ERRNO(13));
  });

  test("rule actions and errnoRet", () => {
    const program = compile(
      denyByDefault([
        allow(["read", "openat"]),
        { names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 30 },
        { names: ["rmdir"], action: "SCMP_ACT_ERRNO" }, // EPERM, the default action: dropped
        { names: ["chmod"], action: "SCMP_ACT_KILL_PROCESS" },
        { names: ["chown"], action: "SCMP_ACT_TRAP" },
        { names: ["ptrace"], action: "SCMP_ACT_TRACE", errnoRet: 5 },
        { names: ["uname"], action: "SCMP_ACT_LOG" },
        { names: ["kill"], action: "SCMP_ACT_KILL" },
      ]),
    );
    assert.equal(verdict(program, "x86_64", "mkdir"), ERRNO(30));
    assert.equal(verdict(program, "x86_64", "rmdir"), EPERM);
    assert.equal(verdict(program, "x86_64", "chmod"), 0x80000000);
    assert.equal(verdict(program, "x86_64", "chown"), 0x00030000);
    assert.equal(verdict(program, "x86_64", "ptrace"), 0x7ff00005);
    assert.equal(verdict(program, "x86_64", "uname"), 0x7ffc0000);
    assert.equal(verdict(program, "x86_64", "kill"), KILL_THREAD);
  });

  test("names resolve per arch: i386 and x32 numbers", () => {
    const program = compile(
      denyByDefault([allow(["read", "socket", "socketcall", "_llseek", "rt_sigaction", "futex_waitv"])]),
    );
    assert.equal(verdict(program, "x86_64", "socket"), ALLOW);
    assert.equal(verdict(program, "x86_64", "rt_sigaction"), ALLOW);
    assert.equal(verdict(program, "x86", "socketcall"), ALLOW);
    assert.equal(verdict(program, "x86", "socket"), ALLOW);
    assert.equal(verdict(program, "x86", "_llseek"), ALLOW);
    assert.equal(verdict(program, "x86", "read"), ALLOW);
    assert.equal(verdict(program, "x32", "read"), ALLOW);
    assert.equal(verdict(program, "x32", "socket"), ALLOW);
    assert.equal(verdict(program, "x32", "rt_sigaction"), ALLOW);
    // i386 numbers are not x86_64 ones: write is 4 on i386, stat on x86_64
    assert.equal(verdict(program, "x86", "write"), EPERM);
    assert.equal(verdict(program, "x86_64", 4), EPERM);
    assert.equal(verdict(program, "x32", "write"), EPERM);
  });

  test("arches not in the filter get KILL_THREAD", () => {
    const nativeOnly = compile({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [allow(["read"])] });
    assert.equal(verdict(nativeOnly, "x86_64", "read"), ALLOW);
    assert.equal(verdict(nativeOnly, "x86", "read"), KILL_THREAD);
    assert.equal(verdict(nativeOnly, "x32", "read"), KILL_THREAD);
    assert.equal(runFilter(nativeOnly, 0, AUDIT_ARCH_AARCH64), KILL_THREAD);

    const noX32 = compile(
      denyByDefault([allow(["read", "openat"])], { architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"] }),
    );
    assert.equal(verdict(noX32, "x86", "read"), ALLOW);
    assert.equal(verdict(noX32, "x32", "read"), KILL_THREAD);
    assert.equal(verdict(noX32, "x32", "mkdir"), KILL_THREAD);
    // -1 (a tracer skipping the syscall) is not an x32 number to libseccomp
    assert.equal(verdict(noX32, "x86_64", 0xffffffff), EPERM);

    // foreign arches runc knows are harmless on an x86_64 host
    const withForeign = compile(
      denyByDefault([allow(["read"])], {
        architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
      }),
    );
    assert.equal(verdict(withForeign, "x86_64", "read"), ALLOW);
    assert.equal(runFilter(withForeign, 0, AUDIT_ARCH_AARCH64), KILL_THREAD);
    assert.equal(verdict(withForeign, "x86", "read"), KILL_THREAD);
  });

  test("x86_64 numbers with bit 31 are bad-arch without the -ENOSYS stub", () => {
    const program = compile({
      defaultAction: "SCMP_ACT_ALLOW",
      syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }],
    });
    assert.equal(verdict(program, "x86_64", "mkdir"), EPERM);
    assert.equal(verdict(program, "x86_64", 100000), ALLOW);
    assert.equal(verdict(program, "x86_64", 0x80000000), KILL_THREAD);
    assert.equal(verdict(program, "x86_64", 0xffffffff), ALLOW);
  });

  test("-ENOSYS above the largest number named, per arch", () => {
    const program = compile(denyByDefault([allow(["read", "openat", "rt_sigaction", "_llseek", "socket"])]));
    // x86_64: openat (257) is the largest
    assert.equal(verdict(program, "x86_64", 257), ALLOW);
    assert.equal(verdict(program, "x86_64", 200), EPERM);
    assert.equal(verdict(program, "x86_64", 258), ENOSYS);
    assert.equal(verdict(program, "x86_64", 0x80000000), ENOSYS);
    // i386: openat (295); socket (359) is multiplexed there, so runc's stub does not count it
    assert.equal(verdict(program, "x86", "openat"), ALLOW);
    assert.equal(verdict(program, "x86", 294), EPERM);
    assert.equal(verdict(program, "x86", 296), ENOSYS);
    assert.equal(verdict(program, "x86", "socket"), ENOSYS);
    // x32: rt_sigaction (0x40000000 + 512)
    assert.equal(verdict(program, "x32", "rt_sigaction"), ALLOW);
    assert.equal(verdict(program, "x32", 0x40000000 + 511), EPERM);
    assert.equal(verdict(program, "x32", 0x40000000 + 513), ENOSYS);
    assert.equal(verdict(program, "x32", 0xffffffff), ENOSYS);

    // names with the default action still count, as in runc
    const counted = compile(
      denyByDefault([allow(["read"]), { names: ["openat"], action: "SCMP_ACT_ERRNO" }]),
    );
    assert.equal(verdict(counted, "x86_64", 257), EPERM);
    assert.equal(verdict(counted, "x86_64", 258), ENOSYS);
  });

  test("no -ENOSYS stub when the default action is ALLOW, LOG or TRACE", () => {
    for (const defaultAction of ["SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE"]) {
      const program = compile({
        defaultAction,
        architectures: ALL_ARCHES,
        syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_KILL" }],
      });
      assert.equal(verdict(program, "x86_64", "mkdir"), KILL_THREAD);
      assert.notEqual(verdict(program, "x86_64", 1000), ENOSYS, defaultAction);
    }
  });

  test("the native arch's stub depends on the runc version when it is not listed: undefined", () => {
    assert.equal(
      compileSeccomp({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [allow(["read", "openat"])] }),
      undefined,
    );
    assert.equal(
      compileSeccomp({
        defaultAction: "SCMP_ACT_ERRNO",
        architectures: ["SCMP_ARCH_X86"],
        syscalls: [allow(["openat"])],
      }),
      undefined,
    );
    // no stub either way: read is 0, and runc ignores a largest number of 0
    assert.ok(compileSeccomp({ defaultAction: "SCMP_ACT_ERRNO", syscalls: [allow(["read"])] }));
    assert.ok(
      compileSeccomp({
        defaultAction: "SCMP_ACT_ALLOW",
        syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_KILL" }],
      }),
    );
  });

  describe("argument comparisons", () => {
    const samples = [
      0n,
      4n,
      5n,
      6n,
      0xfffffffen,
      0xffffffffn,
      0x1_0000_0000n,
      0x1_0000_0004n,
      0x1_0000_0005n,
      0x1_0000_0006n,
      0x2_0000_0005n,
      0xffff_ffff_ffff_ffffn,
    ];
    const values = [5n, 0x1_0000_0005n, 0xffff_ffff_ffff_fffen];
    const ops: Record<string, (a: bigint, v: bigint, v2: bigint) => boolean> = {
      SCMP_CMP_NE: (a, v) => a !== v,
      SCMP_CMP_LT: (a, v) => a < v,
      SCMP_CMP_LE: (a, v) => a <= v,
      SCMP_CMP_EQ: (a, v) => a === v,
      SCMP_CMP_GE: (a, v) => a >= v,
      SCMP_CMP_GT: (a, v) => a > v,
      SCMP_CMP_MASKED_EQ: (a, v, v2) => (a & v) === (v2 & v),
    };
    const low = (x: bigint) => x & 0xffffffffn;

    for (const [op, holds] of Object.entries(ops)) {
      test(`${op}: unsigned 64-bit on x86_64, low words on i386 and x32`, () => {
        for (const value of values) {
          const valueTwo = op === "SCMP_CMP_MASKED_EQ" ? 5n : 0n;
          const program = compile(
            denyByDefault([allow(["read", "openat"], [{ index: 2, value, valueTwo, op }])]),
          );
          for (const a of samples) {
            const args = [0n, 0n, a];
            const at = `${op} arg ${a.toString(16)} value ${value.toString(16)}`;
            assert.equal(
              verdict(program, "x86_64", "openat", args),
              holds(a, value, valueTwo) ? ALLOW : EPERM,
              at,
            );
            const lowHolds = holds(low(a), low(value), low(valueTwo));
            assert.equal(verdict(program, "x86", "openat", args), lowHolds ? ALLOW : EPERM, `i386 ${at}`);
            assert.equal(verdict(program, "x32", "openat", args), lowHolds ? ALLOW : EPERM, `x32 ${at}`);
          }
        }
      });
    }

    test("EQ 5 does not match 0x1_0000_0005 on x86_64, does on i386", () => {
      const program = compile(
        denyByDefault([allow(["openat"], [{ index: 0, value: 5, op: "SCMP_CMP_EQ" }])]),
      );
      assert.equal(verdict(program, "x86_64", "openat", [5n]), ALLOW);
      assert.equal(verdict(program, "x86_64", "openat", [0x1_0000_0005n]), EPERM);
      assert.equal(verdict(program, "x86", "openat", [0x1_0000_0005n]), ALLOW);
    });

    test("values as numbers and bigints", () => {
      const program = compile(
        denyByDefault([
          allow(["openat"], [{ index: 5, value: 2 ** 53 - 1, op: "SCMP_CMP_EQ" }]),
          allow(["mkdirat"], [{ index: 1, value: 0xffff_ffff_ffff_ffffn, op: "SCMP_CMP_EQ" }]),
        ]),
      );
      assert.equal(verdict(program, "x86_64", "openat", [0n, 0n, 0n, 0n, 0n, 2n ** 53n - 1n]), ALLOW);
      assert.equal(verdict(program, "x86_64", "openat", [0n, 0n, 0n, 0n, 0n, 2n ** 53n - 2n]), EPERM);
      assert.equal(verdict(program, "x86_64", "mkdirat", [0n, 0xffff_ffff_ffff_ffffn]), ALLOW);
      assert.equal(verdict(program, "x86_64", "mkdirat", [0n, 0xffff_ffffn]), EPERM);
    });

    test("MASKED_EQ: Docker's clone rule (no namespace flags)", () => {
      const program = compile(
        denyByDefault([
          allow(["clone"], [{ index: 0, value: 2114060288, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }]),
        ]),
      );
      const SIGCHLD = 17n;
      const CLONE_NEWUSER = 0x10000000n;
      const CLONE_NEWNET = 0x40000000n;
      assert.equal(verdict(program, "x86_64", "clone", [0x01200000n | SIGCHLD]), ALLOW);
      assert.equal(verdict(program, "x86_64", "clone", [CLONE_NEWUSER | SIGCHLD]), EPERM);
      assert.equal(verdict(program, "x86_64", "clone", [CLONE_NEWNET]), EPERM);
      assert.equal(verdict(program, "x86_64", "clone", [0x1_0000_0000n]), ALLOW); // outside the mask
      assert.equal(verdict(program, "x86", "clone", [CLONE_NEWUSER]), EPERM);
    });

    test("MASKED_EQ compares valueTwo masked too, as libseccomp does", () => {
      const program = compile(
        denyByDefault([
          allow(["openat"], [{ index: 0, value: 0xff, valueTwo: 0x105, op: "SCMP_CMP_MASKED_EQ" }]),
        ]),
      );
      assert.equal(verdict(program, "x86_64", "openat", [0x05n]), ALLOW);
      assert.equal(verdict(program, "x86_64", "openat", [0x105n]), ALLOW);
      assert.equal(verdict(program, "x86_64", "openat", [0x06n]), EPERM);
    });

    test("all conditions of a rule must hold", () => {
      const program = compile(
        denyByDefault([
          allow(
            ["openat"],
            [
              { index: 0, value: 1, op: "SCMP_CMP_EQ" },
              { index: 3, value: 0x1_0000_0000n, op: "SCMP_CMP_GE" },
            ],
          ),
        ]),
      );
      assert.equal(verdict(program, "x86_64", "openat", [1n, 0n, 0n, 0x1_0000_0000n]), ALLOW);
      assert.equal(verdict(program, "x86_64", "openat", [1n, 0n, 0n, 0xffff_ffffn]), EPERM);
      assert.equal(verdict(program, "x86_64", "openat", [2n, 0n, 0n, 0x1_0000_0000n]), EPERM);
    });
  });

  test("several conditional rules for one syscall: any may match", () => {
    // Docker's socket rules: allowed when arg0 < 38, == 39 or > 40
    const program = compile(
      denyByDefault([
        allow(["futex_waitv"]),
        allow(["socket"], [{ index: 0, value: 38, op: "SCMP_CMP_LT" }]),
        allow(["socket"], [{ index: 0, value: 39, op: "SCMP_CMP_EQ" }]),
        allow(["socket"], [{ index: 0, value: 40, op: "SCMP_CMP_GT" }]),
      ]),
    );
    const expected: Array<[bigint, number]> = [
      [2n, ALLOW],
      [37n, ALLOW],
      [38n, EPERM],
      [39n, ALLOW],
      [40n, EPERM],
      [41n, ALLOW],
      [0x1_0000_0026n, ALLOW], // 2^32 + 38 > 40 on x86_64
    ];
    for (const [family, result] of expected) {
      assert.equal(verdict(program, "x86_64", "socket", [family]), result, `x86_64 socket(${family})`);
    }
    assert.equal(verdict(program, "x86", "socket", [0x1_0000_0026n]), EPERM); // i386: 38
    assert.equal(verdict(program, "x32", "socket", [40n]), EPERM);
    assert.equal(verdict(program, "x32", "socket", [41n]), ALLOW);
  });

  test("a rule naming one argument twice is split into rules (runc)", () => {
    const program = compile(
      denyByDefault([
        allow(
          ["openat"],
          [
            { index: 0, value: 5, op: "SCMP_CMP_EQ" },
            { index: 0, value: 7, op: "SCMP_CMP_EQ" },
          ],
        ),
      ]),
    );
    assert.equal(verdict(program, "x86_64", "openat", [5n]), ALLOW);
    assert.equal(verdict(program, "x86_64", "openat", [7n]), ALLOW);
    assert.equal(verdict(program, "x86_64", "openat", [6n]), EPERM);
  });

  test("an unconditional rule overrides the conditional ones of its syscall (libseccomp)", () => {
    const conditional = allow(["personality"], [{ index: 0, value: 0, op: "SCMP_CMP_EQ" }]);
    const unconditional: LinuxSyscall = {
      names: ["personality"],
      action: "SCMP_ACT_ERRNO",
      errnoRet: 22,
    };
    for (const syscalls of [
      [conditional, unconditional],
      [unconditional, conditional],
    ]) {
      const program = compile(denyByDefault(syscalls));
      assert.equal(verdict(program, "x86_64", "personality", [0n]), ERRNO(22));
      assert.equal(verdict(program, "x86_64", "personality", [8n]), ERRNO(22));
    }
    // the first unconditional rule wins
    const twice = compile(
      denyByDefault([{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 17 }, allow(["mkdir"])]),
    );
    assert.equal(verdict(twice, "x86_64", "mkdir"), ERRNO(17));
    // but a rule with the default action is dropped by runc before libseccomp sees it
    const dropped = compile(
      denyByDefault([{ names: ["personality"], action: "SCMP_ACT_ERRNO" }, conditional]),
    );
    assert.equal(verdict(dropped, "x86_64", "personality", [0n]), ALLOW);
    assert.equal(verdict(dropped, "x86_64", "personality", [8n]), EPERM);
  });

  test("conditional rules with different actions: only when they cannot overlap", () => {
    const program = compile(
      denyByDefault([
        allow(["read"]),
        allow(["personality"], [{ index: 0, value: 0, op: "SCMP_CMP_EQ" }]),
        {
          names: ["personality"],
          action: "SCMP_ACT_ERRNO",
          errnoRet: 22,
          args: [{ index: 0, value: 8, op: "SCMP_CMP_EQ" }],
        },
      ]),
    );
    for (const arch of ["x86_64", "x86", "x32"] as const) {
      assert.equal(verdict(program, arch, "personality", [0n]), ALLOW, arch);
      assert.equal(verdict(program, arch, "personality", [8n]), ERRNO(22), arch);
      assert.equal(verdict(program, arch, "personality", [9n]), EPERM, arch);
    }
    // arg0 = 3 matches both: libseccomp's rule tree, not the profile order, would pick
    const overlapping = denyByDefault([
      allow(["socket"], [{ index: 0, value: 10, op: "SCMP_CMP_LT" }]),
      { names: ["socket"], action: "SCMP_ACT_KILL", args: [{ index: 0, value: 3, op: "SCMP_CMP_EQ" }] },
    ]);
    assert.equal(compileSeccomp(overlapping), undefined);
  });

  test("rule trees libseccomp 2.5 may compile wrongly are left to runc", () => {
    // x86_64 range checks on different high words: its BPF compares the low word of arg0
    // against 1 after `arg0 <= 0x26` fails (so arg0 = 0x28 is refused)
    const highWords = denyByDefault([
      allow(["openat"], [{ index: 0, value: 0x26, op: "SCMP_CMP_LE" }]),
      allow(["openat"], [{ index: 0, value: 0x1_0000_0005n, op: "SCMP_CMP_LE" }]),
    ]);
    assert.equal(compileSeccomp(highWords), undefined);
    // several rules with several conditions (containers/common's socket rules)
    const podman = denyByDefault([
      {
        names: ["socket"],
        action: "SCMP_ACT_ERRNO",
        errnoRet: 22,
        args: [
          { index: 0, value: 16, op: "SCMP_CMP_EQ" },
          { index: 2, value: 9, op: "SCMP_CMP_EQ" },
        ],
      },
      allow(["socket"], [{ index: 2, value: 9, op: "SCMP_CMP_NE" }]),
      allow(["socket"], [{ index: 0, value: 16, op: "SCMP_CMP_NE" }]),
    ]);
    assert.equal(compileSeccomp(podman), undefined);
    // one rule with several conditions is a single chain: fine
    assert.ok(compileSeccomp(denyByDefault([podman.syscalls![0], allow(["read"])])));
  });

  test("i386 sections libseccomp 2.5 would leave without loading nr are left to runc", () => {
    // semtimedop has no i386 syscall of its own: libseccomp keeps a pseudo entry for it, and when
    // that entry outranks every real one (no rule without conditions), nr is never loaded
    const i386Only = { architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"] };
    const conditionalOnly = denyByDefault(
      [allow(["semtimedop"]), allow(["openat"], [{ index: 2, value: 2, op: "SCMP_CMP_GE" }])],
      i386Only,
    );
    assert.equal(compileSeccomp(conditionalOnly), undefined);
    const withPlainRule = compile(
      denyByDefault(
        [
          allow(["semtimedop", "read", "futex_waitv"]),
          allow(["openat"], [{ index: 2, value: 2, op: "SCMP_CMP_GE" }]),
        ],
        i386Only,
      ),
    );
    assert.equal(verdict(withPlainRule, "x86", "ipc", [4n]), ALLOW); // SEMTIMEDOP
    assert.equal(verdict(withPlainRule, "x86", "openat", [0n, 0n, 2n]), ALLOW);
    assert.equal(verdict(withPlainRule, "x86", "openat", [0n, 0n, 1n]), EPERM);
  });

  test("i386 socket calls are also filtered through socketcall(2)", () => {
    const program = compile(
      // futex_waitv (449) keeps i386's -ENOSYS stub above socketcall (102) and socket (359)
      denyByDefault(
        [allow(["futex_waitv"]), allow(["socket"], [{ index: 0, value: 40, op: "SCMP_CMP_NE" }])],
        {
          architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
        },
      ),
    );
    // socketcall(SYS_SOCKET, args): the arg0 condition is replaced by call == SYS_SOCKET
    assert.equal(verdict(program, "x86", "socketcall", [1n, 0x1234n]), ALLOW);
    assert.equal(verdict(program, "x86", "socketcall", [2n, 0x1234n]), EPERM);
    assert.equal(verdict(program, "x86", "socket", [2n]), ALLOW);
    assert.equal(verdict(program, "x86", "socket", [40n]), EPERM);
    assert.equal(verdict(program, "x86_64", "socket", [40n]), EPERM);

    const ipc = compile(denyByDefault([allow(["futex_waitv", "shmget"])]));
    assert.equal(verdict(ipc, "x86", "ipc", [23n]), ALLOW); // SHMGET
    assert.equal(verdict(ipc, "x86", "ipc", [21n]), EPERM); // SHMAT
    assert.equal(verdict(ipc, "x86", "shmget"), ALLOW);
  });

  test("undefined for what it cannot compile exactly", () => {
    const ok = denyByDefault([allow(["read"])]);
    assert.ok(compileSeccomp(ok));
    const refused: Array<[string, LinuxSeccomp]> = [
      ["notify rule", denyByDefault([{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }])],
      ["notify default", { ...ok, defaultAction: "SCMP_ACT_NOTIFY" }],
      ["listener", { ...ok, listenerPath: "/run/agent.sock" }],
      ["flags", { ...ok, flags: ["SECCOMP_FILTER_FLAG_LOG"] }],
      ["unknown action", denyByDefault([{ names: ["mkdir"], action: "SCMP_ACT_MAYBE" }])],
      ["empty default action", { ...ok, defaultAction: "" }],
      ["unknown op", denyByDefault([allow(["openat"], [{ index: 0, value: 1, op: "SCMP_CMP_XOR" }])])],
      ["arg index 6", denyByDefault([allow(["openat"], [{ index: 6, value: 1, op: "SCMP_CMP_EQ" }])])],
      ["negative value", denyByDefault([allow(["openat"], [{ index: 0, value: -1, op: "SCMP_CMP_EQ" }])])],
      [
        "unsafe number",
        denyByDefault([allow(["openat"], [{ index: 0, value: 2 ** 60, op: "SCMP_CMP_EQ" }])]),
      ],
      ["errno too large", denyByDefault([{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 70000 }])],
      ["empty name", denyByDefault([allow([""])])],
      ["unknown arch", { ...ok, architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"] }],
      ["prototype arch", { ...ok, architectures: ["constructor"] }],
      ["syscalls not a list", { ...ok, syscalls: "read" } as unknown as LinuxSeccomp],
      ["null syscall", { ...ok, syscalls: [null] } as unknown as LinuxSeccomp],
      [
        "names not a list",
        denyByDefault([{ names: "read", action: "SCMP_ACT_ALLOW" } as unknown as LinuxSyscall]),
      ],
      ["null arg", denyByDefault([allow(["openat"], [null as unknown as LinuxSeccompArg])])],
    ];
    for (const [what, spec] of refused) assert.equal(compileSeccomp(spec), undefined, what);
    // unknown syscall names are ignored, as runc does
    assert.ok(compileSeccomp(denyByDefault([allow(["read", "no_such_syscall"])])));
  });

  test("undefined on a host that is not x86_64", () => {
    const saved = Object.getOwnPropertyDescriptor(process, "arch")!;
    Object.defineProperty(process, "arch", { ...saved, value: "arm64" });
    try {
      assert.equal(compileSeccomp(denyByDefault([allow(["read"])])), undefined);
    } finally {
      Object.defineProperty(process, "arch", saved);
    }
  });

  test("a Docker-sized profile on three arches fits, with long jumps, and allows every name", () => {
    const names = [...new Set([...syscallNames("x86_64"), ...syscallNames("x86"), ...syscallNames("x32")])]
      .filter((n) => n !== "clone" && n !== "personality")
      .slice(0, 400);
    const program = compile(
      denyByDefault([
        allow(names),
        allow(["clone"], [{ index: 0, value: 2114060288, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }]),
        allow(["personality"], [{ index: 0, value: 0, op: "SCMP_CMP_EQ" }]),
        allow(["personality"], [{ index: 0, value: 8, op: "SCMP_CMP_EQ" }]),
        allow(["personality"], [{ index: 0, value: 0xffffffff, op: "SCMP_CMP_EQ" }]),
      ]),
    );
    const count = program.length / 8;
    assert.ok(count <= 4096, `${count} instructions`);
    let longJumps = 0;
    for (let i = 0; i < count; i++) {
      if (program.readUInt16LE(8 * i) === 0x05 && program.readUInt32LE(8 * i + 4) > 255) longJumps++;
    }
    assert.ok(longJumps > 0, "expected long jumps");

    for (const arch of ["x86_64", "x86", "x32"] as const) {
      let checked = 0;
      for (const name of names) {
        if (syscallNumber(arch, name) === undefined) continue;
        assert.equal(verdict(program, arch, name), ALLOW, `${arch} ${name}`);
        checked++;
      }
      assert.ok(checked > 250, `${arch}: ${checked} names`);
      assert.equal(verdict(program, arch, "clone", [0x01200011n]), ALLOW);
      assert.equal(verdict(program, arch, "clone", [0x10000000n]), EPERM);
      assert.equal(verdict(program, arch, "personality", [8n]), ALLOW);
      assert.equal(verdict(program, arch, "personality", [9n]), EPERM);
    }
    console.log(`# ${names.length} names + clone, personality on 3 arches: ${count} instructions`);
  });
});
