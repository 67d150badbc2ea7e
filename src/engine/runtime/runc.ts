import { spawn } from "node:child_process";
import { conflict, internal, invalid, type KapselError, notFound } from "../../lib/errors.ts";

/**
 * Calls to the OCI runtime's CLI (runc, or crun which takes the same flags). Every call gets
 * the runtime's private `--root` (so several daemons coexist) and `--log-format json`, so its
 * own error arrives as `{"level":"error","msg":"..."}` on stderr instead of logfmt text.
 */
export interface RuncCli {
  path: string;
  root: string;
}

export function globalArgs(cli: RuncCli): string[] {
  return ["--root", cli.root, "--log-format", "json"];
}

/** Runs `runc <global flags> ...args`; rejects with the runtime's own error message. */
export function runc(cli: RuncCli, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli.path, [...globalArgs(cli), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => reject(internal(`cannot run ${cli.path}: ${e.message}`, e)));
    child.on("close", (code, signal) => {
      if (code === 0) return resolve(Buffer.concat(out).toString());
      const text = Buffer.concat(err).toString();
      reject(
        runtimeError(
          runtimeMessage(text) || `${cli.path} ${args[0]} failed: ${signal ?? `exit status ${code}`}`,
        ),
      );
    });
  });
}

/**
 * The message of the last error record in runc's output: JSON log lines, logfmt
 * (`level=error msg="..."`) or plain text, whichever it is.
 */
export function runtimeMessage(output: string): string {
  let found = "";
  for (const line of output.split("\n")) {
    const text = line.trim();
    if (!text) continue;
    if (text.startsWith("{")) {
      try {
        const rec = JSON.parse(text) as { level?: string; msg?: string };
        if (rec.msg && (rec.level === "error" || rec.level === "fatal" || !found)) found = rec.msg;
        continue;
      } catch {
        // not JSON after all: fall through to the other formats
      }
    }
    const logfmt = /level=(\w+) msg="((?:[^"\\]|\\.)*)"/.exec(text);
    if (logfmt) {
      if (logfmt[1] === "error" || logfmt[1] === "fatal" || !found) found = JSON.parse(`"${logfmt[2]}"`);
      continue;
    }
    found ||= text;
  }
  return found;
}

/**
 * Maps a runtime's message to an error kind: a missing or unrunnable command is the user's
 * mistake (Docker answers 400 and `docker run` exits 127/126), a missing container is not
 * found, a container in the wrong state is a conflict; anything else is internal.
 */
export function runtimeError(message: string): KapselError {
  if (
    /executable file not found|no such file or directory|permission denied|not a directory/i.test(message)
  ) {
    return invalid(message);
  }
  if (/container does not exist|container with id .* does not exist/i.test(message)) return notFound(message);
  if (
    /not running|is stopped|cannot exec in a stopped|is paused|is not paused|already exists/i.test(message)
  ) {
    return conflict(message);
  }
  return internal(message);
}
