import { type ChildProcess, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { internal } from "../../lib/errors.ts";
import { HostCallError, type HostHelper } from "./host-helper.ts";
import { globalArgs, type RuncCli, runtimeError, runtimeMessage } from "./runc.ts";

/**
 * Starting conmon the way podman's libpod does (oci_conmon_common.go: sharedConmonArgs,
 * createOCIContainer; oci_conmon_exec_common.go: startExec), for conmon 2.1.x:
 *
 * - `--api-version 1`: the sync pipe carries JSON lines `{"data": N, "message"?: "..."}`: first
 *   the container pid, or a negative number with runc's error; for `--exec` a second line with
 *   the exit code.
 * - conmon double-forks: the process we spawn exits at once and its child lives on, reparented,
 *   holding the container's stdio, log and exit code across daemon restarts.
 * - `--full-attach`: the attach socket is `<bundle>/attach` (no symlink under --socket-dir-path,
 *   which must still exist: conmon exits 1 silently without it or without --exit-dir).
 * - `--runtime-arg --log <file>`: runc's warnings stay out of the container's stderr.
 */
export interface ConmonPaths {
  conmon: string;
  runc: RuncCli;
  logLevel: string;
  socketDir: string;
}

export interface ConmonArgs {
  /** container id (what runc is called with) */
  cid: string;
  /** conmon's "uuid": the container id, or the exec session id */
  cuuid: string;
  bundle: string;
  pidFile: string;
  exitDir: string;
  persistDir: string;
  /** "k8s-file:<path>" or "none" */
  log: string;
  /**
   * runc's own log file: without one runc writes its warnings to its stderr, which conmon
   * shares with the container's, so they would land in the container's log. Its fatal error
   * still goes to stderr too, where conmon picks it up for the sync pipe.
   */
  runcLog: string;
  conmonPidFile?: string;
  terminal: boolean;
  stdin: boolean;
  leaveStdinOpen?: boolean;
  /** bytes the log may hold before conmon starts it anew */
  logSizeMax?: number;
  /** exec session: path of the process.json */
  execProcessSpec?: string;
  /** exec session: wait for the attach socket to be connected before starting */
  execAttach?: boolean;
}

export function conmonArgs(paths: ConmonPaths, a: ConmonArgs): string[] {
  const args = [
    "--api-version",
    "1",
    "-c",
    a.cid,
    "-u",
    a.cuuid,
    "-r",
    paths.runc.path,
    "-b",
    a.bundle,
    "-p",
    a.pidFile,
    "-n",
    a.cid,
    "--exit-dir",
    a.exitDir,
    "--persist-dir",
    a.persistDir,
    "--socket-dir-path",
    paths.socketDir,
    "--full-attach",
    "-l",
    a.log,
    "--log-level",
    paths.logLevel,
  ];
  for (const g of [...globalArgs(paths.runc), "--log", a.runcLog]) args.push("--runtime-arg", g);
  if (a.conmonPidFile) args.push("--conmon-pidfile", a.conmonPidFile);
  if (a.logSizeMax) args.push("--log-size-max", String(a.logSizeMax));
  if (a.terminal) args.push("-t");
  if (a.stdin && !a.terminal) args.push("-i");
  if (a.stdin && a.leaveStdinOpen) args.push("--leave-stdin-open");
  if (a.execProcessSpec) {
    args.push("-e", "--exec-process-spec", a.execProcessSpec);
    if (a.execAttach) args.push("--exec-attach");
  }
  return args;
}

/**
 * Starts conmon for a container through the daemon's host helper (host-helper.ts: a fork of a
 * small process, not of kapseld) and waits for the container pid on its sync pipe. Rejects
 * with runc's own message (e.g. `exec: "foo": executable file not found in $PATH`) or
 * conmon's early error, as readPid does.
 */
export async function launchConmon(
  paths: ConmonPaths,
  args: string[],
  helper: HostHelper,
  what: string,
  timeoutMs = 60_000,
): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(internal(`${what}: timed out waiting for conmon`)), timeoutMs);
    timer.unref();
  });
  const env = {
    PATH: process.env.PATH || "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    _OCI_SYNCPIPE: "3",
  };
  let line: string;
  try {
    line = await Promise.race([helper.launch([paths.conmon, ...args], env), timeout]);
  } catch (err) {
    if (err instanceof HostCallError && err.code === "EPIPE") {
      const stderr = err.output.trim();
      throw internal(`${what}: conmon exited without a result${stderr ? `: ${stderr}` : ""}`);
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
  let msg: { data: number; message?: string };
  try {
    msg = JSON.parse(line);
  } catch (e) {
    throw internal(`conmon sent ${JSON.stringify(line)}`, e);
  }
  if (msg.data < 0) throw runtimeError(runtimeMessage(msg.message ?? "") || `${what} failed`);
  return msg.data;
}

/** A spawned conmon with its pipes: sync (fd 3), and for exec-attach start (fd 4) and attach (fd 5). */
export interface ConmonProcess {
  child: ChildProcess;
  sync: LineReader;
  start?: Writable;
  attach?: LineReader;
  /** whatever conmon printed before it detached from its stderr (its early failures) */
  stderr(): string;
  /** closes our ends of the pipes; conmon lives on */
  release(): void;
}

export function spawnConmon(paths: ConmonPaths, args: string[], withExecAttach = false): ConmonProcess {
  const env: Record<string, string> = {
    PATH: process.env.PATH || "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    _OCI_SYNCPIPE: "3",
  };
  if (withExecAttach) Object.assign(env, { _OCI_STARTPIPE: "4", _OCI_ATTACHPIPE: "5" });
  const child = spawn(paths.conmon, args, {
    // detached: conmon must not get the daemon's terminal signals before it calls setsid()
    detached: true,
    env,
    stdio: withExecAttach
      ? ["ignore", "ignore", "pipe", "pipe", "pipe", "pipe"]
      : ["ignore", "ignore", "pipe", "pipe"],
  });
  const errChunks: Buffer[] = [];
  child.stderr?.on("data", (b: Buffer) => errChunks.push(b));
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
  const pipes = child.stdio as unknown as (Readable & Writable)[];
  const sync = new LineReader(pipes[3], spawnError);
  const attach = withExecAttach ? new LineReader(pipes[5], spawnError) : undefined;
  const start = withExecAttach ? pipes[4] : undefined;
  child.unref();
  return {
    child,
    sync,
    start,
    attach,
    stderr: () => Buffer.concat(errChunks).toString().trim(),
    release() {
      for (const s of child.stdio) (s as { destroy?: () => void } | null)?.destroy?.();
    },
  };
}

/** Reads `{"data": N, "message"?: "..."}` lines from one of conmon's pipes. */
export class LineReader {
  #buf = "";
  #lines: string[] = [];
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(stream: Readable, spawnError: Promise<Error>) {
    stream.setEncoding("utf8");
    stream.on("data", (s: string) => {
      this.#buf += s;
      let nl = this.#buf.indexOf("\n");
      while (nl >= 0) {
        this.#lines.push(this.#buf.slice(0, nl));
        this.#buf = this.#buf.slice(nl + 1);
        nl = this.#buf.indexOf("\n");
      }
      this.#notify();
    });
    const end = () => {
      this.#ended = true;
      this.#notify();
    };
    stream.on("end", end);
    stream.on("close", end);
    stream.on("error", end);
    spawnError.then((e) => {
      this.#error = e;
      end();
    });
  }

  #notify() {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  /** The next message, or undefined when the pipe closed first. */
  async next(): Promise<{ data: number; message?: string } | undefined> {
    for (;;) {
      const line = this.#lines.shift();
      if (line !== undefined) {
        if (!line.trim()) continue;
        try {
          return JSON.parse(line);
        } catch (e) {
          throw internal(`conmon sent ${JSON.stringify(line)}`, e);
        }
      }
      if (this.#error) throw internal(`cannot run conmon: ${this.#error.message}`, this.#error);
      if (this.#ended) return undefined;
      await new Promise<void>((r) => {
        this.#wake = r;
      });
    }
  }
}

/**
 * Waits for the container pid on the sync pipe. Rejects with runc's own message (e.g.
 * `exec: "foo": executable file not found in $PATH`) or conmon's early error.
 */
export async function readPid(c: ConmonProcess, what: string, timeoutMs = 60_000): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(internal(`${what}: timed out waiting for conmon`)), timeoutMs);
    timer.unref();
  });
  try {
    const msg = await Promise.race([c.sync.next(), timeout]);
    if (!msg) {
      // conmon's stderr closes when its daemon half detaches; give an early message time to land
      await new Promise((r) => setTimeout(r, 10));
      throw internal(`${what}: conmon exited without a result${c.stderr() ? `: ${c.stderr()}` : ""}`);
    }
    if (msg.data < 0) throw runtimeError(runtimeMessage(msg.message ?? "") || `${what} failed`);
    return msg.data;
  } finally {
    clearTimeout(timer);
  }
}
