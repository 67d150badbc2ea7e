import type { Readable, Writable } from "node:stream";
import type { HijackedConnection } from "../client/index.ts";
import { DEFAULT_DETACH_KEYS, DetachScanner, detachKeyBytes } from "../lib/detach-keys.ts";
import { demuxStdcopy } from "../lib/stdcopy.ts";
import type { Stdio } from "./stdio.ts";
import { writeAll } from "./stdio.ts";

/** Thrown when the user typed the detach keys ("read escape sequence", as Docker says). */
export class DetachedError extends Error {
  constructor() {
    super("read escape sequence");
    this.name = "DetachedError";
  }
}

export interface HijackedStreams {
  conn: HijackedConnection;
  tty: boolean;
  /** local input to send, or null when stdin is not attached */
  stdin: Readable | null;
  stdout: Writable | null;
  /** with a TTY, Docker sends stderr to stdout */
  stderr: Writable | null;
  detachKeys?: string;
  stdio: Stdio;
  /** lets the caller stop early (the container exited and nothing reads output) */
  signal?: AbortSignal;
}

/**
 * Docker's hijackedIOStreamer: copies output (raw with a TTY, demultiplexed without) and input
 * until the output ends, or the input ends when no output is attached. With a TTY and stdin, the
 * local terminal is put in raw mode and the detach keys are watched for (DetachedError); the
 * terminal is restored whatever happens.
 */
export async function streamHijacked(s: HijackedStreams): Promise<void> {
  const restore = setupRawInput(s);
  let stopInput = () => {};
  try {
    const output = s.stdout || s.stderr ? copyOutput(s).finally(restore) : null;
    const input = new Promise<"done" | "detached">((resolve, reject) => {
      stopInput = pumpInput(s, resolve, reject);
    });
    // whichever loses the race may still settle later: never let that be an unhandled rejection
    output?.catch(() => {});
    input.catch(() => {});
    const aborted = new Promise<"aborted">((resolve) => {
      if (s.signal?.aborted) resolve("aborted");
      s.signal?.addEventListener("abort", () => resolve("aborted"), { once: true });
    });
    const first = await Promise.race([
      output?.then(() => "output" as const) ?? new Promise<never>(() => {}),
      input,
      aborted,
    ]);
    if (first === "detached") throw new DetachedError();
    if (first === "done" && output) {
      await Promise.race([output, aborted]);
    }
  } finally {
    stopInput();
    restore();
  }
}

function setupRawInput(s: HijackedStreams): () => void {
  const stdin = s.stdio.stdin;
  if (!s.stdin || !s.tty || !stdin.isTTY || !stdin.setRawMode) return () => {};
  stdin.setRawMode(true);
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    stdin.setRawMode?.(false);
  };
}

async function copyOutput(s: HijackedStreams): Promise<void> {
  const socket = s.conn.socket;
  try {
    if (s.tty && s.stdout) {
      for await (const chunk of socket) await writeAll(s.stdout, chunk as Buffer);
    } else {
      await demuxStdcopy(socket, s.stdout, s.stderr);
    }
  } catch (err) {
    // the daemon closing the connection abruptly is an end of output, not a failure
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ECONNRESET" && code !== "EPIPE" && code !== "ERR_STREAM_PREMATURE_CLOSE") throw err;
  }
}

/** Copies stdin to the connection; returns a function that stops reading. */
function pumpInput(
  s: HijackedStreams,
  resolve: (how: "done" | "detached") => void,
  reject: (err: Error) => void,
): () => void {
  const stdin = s.stdin;
  if (!stdin) {
    s.conn.closeWrite();
    resolve("done");
    return () => {};
  }
  const watcher = s.tty ? new DetachScanner(escapeKeys(s.detachKeys, s.stdio)) : null;
  const socket = s.conn.socket;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    stdin.off("data", onData);
    stdin.off("end", onEnd);
    stdin.off("error", onError);
    stdin.pause();
  };
  const onData = (raw: Buffer | string) => {
    const chunk = typeof raw === "string" ? Buffer.from(raw) : raw;
    const { data: forward, detach: detached } = watcher
      ? watcher.push(chunk)
      : { data: chunk, detach: false };
    if (forward.length > 0 && !socket.destroyed && !socket.writableEnded && !socket.write(forward)) {
      stdin.pause();
      socket.once("drain", () => stopped || stdin.resume());
    }
    if (detached) {
      stop();
      resolve("detached");
    }
  };
  const onEnd = () => {
    stop();
    s.conn.closeWrite();
    resolve("done");
  };
  const onError = (err: Error) => {
    stop();
    reject(err);
  };
  stdin.on("data", onData);
  stdin.once("end", onEnd);
  stdin.once("error", onError);
  stdin.resume();
  return stop;
}

function escapeKeys(spec: string | undefined, stdio: Stdio): Uint8Array {
  if (!spec) return detachKeyBytes(DEFAULT_DETACH_KEYS);
  try {
    return detachKeyBytes(spec);
  } catch (err) {
    stdio.stderr.write(`WARN: invalid detach escape keys, using default: ${(err as Error).message}\n`);
    return detachKeyBytes(DEFAULT_DETACH_KEYS);
  }
}
