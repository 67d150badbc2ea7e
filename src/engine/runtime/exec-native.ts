import { constants, openSync } from "node:fs";
import { Socket } from "node:net";
import { conflict } from "../../lib/errors.ts";
import { type ExecOptions, type ExecTask, pipedTask } from "./exec.ts";
import { FrameQueue } from "./frame-queue.ts";
import { CAPABILITY_NAMES } from "./host-facts.ts";
import { HostCallError, type HostHelper, type NsExecRequest } from "./host-helper.ts";
import type { LinuxSeccomp, OciSpec, ProcessSpec } from "./oci-spec.ts";
import { runtimeError } from "./runc.ts";
import type { RuncState } from "./runc-state.ts";
import { compileSeccomp } from "./seccomp-bpf.ts";

/**
 * `docker exec` without a tty, in the host helper instead of `runc exec` (host-helper.ts
 * nsexec): the same steps as runc 1.1's setns init, without starting runc and `runc init`
 * (two Go runtimes, ~20 ms of the ~25 ms an exec took). Only for what it covers: a runc
 * container without a user namespace, AppArmor or SELinux label, with capabilities it knows and
 * a seccomp filter seccomp-bpf.ts can compile; `nativeExecRequest` returns undefined for
 * anything else, and runc does the exec.
 */

const NS_NAMES: Record<string, string> = {
  ipc: "ipc",
  uts: "uts",
  network: "net",
  pid: "pid",
  mount: "mnt",
  cgroup: "cgroup",
};

const RLIMITS = [
  "RLIMIT_CPU",
  "RLIMIT_FSIZE",
  "RLIMIT_DATA",
  "RLIMIT_STACK",
  "RLIMIT_CORE",
  "RLIMIT_RSS",
  "RLIMIT_NPROC",
  "RLIMIT_NOFILE",
  "RLIMIT_MEMLOCK",
  "RLIMIT_AS",
  "RLIMIT_LOCKS",
  "RLIMIT_SIGPENDING",
  "RLIMIT_MSGQUEUE",
  "RLIMIT_NICE",
  "RLIMIT_RTPRIO",
  "RLIMIT_RTTIME",
];

const RLIM_INFINITY = (1n << 64n) - 1n;

/** The helper's request for this exec, or undefined when runc must do it. */
export function nativeExecRequest(
  id: string,
  spec: OciSpec,
  state: RuncState,
  p: ProcessSpec,
  o: ExecOptions,
): NsExecRequest | undefined {
  if (o.tty || o.detach) return undefined;
  const linux = spec.linux ?? {};
  if (p.apparmorProfile || p.selinuxLabel) return undefined;
  const seccomp = linux.seccomp && seccompProgram(linux.seccomp);
  if (seccomp === null) return undefined;
  if ((linux as { uidMappings?: unknown[] }).uidMappings?.length) return undefined;
  const namespaces: string[] = [];
  for (const ns of linux.namespaces ?? []) {
    const name = NS_NAMES[ns.type];
    if (!name) return undefined; // a user namespace, or one unknown here
    namespaces.push(name);
  }
  const masks = { bounding: 0n, effective: 0n, permitted: 0n, inheritable: 0n, ambient: 0n };
  for (const set of Object.keys(masks) as (keyof typeof masks)[]) {
    for (const name of p.capabilities?.[set] ?? []) {
      const bit = (CAPABILITY_NAMES as readonly string[]).indexOf(name);
      if (bit < 0) return undefined;
      masks[set] |= 1n << BigInt(bit);
    }
  }
  const rlimits: NsExecRequest["rlimits"] = [];
  for (const r of p.rlimits ?? []) {
    const resource = RLIMITS.indexOf(r.type);
    if (resource < 0) return undefined;
    rlimits.push({ resource, soft: rlimitValue(r.soft), hard: rlimitValue(r.hard) });
  }
  return {
    pid: state.pid,
    namespaces,
    cgroups: [...new Set(Object.values(state.cgroupPaths))],
    uid: p.user?.uid ?? 0,
    gid: p.user?.gid ?? 0,
    additionalGids: p.user?.additionalGids ?? [],
    caps: masks,
    noNewPrivileges: p.noNewPrivileges === true,
    ...(seccomp ? { seccomp } : {}),
    rlimits,
    oomScoreAdj: p.oomScoreAdj,
    keyring: `_ses.${id}`,
    cwd: p.cwd || "/",
    env: p.env ?? [],
    args: p.args ?? [],
    stdin: o.stdin,
  };
}

/**
 * Compiled programs by profile: containers mostly share one, a compile takes a few milliseconds
 * and the key (the object as JSON, ~6 kB for Docker's default) some microseconds.
 */
const programs = new Map<string, Buffer | null>();

/** The container's filter as a BPF program, null when only runc can apply it. */
function seccompProgram(seccomp: LinuxSeccomp): Buffer | null {
  const key = JSON.stringify(seccomp);
  let program = programs.get(key);
  if (program === undefined) {
    program = compileSeccomp(seccomp) ?? null;
    if (programs.size >= 16) programs.clear();
    programs.set(key, program);
  }
  return program;
}

/** -1 (kapsel's infinity) or 2^64-1 as JSON read it back (a float) */
function rlimitValue(v: number): bigint {
  return v < 0 || v >= 2 ** 63 ? RLIM_INFINITY : BigInt(Math.trunc(v));
}

/** Resolves once the process runs (its pid known), or rejects with runc's words. */
export function execNative(helper: HostHelper, req: NsExecRequest): Promise<ExecTask> {
  let stdin: Socket | undefined;
  const streams: Socket[] = [];
  let dropOutput = false;
  const output = new FrameQueue({
    onPressure: (on) => {
      for (const s of streams) on ? s.pause() : s.resume();
    },
  });
  let pid = 0;
  let open = 2;
  let outputsClosed: () => void = () => {};
  const closed = new Promise<void>((r) => {
    outputsClosed = r;
  });
  return new Promise<ExecTask>((resolve, reject) => {
    const call = helper.nsexec(req, {
      pipes(p) {
        try {
          const at = (fd: number) => `/proc/${p.helperPid}/fd/${fd}`;
          // O_NONBLOCK: libuv reads them through epoll, as any pipe
          for (const [stream, fd] of [
            ["stdout", p.stdout],
            ["stderr", p.stderr],
          ] as const) {
            const s = new Socket({
              fd: openSync(at(fd), constants.O_RDONLY | constants.O_NONBLOCK),
              writable: false,
            });
            s.on("data", (data: Buffer) => {
              if (!dropOutput) output.push({ stream, data });
            });
            s.on("error", () => {});
            s.on("close", () => {
              if (--open === 0) {
                output.end();
                outputsClosed();
              }
            });
            streams.push(s);
          }
          if (req.stdin) {
            stdin = new Socket({
              fd: openSync(at(p.stdin), constants.O_WRONLY | constants.O_NONBLOCK),
              readable: false,
            });
            stdin.on("error", () => {});
          }
        } finally {
          call.release();
        }
      },
      pid(n) {
        pid = n;
      },
    });
    const exited = call.done.then(async (code) => {
      await closed;
      return code;
    });
    exited.catch(() => {}); // a start failure is reported through `started`
    // the process runs once its pid is known and the helper said nothing went wrong: the
    // "started" report comes with the pid's, before the exit; a start failure rejects `done`
    call.done.catch(() => {});
    call.started
      .then(() =>
        resolve(
          pipedTask({
            pid,
            output,
            stdin,
            pipes: streams,
            exited,
            dropOutput: () => {
              dropOutput = true;
            },
          }),
        ),
      )
      .catch((err: unknown) => {
        for (const s of streams) s.destroy();
        stdin?.destroy();
        reject(err instanceof HostCallError && err.code === "EEXEC" ? runtimeError(err.output) : err);
      });
  });
}

function _signalPid(pid: number, signal: number | NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ESRCH") throw conflict("process is not running", e);
    throw e;
  }
}
