import { type ExecFileOptions, execFile } from "node:child_process";

/**
 * `promisify(execFile)` without `node:util`: the ESM facade of node:util reads every export, and
 * its lazy ones load worker_threads and more, about 3 MB of kapseld's resident memory. As
 * promisify's version: resolves with { stdout, stderr }; the error carries them too.
 */
export function execFileAsync(
  file: string,
  args: readonly string[],
  options: ExecFileOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: "utf8", ...options }, (err, stdout, stderr) => {
      if (err) reject(Object.assign(err, { stdout: String(stdout), stderr: String(stderr) }));
      else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });
}
