import { spawn } from "node:child_process";
import { constants, watch } from "node:fs";
import { type FileHandle, mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import { constants as osConstants } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { conflict, internal } from "../../lib/errors.ts";
import { type AttachSession, connectAttach } from "./attach-socket.ts";
import { type ConmonPaths, conmonArgs, readPid, spawnConmon } from "./conmon.ts";
import { FrameQueue, type OutputFrame } from "./frame-queue.ts";
import type { ProcessSpec } from "./oci-spec.ts";
import { runtimeError, runtimeMessage } from "./runc.ts";

/**
 * Running an extra process in a container (`docker exec`), two ways:
 *
 * - attached, no tty: `runc exec` spawned directly with our pipes as the process's stdio. No
 *   monitor in between, so `docker exec ctr true` costs one runc run. runc's own messages go to
 *   a log file (`--log`) so they never mix with the process's stderr.
 * - with a tty, or detached: under conmon (`--exec`), which owns the pty, keeps the process's exit
 *   code and, detached, outlives the daemon. Attached, the output and stdin go over conmon's
 *   attach socket in the session folder, connected before the process starts.
 *
 * Each session has a folder (process.json, pid file, runc log, conmon's fifos and socket),
 * removed once the exit code is known.
 */
export interface ExecOptions {
  /** The full process to run (args, env, user, cwd, capabilities...); `terminal` is set from `tty`. */
  process: ProcessSpec;
  tty: boolean;
  /** keep a stdin pipe to the process (docker exec -i) */
  stdin: boolean;
  /** docker exec -d: no output, no stdin; the exit code is still recorded */
  detach: boolean;
}

export interface ExecTask {
  /** host pid of the process */
  pid: number;
  /** stdout/stderr frames (a tty's output is all "stdout"); empty when detached. One consumer. */
  output: AsyncIterable<OutputFrame>;
  /** to the process's stdin (with `stdin`); ignored otherwise */
  write(data: Buffer): void;
  /** ends the process's stdin */
  closeStdin(): void;
  /** tty only; a no-op otherwise */
  resize(height: number, width: number): Promise<void>;
  /** signals the process */
  kill(signal: number | NodeJS.Signals): void;
  /** the exit code (128+n for signal n) */
  wait(): Promise<number>;
  /** stops delivering output (it is read and dropped); the process keeps running */
  close(): void;
}

/**
 * The ExecTask of a process whose stdio are pipes (no terminal): its stdin, its output frames,
 * and on `close` the output dropped (`dropOutput`) while its pipes are still read to the end.
 */
export function pipedTask(o: {
  pid: number;
  output: FrameQueue;
  stdin: Writable | null | undefined;
  pipes: readonly (Readable | null | undefined)[];
  exited: Promise<number>;
  dropOutput: () => void;
}): ExecTask {
  return {
    pid: o.pid,
    output: o.output,
    write: (data) => {
      if (o.stdin?.writable) o.stdin.write(data);
    },
    closeStdin: () => o.stdin?.end(),
    resize: async () => {},
    kill: (signal) => signalPid(o.pid, signal),
    wait: () => o.exited,
    close: () => {
      o.dropOutput();
      o.output.end();
      for (const p of o.pipes) p?.resume();
    },
  };
}

export async function execProcess(
  paths: ConmonPaths,
  id: string,
  dir: string,
  o: ExecOptions,
): Promise<ExecTask> {
  await mkdir(dir, { recursive: true });
  const processFile = join(dir, "process.json");
  await writeFile(processFile, JSON.stringify({ ...o.process, terminal: o.tty }));
  const run = o.tty || o.detach ? execUnderConmon : execDirect;
  try {
    const task = await run(paths, id, dir, processFile, o);
    const wait = task.wait();
    // the session folder goes once the exit code is known
    wait.then(cleanup, cleanup).catch(() => {});
    return { ...task, wait: () => wait };
  } catch (e) {
    await cleanup();
    throw e;
  }
  function cleanup() {
    return rm(dir, { recursive: true, force: true });
  }
}

async function execDirect(
  paths: ConmonPaths,
  id: string,
  dir: string,
  processFile: string,
  o: ExecOptions,
): Promise<ExecTask> {
  const pidFile = join(dir, "pid");
  const logFile = join(dir, "runc.log");
  // the pid file appears (renamed into place) once the process runs: watch for it
  let pidSeen: () => void = () => {};
  const pidEvent = new Promise<void>((r) => {
    pidSeen = r;
  });
  const watcher = watch(dir, (_e, name) => {
    if (name === "pid") pidSeen();
  });
  const child = spawn(
    paths.runc.path,
    [
      "--root",
      paths.runc.root,
      "--log-format",
      "json",
      "--log",
      logFile,
      "exec",
      "--process",
      processFile,
      "--pid-file",
      pidFile,
      id,
    ],
    { stdio: [o.stdin ? "pipe" : "ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<number>((resolve) => {
    child.on("error", () => resolve(-1));
    child.on("close", (code, signal) => resolve(code ?? 128 + (signal ? osConstants.signals[signal] : 0)));
  });
  let dropOutput = false;
  const output = new FrameQueue({
    onPressure: (on) => {
      for (const s of [child.stdout, child.stderr]) on ? s?.pause() : s?.resume();
    },
  });
  let open = 2;
  const feed = (stream: "stdout" | "stderr", r: Readable | null) => {
    r?.on("data", (data: Buffer) => {
      if (!dropOutput) output.push({ stream, data });
    });
    r?.on("close", () => {
      if (--open === 0) output.end();
    });
  };
  feed("stdout", child.stdout);
  feed("stderr", child.stderr);
  child.stdin?.on("error", () => {});

  let pid: number;
  try {
    await Promise.race([pidEvent, exited]);
    const text = await readFile(pidFile, "utf8").catch(() => "");
    pid = Number.parseInt(text, 10);
    if (!(pid > 0)) {
      const code = await exited;
      const log = await readFile(logFile, "utf8").catch(() => "");
      throw runtimeError(runtimeMessage(log) || `runc exec failed: exit status ${code}`);
    }
  } finally {
    watcher.close();
  }
  return pipedTask({
    pid,
    output,
    stdin: child.stdin,
    pipes: [child.stdout, child.stderr],
    exited,
    dropOutput: () => {
      dropOutput = true;
    },
  });
}

async function execUnderConmon(
  paths: ConmonPaths,
  id: string,
  dir: string,
  processFile: string,
  o: ExecOptions,
): Promise<ExecTask> {
  const attached = !o.detach;
  const args = conmonArgs(paths, {
    cid: id,
    cuuid: dir.slice(dir.lastIndexOf("/") + 1),
    bundle: dir,
    pidFile: join(dir, "pid"),
    exitDir: dir,
    persistDir: dir,
    log: "none",
    runcLog: join(dir, "runc.log"),
    terminal: o.tty,
    stdin: o.stdin && attached,
    execProcessSpec: processFile,
    execAttach: attached,
  });
  const c = spawnConmon(paths, args, attached);
  let session: AttachSession | undefined;
  try {
    if (attached) {
      // conmon blocks on the start pipe once before forking, then reports its attach socket
      // ready, then waits for the start pipe again before running `runc exec`
      c.start?.write(Buffer.of(0));
      const ready = await c.attach?.next();
      if (!ready) throw internal(`exec: conmon exited early${c.stderr() ? `: ${c.stderr()}` : ""}`);
      session = await connectAttach(dir);
      c.start?.write(Buffer.of(0));
    }
    const pid = await readPid(c, "exec");
    const exitCode = c.sync.next().then((m) => {
      c.release();
      if (!m) throw internal("exec: conmon exited without an exit code");
      if (m.data < 0) throw runtimeError(runtimeMessage(m.message ?? "") || "exec failed");
      return m.data;
    });
    return {
      pid,
      output: session?.output ?? emptyOutput(),
      write: (data) => session?.write(data),
      closeStdin: () => session?.closeStdin(),
      resize: (h, w) => writeCtl(dir, h, w),
      kill: (signal) => signalPid(pid, signal),
      wait: () => exitCode,
      // conmon keeps the process's tty or pipes open: closing our socket leaves it running
      close: () => session?.close(),
    };
  } catch (e) {
    session?.close();
    c.release();
    throw e;
  }
}

async function* emptyOutput(): AsyncIterable<OutputFrame> {}

/** A size written to a ctl fifo shortly before, to be written once more when things are quiet. */
const resent = new Map<string, NodeJS.Timeout>();
const RESEND_MS = 100;

/**
 * conmon's control fifo `<dir>/ctl`: "1 <height> <width>\n" resizes the pty. conmon 2.1
 * applies only the first message of what one read gets, as often as there are messages: of two
 * resizes in quick succession, the newer could be lost and the terminal keep the older size.
 * So the last size is written again alone a moment later (the same size again changes nothing).
 */
export async function writeCtl(dir: string, height: number, width: number): Promise<void> {
  await writeCtlOnce(dir, height, width);
  clearTimeout(resent.get(dir));
  const timer = setTimeout(() => {
    if (resent.get(dir) !== timer) return;
    resent.delete(dir);
    writeCtlOnce(dir, height, width).catch(() => {});
  }, RESEND_MS).unref();
  resent.set(dir, timer);
}

async function writeCtlOnce(dir: string, height: number, width: number): Promise<void> {
  let fh: FileHandle;
  try {
    // O_NONBLOCK: fails at once (ENXIO) when conmon, the reader, is gone, instead of hanging
    fh = await open(join(dir, "ctl"), constants.O_WRONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw conflict("cannot resize: the container's monitor is not running", e);
  }
  try {
    await fh.write(`1 ${Math.trunc(height)} ${Math.trunc(width)}\n`);
  } finally {
    await fh.close();
  }
}

function signalPid(pid: number, signal: number | NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ESRCH") throw conflict("process is not running", e);
    throw e;
  }
}
