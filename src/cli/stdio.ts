import type { Readable, Writable } from "node:stream";

/** The CLI's standard streams, passed in so commands and `runContainer` never touch `process`. */
export interface Stdio {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: Writable & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: Writable & { isTTY?: boolean };
}

/** The process's streams; stdin is made on first use (setting it up costs ~3 ms, and most commands never read it). */
export function processStdio(): Stdio {
  return {
    get stdin() {
      return process.stdin;
    },
    stdout: process.stdout,
    stderr: process.stderr,
  };
}

/** Docker's CheckTty: a TTY session with stdin needs a terminal on this side. */
export function checkTty(stdio: Stdio, attachStdin: boolean, tty: boolean): void {
  if (tty && attachStdin && !stdio.stdin.isTTY) throw new Error("the input device is not a TTY");
}

/** The local terminal's size as [height, width]; [0, 0] when stdout is not a terminal. */
export function terminalSize(stdio: Stdio): [number, number] {
  if (!stdio.stdout.isTTY) return [0, 0];
  return [stdio.stdout.rows ?? 0, stdio.stdout.columns ?? 0];
}

/** Writes and waits for drain when the destination is full. */
export async function writeAll(dest: Writable, chunk: Buffer | string): Promise<void> {
  if (dest.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      dest.off("drain", ok);
      dest.off("error", done);
      dest.off("close", ok);
      if (err) reject(err);
      else resolve();
    };
    const ok = () => done();
    dest.once("drain", ok);
    dest.once("error", done);
    dest.once("close", ok);
  });
}
