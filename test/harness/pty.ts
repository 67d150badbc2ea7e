import { type ChildProcess, spawn } from "node:child_process";
import type { Socket } from "node:net";

/**
 * A command run on a pseudo-terminal of its own, for tests of interactive use (`run -it`,
 * `exec -it`, detach keys, resizing) where CI has no terminal. python3's pty module makes the
 * terminal (node has none built in); the broker below copies our writes to the terminal and
 * its output back, and takes control lines on fd 3: "resize ROWS COLS" (TIOCSWINSZ on the
 * master, which makes the kernel send SIGWINCH to the foreground process) and "signal N"
 * (to the command). It exits with the command's exit code.
 */
const BROKER = String.raw`
import os, sys, select, struct, fcntl, termios, signal
rows, cols = int(sys.argv[1]), int(sys.argv[2])
cmd = sys.argv[3:]
m, s = os.openpty()
fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
pid = os.fork()
if pid == 0:
    os.close(m)
    os.setsid()
    fcntl.ioctl(s, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(s, fd)
    if s > 2:
        os.close(s)
    os.execvp(cmd[0], cmd)
os.close(s)
os.write(3, b"pid %d\n" % pid)
srcs = [0, 3, m]
ctl = b""
while True:
    r, _, _ = select.select(srcs, [], [])
    if m in r:
        try:
            d = os.read(m, 65536)
        except OSError:
            d = b""
        if not d:
            break
        os.write(1, d)
    if 0 in r:
        d = os.read(0, 65536)
        if d:
            os.write(m, d)
        else:
            srcs.remove(0)
    if 3 in r:
        d = os.read(3, 4096)
        if not d:
            srcs.remove(3)
        ctl += d
        while b"\n" in ctl:
            line, ctl = ctl.split(b"\n", 1)
            w = line.decode().split()
            if w[0] == "resize":
                fcntl.ioctl(m, termios.TIOCSWINSZ, struct.pack("HHHH", int(w[1]), int(w[2]), 0, 0))
            elif w[0] == "signal":
                os.kill(pid, int(w[1]))
_, st = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(st) if os.WIFEXITED(st) else 128 + os.WTERMSIG(st))
`;

export class PtySession {
  readonly child: ChildProcess;
  /** everything the terminal showed, "\r" kept */
  output = "";
  /** where the next `expect` starts looking */
  #cursor = 0;
  #waiters = new Set<() => void>();
  #ctl: Socket;
  readonly exited: Promise<number>;
  /** pid of the command (the CLI), once known */
  readonly pid: Promise<number>;

  constructor(cmd: string[], o: { env?: NodeJS.ProcessEnv; rows?: number; cols?: number } = {}) {
    this.child = spawn("python3", ["-c", BROKER, String(o.rows ?? 24), String(o.cols ?? 80), ...cmd], {
      env: o.env,
      stdio: ["pipe", "pipe", "inherit", "pipe"],
    });
    this.#ctl = this.child.stdio[3] as Socket;
    this.pid = new Promise((resolve) => {
      let text = "";
      this.#ctl.on("data", (d: Buffer) => {
        text += d;
        const m = /pid (\d+)\n/.exec(text);
        if (m) resolve(Number(m[1]));
      });
    });
    this.child.stdout?.on("data", (d: Buffer) => {
      this.output += d.toString("utf8");
      for (const w of [...this.#waiters]) w();
    });
    this.exited = new Promise((resolve) => {
      this.child.on("close", (code) => {
        for (const w of [...this.#waiters]) w();
        resolve(code ?? -1);
      });
    });
    this.child.stdin?.on("error", () => {});
  }

  /** Types into the terminal (raw bytes: "\r" is Enter, "\x03" ctrl-c, "\x10\x11" ctrl-p ctrl-q). */
  send(text: string): void {
    this.child.stdin?.write(text);
  }

  /** Resizes the terminal; the kernel sends SIGWINCH to the command. */
  resize(rows: number, cols: number): void {
    this.#ctl.write(`resize ${rows} ${cols}\n`);
  }

  /**
   * Waits until the output after the last match matches `re`; returns the match and moves
   * past it. Fails after `timeoutMs`, showing what the terminal printed.
   */
  async expect(re: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.output.slice(this.#cursor);
      const m = re.exec(rest);
      if (m) {
        this.#cursor += m.index + m[0].length;
        return m;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.child.exitCode !== null) {
        throw new Error(`no ${re} in the terminal output: ${JSON.stringify(rest)}`);
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.#waiters.add(done);
      });
    }
  }

  /** The exit code, or a failure after `timeoutMs` (the command is then killed). */
  async exit(timeoutMs = 10_000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill();
        reject(new Error(`still running after ${timeoutMs} ms; output: ${JSON.stringify(this.output)}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the command (SIGKILL, by pid) and the broker. */
  kill(): void {
    void this.pid.then((pid) => {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
    });
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.kill();
    await this.exited;
  }
}
