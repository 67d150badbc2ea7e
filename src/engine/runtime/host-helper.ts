import { type ChildProcess, spawn } from "node:child_process";
import { basename } from "node:path";
import { internal, unavailable } from "../../lib/errors.ts";
import { HOST_HELPER_SCRIPT } from "./host-helper-script.ts";

/**
 * One long-lived helper process for the host-side system calls of a container's start and
 * exit: mount(2) and umount2(2) of its root file system, a new network namespace bound to a
 * file, and the `ip` runs that plug it in. Spawning from kapseld costs 3-5 ms each (a fork of
 * a 100 MB process), about 1 ms from a 5 MB one, and a syscall costs nothing; a start used to
 * spawn mount, unshare, ip and nsenter, an exit umount twice and ip.
 *
 * The helper is perl (perl-base is Essential on Debian; storage's fs-syscalls.ts already relies
 * on it) calling syscall(2) by number. It starts on first use, answers requests in any order
 * (programs it runs do not block it), and exits when kapseld's end of its stdin closes, also
 * after a kill -9. A helper that dies fails the calls in flight; the next call starts a new one.
 *
 * It also runs `docker exec` processes (nsexec, see exec-native.ts) and starts conmon (launch),
 * for the same reason.
 *
 * Wire format, both ways: "<byte length>\n" then NUL-separated fields. Requests are
 * [id, op, args...]; replies [id, "ok" | errno name | "exit N" | "EEXEC" | "EPIPE", text], with
 * progress reports [id, "event", kind, ...] before the reply of an nsexec.
 */
const SYSCALL_NAMES = [
  "mount",
  "umount2",
  "unshare",
  "setns",
  "capset",
  "prctl",
  "setgroups",
  "setresuid",
  "setresgid",
  "prlimit64",
  "keyctl",
  "seccomp",
] as const;
const SYSCALLS: Record<string, Record<(typeof SYSCALL_NAMES)[number], number>> = {
  x64: {
    mount: 165,
    umount2: 166,
    unshare: 272,
    setns: 308,
    capset: 126,
    prctl: 157,
    setgroups: 116,
    setresuid: 117,
    setresgid: 119,
    prlimit64: 302,
    keyctl: 250,
    seccomp: 317,
  },
  arm64: {
    mount: 40,
    umount2: 39,
    unshare: 97,
    setns: 268,
    capset: 91,
    prctl: 167,
    setgroups: 159,
    setresuid: 147,
    setresgid: 149,
    prlimit64: 261,
    keyctl: 219,
    seccomp: 277,
  },
};

/** mount(2) flags kapsel uses */
export const MS_BIND = 4096;
const MNT_DETACH = 2;

/**
 * A failed helper call: `code` is the errno name ("EBUSY"), "exit N" for a program that
 * failed, or "EPIPE" for a launched one that gave no line; `output` is what it printed.
 */
export class HostCallError extends Error {
  readonly code: string;
  readonly output: string;
  constructor(message: string, code: string, output: string) {
    super(message);
    this.name = "HostCallError";
    this.code = code;
    this.output = output;
  }
}

interface Pending {
  resolve: (text: string) => void;
  reject: (err: Error) => void;
  what: string;
  /** progress reports before the answer (nsexec's "fds", "pid", "started") */
  onEvent?: (fields: string[]) => void;
}

/** A process to run inside a running container (see nsexec). */
export interface NsExecRequest {
  /** the container's init process (host pid): its namespaces are joined */
  pid: number;
  /** the namespaces to join, by their /proc/<pid>/ns name: ipc, uts, net, pid, mnt, cgroup */
  namespaces: string[];
  /** the cgroup folders to join */
  cgroups: string[];
  uid: number;
  gid: number;
  additionalGids: number[];
  /** capability sets as bit masks (bit n: capability n) */
  caps: { bounding: bigint; effective: bigint; permitted: bigint; inheritable: bigint; ambient: bigint };
  noNewPrivileges: boolean;
  /** a seccomp BPF program (struct sock_filter[]) to install, as runc would for the container */
  seccomp?: Buffer;
  /** RLIMIT_* numbers with their limits */
  rlimits: { resource: number; soft: bigint; hard: bigint }[];
  oomScoreAdj?: number;
  /** the session keyring to join (runc's "_ses.<id>"), "" for none */
  keyring: string;
  cwd: string;
  env: string[];
  args: string[];
  /** a stdin pipe (else /dev/null) */
  stdin: boolean;
}

/** The pipe ends of an nsexec, in the helper: open them through /proc/<helperPid>/fd/<n>. */
export interface NsExecPipes {
  helperPid: number;
  stdin: number;
  stdout: number;
  stderr: number;
}

/** One helper process and the calls sent to it. */
interface HelperProcess {
  child: ChildProcess;
  pending: Map<number, Pending>;
  buf: Buffer;
  stderr: string;
}

export class HostHelper {
  #proc: HelperProcess | undefined;
  #next = 1;

  /** mount(2). Relative paths in `data` (overlay's lowerdir) resolve against `cwd`. */
  mount(o: { source: string; target: string; fstype?: string; flags?: number; data?: string; cwd?: string }) {
    return this.#call(`mount ${o.target}`, [
      "mount",
      o.cwd ?? "",
      o.source,
      o.target,
      o.fstype ?? "",
      String(o.flags ?? 0),
      o.data ?? "",
    ]).then(() => {});
  }

  /** umount2(2); `detach` is MNT_DETACH (the mount goes once its last user does). */
  unmount(target: string, o: { detach?: boolean } = {}): Promise<void> {
    return this.#call(`umount ${target}`, ["umount", target, String(o.detach ? MNT_DETACH : 0)]).then(
      () => {},
    );
  }

  /** A new network namespace bound to `path` (made if missing), its loopback up. */
  newNetns(path: string): Promise<void> {
    return this.#call(`network namespace ${path}`, ["netns", path]).then(() => {});
  }

  /** Writes a sysctl (`key`: its path below /proc/sys) inside the network namespace bound at `netns`. */
  nsSysctl(netns: string, key: string, value: string): Promise<void> {
    return this.#call(`sysctl ${key} in ${netns}`, ["nssysctl", netns, key, value]).then(() => {});
  }

  /**
   * Runs a program (absolute path), inside the network namespace bound at `netns` if given,
   * with `input` (a few KB at most) on its stdin. Resolves its output (stdout and stderr
   * together); rejects with it when the program exits non-zero.
   */
  run(argv: string[], o: { netns?: string; input?: string } = {}): Promise<string> {
    return this.#call(argv.join(" "), ["run", o.netns ?? "", o.input ?? "", ...argv]);
  }

  /**
   * Starts a program that lives on by itself (conmon): in a session of its own, stdin and
   * stdout on /dev/null, fd 3 a pipe, `env` as its whole environment. Resolves the first line
   * it writes on fd 3; rejects (code "EPIPE") with its stderr when it closes fd 3 without one.
   * The helper lets go of the program then.
   */
  launch(argv: string[], env: Record<string, string>): Promise<string> {
    const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    return this.#call(basename(argv[0]), ["launch", String(vars.length), ...vars, ...argv]);
  }

  /**
   * Runs a process inside a running container as `runc exec` does (runc 1.1's setns init:
   * namespaces, cgroups, session keyring, rlimits, no_new_privs, capabilities, groups, user,
   * cwd, HOME, PATH lookup), without runc's two Go start-ups. `pipes` comes first, then `pid`
   * (host pid) once forked; `started` resolves once the program runs; `done` resolves the exit
   * code (128+n for signal n). Both reject (code "EEXEC", runc's words in `output`) when the
   * process could not start. The caller opens the pipes from `pipes`, then calls `release()`,
   * which lets the helper close its ends.
   */
  nsexec(
    r: NsExecRequest,
    on: { pipes(p: NsExecPipes): void; pid(pid: number): void },
  ): { started: Promise<void>; done: Promise<number>; release(): void } {
    const mask = (m: bigint) => `${Number(m & 0xffffffffn)}:${Number((m >> 32n) & 0xffffffffn)}`;
    const caps = [r.caps.bounding, r.caps.effective, r.caps.permitted, r.caps.inheritable, r.caps.ambient]
      .map(mask)
      .join(":");
    const fields = [
      "nsexec",
      String(r.pid),
      r.namespaces.join(","),
      String(r.cgroups.length),
      ...r.cgroups,
      String(r.uid),
      String(r.gid),
      String(r.additionalGids.length),
      ...r.additionalGids.map(String),
      caps,
      r.noNewPrivileges ? "1" : "0",
      r.seccomp?.toString("hex") ?? "",
      String(r.rlimits.length),
      ...r.rlimits.map((l) => `${l.resource}:${l.soft}:${l.hard}`),
      r.oomScoreAdj === undefined ? "" : String(r.oomScoreAdj),
      r.keyring,
      r.cwd,
      r.stdin ? "1" : "0",
      String(r.env.length),
      ...r.env,
      ...r.args,
    ];
    let id = 0;
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const done = this.#call(
      r.args[0] ?? "exec",
      fields,
      (ev) => {
        if (ev[0] === "fds")
          on.pipes({
            helperPid: Number(ev[1]),
            stdin: Number(ev[2]),
            stdout: Number(ev[3]),
            stderr: Number(ev[4]),
          });
        else if (ev[0] === "pid") on.pid(Number(ev[1]));
        else if (ev[0] === "started") started();
      },
      (n) => {
        id = n;
      },
    ).then(Number);
    return {
      // a failure before the process ran rejects both
      started: Promise.race([running, done.then(() => {})]),
      done,
      release: () => {
        if (id) void this.#call("release", ["release", String(id)]).catch(() => {});
      },
    };
  }

  /** Ends the helper (tests); a later call starts a new one. */
  close(): void {
    this.#proc?.child.stdin?.end();
    this.#proc = undefined;
  }

  #call(
    what: string,
    fields: string[],
    onEvent?: (fields: string[]) => void,
    onId?: (id: number) => void,
  ): Promise<string> {
    for (const f of fields)
      if (f.includes("\0")) return Promise.reject(internal(`${what}: NUL in an argument`));
    let proc: HelperProcess;
    try {
      proc = this.#ensure();
    } catch (err) {
      return Promise.reject(err);
    }
    const id = this.#next++;
    onId?.(id);
    const payload = Buffer.from([String(id), ...fields].join("\0"));
    return new Promise<string>((resolve, reject) => {
      proc.pending.set(id, { resolve, reject, what, onEvent });
      if (proc.pending.size === 1) ref(proc.child, true);
      proc.child.stdin?.write(Buffer.concat([Buffer.from(`${payload.length}\n`), payload]));
    });
  }

  #ensure(): HelperProcess {
    if (this.#proc) return this.#proc;
    const n = SYSCALLS[process.arch];
    if (!n) throw unavailable(`kapsel does not know the syscall numbers of ${process.arch}`);
    const child = spawn("perl", ["-e", HOST_HELPER_SCRIPT, ...SYSCALL_NAMES.map((name) => String(n[name]))], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const proc: HelperProcess = { child, pending: new Map(), buf: Buffer.alloc(0), stderr: "" };
    this.#proc = proc;
    child.stdout?.on("data", (chunk: Buffer) => read(proc, chunk));
    child.stderr?.on("data", (chunk: Buffer) => {
      proc.stderr = (proc.stderr + chunk.toString()).slice(-2000);
    });
    child.stdin?.on("error", () => {}); // its exit says what happened
    const gone = (why: string) => {
      if (this.#proc === proc) this.#proc = undefined;
      const pending = [...proc.pending.values()];
      proc.pending.clear();
      const detail = proc.stderr.trim() || why;
      for (const p of pending) p.reject(internal(`${p.what}: the host helper stopped: ${detail}`));
    };
    child.on("error", (e) => gone(`cannot run perl: ${e.message}`));
    child.on("exit", (code, signal) => gone(`exit ${code ?? signal}`));
    ref(child, false);
    return proc;
  }
}

/** Keeps the event loop alive only while calls are in flight: an idle helper never holds kapseld up. */
function ref(child: ChildProcess, on: boolean): void {
  for (const s of [child.stdout, child.stderr, child.stdin] as ({
    ref?: () => void;
    unref?: () => void;
  } | null)[]) {
    on ? s?.ref?.() : s?.unref?.();
  }
  on ? child.ref() : child.unref();
}

/** Takes the helper's answers: "<length>\n" then [id, "ok" | error | "event", ...] NUL-separated. */
function read(proc: HelperProcess, chunk: Buffer): void {
  proc.buf = proc.buf.length > 0 ? Buffer.concat([proc.buf, chunk]) : chunk;
  for (;;) {
    const nl = proc.buf.indexOf(10);
    if (nl < 0) return;
    const len = Number(proc.buf.subarray(0, nl).toString());
    if (proc.buf.length < nl + 1 + len) return;
    const fields = proc.buf
      .subarray(nl + 1, nl + 1 + len)
      .toString()
      .split("\0");
    proc.buf = proc.buf.subarray(nl + 1 + len);
    const id = Number(fields[0]);
    const p = proc.pending.get(id);
    if (!p) continue;
    if (fields[1] === "event") {
      p.onEvent?.(fields.slice(2));
      continue;
    }
    proc.pending.delete(id);
    if (proc.pending.size === 0) ref(proc.child, false);
    const [status, text = ""] = fields.slice(1);
    if (status === "ok") p.resolve(text);
    else p.reject(new HostCallError(`${p.what}: ${text.trim() || status}`, status, text));
  }
}

let shared: HostHelper | undefined;

/** The daemon's one helper process (started on first use). */
export function hostHelper(): HostHelper {
  shared ??= new HostHelper();
  return shared;
}
