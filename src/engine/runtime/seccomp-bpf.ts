import type { LinuxSeccomp, LinuxSeccompArg } from "./oci-spec.ts";
import { type SyscallArch, syscallNumber } from "./syscall-numbers.ts";

/**
 * Compiles an OCI seccomp object into a classic BPF program that gives every (arch, nr, args)
 * the verdict of the filter runc 1.1 (with libseccomp 2.5) would load for it on an x86_64 host,
 * so a process kapsel starts itself (exec-native.ts) can get the container's filter with
 * seccomp(SECCOMP_SET_MODE_FILTER). The verdicts, from runc's libcontainer/seccomp and
 * libseccomp's db.c, gen_bpf.c and syscalls.c:
 * - runc skips a rule whose action is the default action, and splits a rule naming an argument
 *   twice into one rule per condition (so those conditions are OR'd, not AND'd).
 * - The filter holds the native arch (x86_64) plus the listed ones. A syscall from any other arch
 *   (an i386 one when SCMP_ARCH_X86 is not listed; an x32 one, nr with bit 30, when SCMP_ARCH_X32
 *   is not) gets the bad-arch action, KILL_THREAD. Without x32, x86_64 numbers >= 0x40000000
 *   are bad-arch too, except -1 (which tracers use to skip a syscall: default action).
 * - Per syscall number the first rule without conditions wins outright (libseccomp drops the
 *   conditional rules of a syscall that has one); otherwise the conditional rules are OR'd and
 *   none matching gives the default action.
 * - Argument comparisons are unsigned and 64-bit on x86_64; i386 and x32 (32-bit arches to
 *   libseccomp) compare the low words only. SCMP_CMP_MASKED_EQ is (arg & value) == (valueTwo &
 *   value), as libseccomp masks the datum.
 * - On i386 the socket and SysV IPC calls also exist multiplexed: a rule for `socket` adds one
 *   for socketcall(2) with arg0 == SYS_SOCKET (replacing any arg0 condition), and the direct
 *   syscall if i386 has it.
 * - runc's -ENOSYS stub: unless the default action is ALLOW, LOG or TRACE, a syscall numbered
 *   above the largest one the profile names on its arch gets ENOSYS (i386: the multiplexed
 *   names do not count).
 *
 * Undefined means "not compiled exactly here", and the caller lets runc do it: besides what runc
 * refuses or cannot do natively (NOTIFY, flags, ...), that covers cases where libseccomp's own
 * BPF is wrong or the answer depends on the runc version (treeIsSafe, losesNrLoad, the native
 * arch's stub). Syscall names resolve with syscall-numbers.ts (the kernel headers, plus what
 * runc's libseccomp knows beyond them), which must know the same syscalls as the host's
 * libseccomp for the results to agree.
 */

const AUDIT_ARCH_X86_64 = 0xc000003e;
const AUDIT_ARCH_I386 = 0x40000003;
const X32_SYSCALL_BIT = 0x40000000;
const BPF_MAXINSNS = 4096;
const EPERM = 1;
const ENOSYS = 38;

const RET_KILL_THREAD = 0x00000000;
const RET_ERRNO = 0x00050000;

/** SECCOMP_RET_* for an action; errno data goes in the low 16 bits (ERRNO, TRACE). */
function actionValue(action: string, errnoRet: number | undefined): number | undefined {
  switch (action) {
    case "SCMP_ACT_KILL":
    case "SCMP_ACT_KILL_THREAD":
      return RET_KILL_THREAD;
    case "SCMP_ACT_KILL_PROCESS":
      return 0x80000000;
    case "SCMP_ACT_TRAP":
      return 0x00030000;
    case "SCMP_ACT_ERRNO":
      return withData(RET_ERRNO, errnoRet);
    case "SCMP_ACT_TRACE":
      return withData(0x7ff00000, errnoRet);
    case "SCMP_ACT_LOG":
      return 0x7ffc0000;
    case "SCMP_ACT_ALLOW":
      return 0x7fff0000;
    default:
      return undefined; // SCMP_ACT_NOTIFY needs a listener; anything else runc refuses
  }
}

function withData(ret: number, errnoRet: number | undefined): number | undefined {
  const data = errnoRet ?? EPERM;
  if (!Number.isInteger(data) || data < 0 || data > 0xffff) return undefined;
  return (ret | data) >>> 0;
}

/** Default actions for which runc adds no -ENOSYS stub (a tracer handles new syscalls). */
const PERMISSIVE_DEFAULTS = new Set(["SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_TRACE"]);

const FILTER_ARCHES = new Map<string, SyscallArch>([
  ["SCMP_ARCH_X86_64", "x86_64"],
  ["SCMP_ARCH_X86", "x86"],
  ["SCMP_ARCH_X32", "x32"],
]);

/** Arches runc knows that an x86_64 kernel never reports: their filter sections never run. */
const FOREIGN_ARCHES = new Set([
  "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64",
  "SCMP_ARCH_MIPS",
  "SCMP_ARCH_MIPS64",
  "SCMP_ARCH_MIPS64N32",
  "SCMP_ARCH_MIPSEL",
  "SCMP_ARCH_MIPSEL64",
  "SCMP_ARCH_MIPSEL64N32",
  "SCMP_ARCH_PPC",
  "SCMP_ARCH_PPC64",
  "SCMP_ARCH_PPC64LE",
  "SCMP_ARCH_RISCV64",
  "SCMP_ARCH_S390",
  "SCMP_ARCH_S390X",
]);

type Op = "NE" | "LT" | "LE" | "EQ" | "GE" | "GT" | "MASKED_EQ";

const OPS = new Map<string, Op>([
  ["SCMP_CMP_NE", "NE"],
  ["SCMP_CMP_LT", "LT"],
  ["SCMP_CMP_LE", "LE"],
  ["SCMP_CMP_EQ", "EQ"],
  ["SCMP_CMP_GE", "GE"],
  ["SCMP_CMP_GT", "GT"],
  ["SCMP_CMP_MASKED_EQ", "MASKED_EQ"],
]);

/** One argument condition, as libseccomp stores it: (arg & mask) OP datum, datum already masked. */
interface Cond {
  index: number;
  op: Op;
  mask: bigint;
  datum: bigint;
}

/** A rule as runc hands it to libseccomp: one syscall name, all conditions must hold. */
interface Rule {
  name: string;
  ret: number;
  conds: Cond[];
}

interface Profile {
  defaultRet: number;
  /** arches in the filter; always holds x86_64 */
  arches: Set<SyscallArch>;
  rules: Rule[];
  /** per arch, the largest syscall number of the -ENOSYS stub (absent: no stub check) */
  enosysAbove: Map<SyscallArch, number>;
}

/** What a syscall number leads to on one arch. */
type Outcome = { ret: number } | { rules: Rule[] };

const U64_MAX = (1n << 64n) - 1n;
const LOW_WORD = 0xffffffffn;

export function compileSeccomp(spec: LinuxSeccomp): Buffer | undefined {
  if (process.arch !== "x64") return undefined;
  const profile = readProfile(spec);
  if (!profile) return undefined;
  const asm = new Assembler();
  if (!emitProgram(asm, profile)) return undefined;
  if (asm.length > BPF_MAXINSNS) return undefined;
  return asm.bytes();
}

// ---- reading the profile (runc's specconv and matchCall) ----

function readProfile(spec: LinuxSeccomp): Profile | undefined {
  if (spec.listenerPath || (spec.flags && spec.flags.length > 0)) return undefined;
  if (!isList(spec.architectures) || !isList(spec.syscalls)) return undefined;
  const defaultRet = actionValue(spec.defaultAction, spec.defaultErrnoRet);
  if (defaultRet === undefined) return undefined;

  const arches = new Set<SyscallArch>(["x86_64"]);
  const listed = new Set<SyscallArch>();
  for (const name of spec.architectures ?? []) {
    const arch = FILTER_ARCHES.get(name);
    if (arch) listed.add(arch);
    else if (!FOREIGN_ARCHES.has(name)) return undefined;
  }
  for (const arch of listed) arches.add(arch);

  const rules: Rule[] = [];
  const allNames: string[] = [];
  for (const call of spec.syscalls ?? []) {
    if (!call || typeof call !== "object" || !isList(call.names) || !isList(call.args)) return undefined;
    const ret = actionValue(call.action, call.errnoRet);
    const conds: Cond[] = [];
    for (const arg of call.args ?? []) {
      const cond = readCond(arg);
      if (!cond) return undefined;
      conds.push(cond);
    }
    if (ret === undefined) return undefined;
    for (const name of call.names ?? []) {
      if (typeof name !== "string" || name === "") return undefined;
      allNames.push(name);
      if (ret === defaultRet) continue; // runc: "This rule is redundant, silently skip it"
      for (const set of splitSharedIndexes(conds)) rules.push({ name, ret, conds: set });
    }
  }

  const enosysAbove = new Map<SyscallArch, number>();
  if (!PERMISSIVE_DEFAULTS.has(spec.defaultAction)) {
    for (const arch of arches) {
      const largest = Math.max(0, ...allNames.map((name) => stubNumber(arch, name)));
      if (largest === 0) continue; // runc: "could not find any syscalls for arch"
      // runc < 1.1.15 only stubs the listed arches, later ones add the native one
      if (!listed.has(arch)) return undefined;
      enosysAbove.set(arch, largest);
    }
  }
  return { defaultRet, arches, rules, enosysAbove };
}

/** The object comes from JSON a user supplied: lists are checked before being iterated. */
function isList(value: unknown): boolean {
  return value === undefined || Array.isArray(value);
}

function readCond(arg: LinuxSeccompArg): Cond | undefined {
  if (typeof arg !== "object" || arg === null) return undefined;
  const op = OPS.get(arg.op);
  const value = toU64(arg.value);
  const valueTwo = arg.valueTwo === undefined ? 0n : toU64(arg.valueTwo);
  if (!op || value === undefined || valueTwo === undefined) return undefined;
  if (!Number.isInteger(arg.index) || arg.index < 0 || arg.index > 5) return undefined;
  if (op === "MASKED_EQ") return { index: arg.index, op, mask: value, datum: valueTwo & value };
  return { index: arg.index, op, mask: U64_MAX, datum: value };
}

function toU64(v: number | bigint): bigint | undefined {
  if (typeof v === "bigint") return v >= 0n && v <= U64_MAX ? v : undefined;
  return Number.isSafeInteger(v) && v >= 0 ? BigInt(v) : undefined;
}

/** runc: when a rule names one argument twice, each condition becomes a rule of its own. */
function splitSharedIndexes(conds: Cond[]): Cond[][] {
  const indexes = new Set(conds.map((c) => c.index));
  return indexes.size === conds.length ? [conds] : conds.map((c) => [c]);
}

// ---- per-arch syscall tables (libseccomp's rule database) ----

/** i386 syscall numbers of the multiplexers. */
const SOCKETCALL = 102;
const IPC = 117;
/** socketcall(2)'s call numbers, SYS_SOCKET (1) to SYS_SENDMMSG (20), in order. */
const SOCKET_CALLS = [
  "socket bind connect listen accept getsockname getpeername socketpair send recv sendto",
  "recvfrom shutdown setsockopt getsockopt sendmsg recvmsg accept4 recvmmsg sendmmsg",
]
  .join(" ")
  .split(" ");
/** ipc(2)'s call numbers (SEMOP 1 ... SHMCTL 24). */
const IPC_CALLS = new Map<string, number>([
  ["semop", 1],
  ["semget", 2],
  ["semctl", 3],
  ["semtimedop", 4],
  ["msgsnd", 11],
  ["msgrcv", 12],
  ["msgget", 13],
  ["msgctl", 14],
  ["shmat", 21],
  ["shmdt", 22],
  ["shmget", 23],
  ["shmctl", 24],
]);

/** [multiplexer syscall, its call number] when i386 libseccomp also filters `name` through one. */
function multiplexed(name: string): [number, number] | undefined {
  const socketCall = SOCKET_CALLS.indexOf(name);
  if (socketCall >= 0) return [SOCKETCALL, socketCall + 1];
  const ipcCall = IPC_CALLS.get(name);
  return ipcCall === undefined ? undefined : [IPC, ipcCall];
}

/** The number runc's stub counts for a name: libseccomp resolves i386's multiplexed names to
 * negative pseudo numbers, which never are the largest. */
function stubNumber(arch: SyscallArch, name: string): number {
  if (arch === "x86" && multiplexed(name)) return 0;
  return syscallNumber(arch, name) ?? 0;
}

/** Bits libseccomp compares per argument on this arch (its "size" of the arch). */
function argBits(arch: SyscallArch): 32 | 64 {
  return arch === "x86_64" ? 64 : 32;
}

/** Each rule's (number, conditions) on one arch, in the order runc adds them. */
function archRules(rules: Rule[], arch: SyscallArch): Array<{ nr: number; rule: Rule }> {
  const out: Array<{ nr: number; rule: Rule }> = [];
  for (const rule of rules) {
    const mux = arch === "x86" ? multiplexed(rule.name) : undefined;
    if (mux) {
      const [nr, call] = mux;
      const callCond: Cond = { index: 0, op: "EQ", mask: U64_MAX, datum: BigInt(call) };
      out.push({ nr, rule: { ...rule, conds: [callCond, ...rule.conds.filter((c) => c.index !== 0)] } });
    }
    const nr = syscallNumber(arch, rule.name);
    if (nr !== undefined) out.push({ nr, rule });
  }
  const bits = argBits(arch);
  return out.map(({ nr, rule }) => ({ nr, rule: { ...rule, conds: narrow(rule.conds, bits) } }));
}

/** Conditions as the arch compares them; a masked compare with nothing left to compare is
 * dropped, as libseccomp drops it (a rule left without any becomes unconditional). */
function narrow(conds: Cond[], bits: 32 | 64): Cond[] {
  if (bits === 64) return conds.filter((c) => !(c.op === "MASKED_EQ" && c.mask === 0n));
  return conds
    .map((c) => ({ ...c, mask: c.mask & LOW_WORD, datum: c.datum & LOW_WORD }))
    .filter((c) => !(c.op === "MASKED_EQ" && c.mask === 0n));
}

/** The outcome per syscall number on one arch, or undefined when libseccomp's rule tree would not
 * give the plain "any rule matching" verdict (see treeIsSafe, unambiguous). */
function archTable(rules: Rule[], arch: SyscallArch): Map<number, Outcome> | undefined {
  const byNumber = new Map<number, Rule[]>();
  for (const { nr, rule } of archRules(rules, arch)) {
    const list = byNumber.get(nr) ?? [];
    list.push(rule);
    byNumber.set(nr, list);
  }
  const table = new Map<number, Outcome>();
  for (const [nr, list] of [...byNumber].sort((a, b) => a[0] - b[0])) {
    const unconditional = list.find((r) => r.conds.length === 0);
    if (unconditional) {
      table.set(nr, { ret: unconditional.ret });
      continue;
    }
    if (!treeIsSafe(list, argBits(arch)) || !unambiguous(list)) return undefined;
    table.set(nr, { rules: list });
  }
  return table;
}

/**
 * libseccomp 2.5 bug: a section that loads nr itself (i386; x86_64 merged with x32) puts the load
 * in the block of its highest-priority syscall (fewest argument checks, then lowest number in
 * the first arch's list). When that is a pseudo syscall (a name the arch lacks, kept as a
 * negative number) the block is left out with the load, and the section compares the arch in
 * the accumulator instead of nr. A syscall without conditions in the first arch wins over any
 * pseudo one; without one, a name the section's arches lack may trigger it (undefined then).
 */
function losesNrLoad(
  rules: Rule[],
  sectionArches: SyscallArch[],
  firstArchTable: Map<number, Outcome>,
): boolean {
  const pseudo = rules.some((r) => sectionArches.some((arch) => syscallNumber(arch, r.name) === undefined));
  return pseudo && ![...firstArchTable.values()].some((outcome) => "ret" in outcome);
}

/**
 * libseccomp 2.5 merges a syscall's conditional rules into a tree of 32-bit checks, and its BPF
 * for that tree can read the wrong argument word: a check reached by falling back from another
 * rule's checks may expect the word the other rule's first check loaded (e.g. two x86_64 rules
 * `arg0 <= 0x26`, `arg0 <= 0x1_0000_0005`). Trusted here: one rule (a single chain); several
 * rules of one condition each on a 32-bit arch (each a single check); on x86_64, several rules of
 * one condition on the same argument whose high words are checked alike (EQ, NE, LT, LE, GT, GE
 * with equal high words; MASKED_EQ with no mask bits there), like Docker's socket and
 * personality rules. Anything else is left to runc.
 */
function treeIsSafe(rules: Rule[], bits: 32 | 64): boolean {
  if (rules.length === 1) return true;
  if (rules.some((r) => r.conds.length !== 1)) return false;
  if (bits === 32) return true;
  const conds = rules.map((r) => r.conds[0]);
  const highWords = new Set<bigint>();
  for (const c of conds) {
    if (c.index !== conds[0].index) return false;
    if (c.op !== "MASKED_EQ") highWords.add(c.datum >> 32n);
    else if (c.mask >> 32n !== 0n) return false;
  }
  return highWords.size <= 1;
}

/** True when no two rules with different actions can match the same call. */
function unambiguous(list: Rule[]): boolean {
  return list.every((a, i) => list.slice(i + 1).every((b) => a.ret === b.ret || disjoint(a, b)));
}

function disjoint(a: Rule, b: Rule): boolean {
  return a.conds.some((x) => b.conds.some((y) => x.index === y.index && excludes(x, y)));
}

/** Whether no argument value satisfies both (same index, same arch width). */
function excludes(x: Cond, y: Cond): boolean {
  const equality = (c: Cond) => c.op === "EQ" || c.op === "MASKED_EQ";
  if (equality(x) && equality(y)) return ((x.datum ^ y.datum) & x.mask & y.mask) !== 0n;
  const [ne, eq] = x.op === "NE" ? [x, y] : [y, x];
  return ne.op === "NE" && eq.op === "EQ" && ne.datum === eq.datum;
}

// ---- code generation ----

const SECCOMP_DATA_NR = 0;
const SECCOMP_DATA_ARCH = 4;
const argLow = (index: number) => 16 + 8 * index;
const argHigh = (index: number) => 20 + 8 * index;

/** Longest run of `jeq` sharing one `ret`: conditional jumps reach 255 instructions ahead. */
const RUN = 250;

/**
 *   ld arch; x86_64 → its section; i386 (if in the filter) → its section; else ret KILL_THREAD
 *   section: [-ENOSYS stub check] [runs of jeq nr → ret action] [jeq nr → ja block] ret default
 *            then the blocks of the syscalls with conditional rules
 */
function emitProgram(asm: Assembler, p: Profile): boolean {
  const tables = new Map<SyscallArch, Map<number, Outcome>>();
  for (const arch of p.arches) {
    const table = archTable(p.rules, arch);
    if (!table) return false;
    tables.set(arch, table);
  }
  if (p.arches.has("x86") && losesNrLoad(p.rules, ["x86"], tables.get("x86")!)) return false;
  if (p.arches.has("x32") && losesNrLoad(p.rules, ["x86_64", "x32"], tables.get("x86_64")!)) return false;

  const x86_64 = asm.label();
  const i386 = asm.label();
  asm.ld(SECCOMP_DATA_ARCH);
  asm.longJumpIf(JEQ, AUDIT_ARCH_X86_64, x86_64);
  if (p.arches.has("x86")) asm.longJumpIf(JEQ, AUDIT_ARCH_I386, i386);
  asm.ret(RET_KILL_THREAD); // libseccomp's default bad-arch action

  asm.bind(x86_64);
  asm.ld(SECCOMP_DATA_NR);
  if (p.arches.has("x32")) {
    // x32 syscalls arrive as AUDIT_ARCH_X86_64 with bit 30 set in nr
    const x32 = asm.label();
    asm.longJumpIf(JSET, X32_SYSCALL_BIT, x32);
    emitSection(asm, p, "x86_64", tables);
    asm.bind(x32);
    emitSection(asm, p, "x32", tables);
  } else {
    // libseccomp: nr >= 0x40000000 is not x86_64 (bad arch), except -1, which no rule names
    const low = asm.label();
    const kill = asm.label();
    asm.jumpIf(JSET, X32_SYSCALL_BIT, undefined, low);
    asm.jumpIf(JEQ, 0xffffffff, undefined, kill);
    asm.ret(p.defaultRet);
    asm.bind(kill);
    asm.ret(RET_KILL_THREAD);
    asm.bind(low);
    if (!p.enosysAbove.has("x86_64")) {
      // bit 31 without bit 30 (with the stub, these got ENOSYS above)
      const below = asm.label();
      asm.jumpIf(JGE, 0x80000000, undefined, below);
      asm.ret(RET_KILL_THREAD);
      asm.bind(below);
    }
    emitSection(asm, p, "x86_64", tables);
  }

  if (p.arches.has("x86")) {
    asm.bind(i386);
    asm.ld(SECCOMP_DATA_NR);
    emitSection(asm, p, "x86", tables);
  }
  return true;
}

/** One arch's checks, with nr in the accumulator; every path ends in a ret. */
function emitSection(
  asm: Assembler,
  p: Profile,
  arch: SyscallArch,
  tables: Map<SyscallArch, Map<number, Outcome>>,
) {
  const enosysAbove = p.enosysAbove.get(arch);
  if (enosysAbove !== undefined) {
    const known = asm.label();
    asm.jumpIf(JGT, enosysAbove, undefined, known);
    asm.ret(RET_ERRNO | ENOSYS);
    asm.bind(known);
  }

  const table = tables.get(arch) ?? new Map<number, Outcome>();
  const byAction = new Map<number, number[]>();
  const conditional: Array<[number, Rule[]]> = [];
  for (const [nr, outcome] of table) {
    if ("ret" in outcome) byAction.set(outcome.ret, [...(byAction.get(outcome.ret) ?? []), nr]);
    else conditional.push([nr, outcome.rules]);
  }

  for (const [ret, numbers] of byAction) {
    for (let i = 0; i < numbers.length; i += RUN) emitRun(asm, numbers.slice(i, i + RUN), ret);
  }
  const blocks = conditional.map(([nr]) => {
    const block = asm.label();
    asm.longJumpIf(JEQ, nr, block);
    return block;
  });
  asm.ret(p.defaultRet);

  conditional.forEach(([, rules], i) => {
    asm.bind(blocks[i]);
    emitRules(asm, rules, argBits(arch), p.defaultRet);
  });
}

/** `jeq n1 → hit; ...; jeq nk → hit; (miss:) ...` with `hit: ret action` in between. */
function emitRun(asm: Assembler, numbers: number[], ret: number) {
  const hit = asm.label();
  const miss = asm.label();
  numbers.forEach((nr, i) => {
    asm.jumpIf(JEQ, nr, hit, i === numbers.length - 1 ? miss : undefined);
  });
  asm.bind(hit);
  asm.ret(ret);
  asm.bind(miss);
}

/** Rules tried in order (they agree wherever they overlap); none matching: the default. */
function emitRules(asm: Assembler, rules: Rule[], bits: 32 | 64, defaultRet: number) {
  for (const rule of rules) {
    const next = asm.label();
    for (const cond of rule.conds) emitCond(asm, cond, bits, next);
    asm.ret(rule.ret);
    asm.bind(next);
  }
  asm.ret(defaultRet);
}

/** Falls through when the condition holds, jumps to `fail` when not. */
function emitCond(asm: Assembler, c: Cond, bits: 32 | 64, fail: Label) {
  const hi = Number((c.datum >> 32n) & LOW_WORD);
  const lo = Number(c.datum & LOW_WORD);
  const pass = asm.label();
  switch (c.op) {
    case "EQ":
    case "MASKED_EQ": {
      const words: Array<[number, bigint, number]> = [[argLow(c.index), c.mask & LOW_WORD, lo]];
      if (bits === 64) words.unshift([argHigh(c.index), c.mask >> 32n, hi]);
      for (const [offset, mask, datum] of words) {
        if (mask === 0n) continue; // (arg & 0) == 0 always
        asm.ld(offset);
        if (mask !== LOW_WORD) asm.and(Number(mask));
        asm.jumpIf(JEQ, datum, undefined, fail);
      }
      break;
    }
    case "NE":
      if (bits === 64) {
        asm.ld(argHigh(c.index));
        asm.jumpIf(JEQ, hi, undefined, pass);
      }
      asm.ld(argLow(c.index));
      asm.jumpIf(JEQ, lo, fail, undefined);
      break;
    default: {
      // 64-bit: decided by the high words unless they are equal
      const greater = c.op === "GT" || c.op === "GE";
      if (bits === 64) {
        asm.ld(argHigh(c.index));
        asm.jumpIf(JGT, hi, greater ? pass : fail, undefined);
        asm.jumpIf(JEQ, hi, undefined, greater ? fail : pass);
      }
      asm.ld(argLow(c.index));
      if (c.op === "GT") asm.jumpIf(JGT, lo, undefined, fail);
      else if (c.op === "GE") asm.jumpIf(JGE, lo, undefined, fail);
      else if (c.op === "LT") asm.jumpIf(JGE, lo, fail, undefined);
      else asm.jumpIf(JGT, lo, fail, undefined); // LE
    }
  }
  asm.bind(pass);
}

// ---- a tiny classic-BPF assembler: forward labels, resolved when encoding ----

const BPF_LD_W_ABS = 0x20;
const BPF_ALU_AND_K = 0x54;
const BPF_JA = 0x05;
const JEQ = 0x15;
const JGT = 0x25;
const JGE = 0x35;
const JSET = 0x45;
const BPF_RET_K = 0x06;

type JumpOp = typeof JEQ | typeof JGT | typeof JGE | typeof JSET;

interface Label {
  at: number;
}

interface Insn {
  code: number;
  k: number;
  /** conditional jump targets; undefined: the next instruction */
  jt?: Label;
  jf?: Label;
  /** BPF_JA target */
  to?: Label;
}

class Assembler {
  private insns: Insn[] = [];

  get length(): number {
    return this.insns.length;
  }

  label(): Label {
    return { at: -1 };
  }

  bind(label: Label) {
    label.at = this.insns.length;
  }

  ld(offset: number) {
    this.insns.push({ code: BPF_LD_W_ABS, k: offset });
  }

  and(mask: number) {
    this.insns.push({ code: BPF_ALU_AND_K, k: mask });
  }

  /** A conditional jump; its targets must lie at most 255 instructions ahead. */
  jumpIf(op: JumpOp, k: number, jt: Label | undefined, jf: Label | undefined) {
    this.insns.push({ code: op, k, jt, jf });
  }

  /** `if (A op k) goto target` for any distance: a short test over a 32-bit BPF_JA. */
  longJumpIf(op: JumpOp, k: number, target: Label) {
    const skip = this.label();
    this.jumpIf(op, k, undefined, skip);
    this.insns.push({ code: BPF_JA, k: 0, to: target });
    this.bind(skip);
  }

  ret(value: number) {
    this.insns.push({ code: BPF_RET_K, k: value >>> 0 });
  }

  /** struct sock_filter[] in host (little-endian) order. */
  bytes(): Buffer {
    const last = this.insns.at(-1);
    if (last?.code !== BPF_RET_K) throw new Error("seccomp-bpf: program must end with ret");
    const buf = Buffer.alloc(8 * this.insns.length);
    this.insns.forEach((insn, i) => {
      const k = insn.to ? offset(insn.to, i, 0xffffffff) : insn.k;
      buf.writeUInt16LE(insn.code, 8 * i);
      buf.writeUInt8(insn.jt ? offset(insn.jt, i, 255) : 0, 8 * i + 2);
      buf.writeUInt8(insn.jf ? offset(insn.jf, i, 255) : 0, 8 * i + 3);
      buf.writeUInt32LE(k >>> 0, 8 * i + 4);
    });
    return buf;
  }
}

/** Jump offset from instruction `from` to `label`: forward only, and within `max`. */
function offset(label: Label, from: number, max: number): number {
  const distance = label.at - from - 1;
  if (label.at < 0 || distance < 0 || distance > max) {
    throw new Error(`seccomp-bpf: jump from ${from} to ${label.at} out of range`);
  }
  return distance;
}
