import { DaemonError } from "../client/errors.ts";

/**
 * Ends a command with `status`; main prints `message` on stderr unless it is empty. Commands
 * throw it instead of exiting (only bin/kapsel calls process.exit).
 */
export class StatusError extends Error {
  readonly status: number;
  constructor(status: number, message = "", options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StatusError";
    this.status = status;
  }
}

/** How Docker's CLI shows an error: daemon errors carry "Error response from daemon: ". */
export function errorText(err: unknown): string {
  if (err instanceof DaemonError) return `Error response from daemon: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Docker's withHelp: "kapsel: <error>\n\nRun 'kapsel <cmd> --help' for more information". */
export function withHelp(err: unknown, command: string): string {
  return `kapsel: ${errorText(err)}\n\nRun 'kapsel ${command} --help' for more information`;
}

/** Docker's errors.Join of per-item failures (one line each), exit status 1. */
export function joinErrors(errors: unknown[]): StatusError | undefined {
  if (errors.length === 0) return undefined;
  return new StatusError(1, errors.map(errorText).join("\n"));
}
