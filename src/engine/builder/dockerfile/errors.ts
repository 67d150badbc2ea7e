// Located parse errors. Docker words them in two ways: the syntax pass (the file's shape) fails as
// "failed to parse Dockerfile: <msg>"; the instruction pass fails as "dockerfile parse error on
// line N: <msg>". Both reach the user as the build's error message.

import { invalid, type KapselError } from "../../../lib/errors.ts";

/** A parse failure with the 1-based line it belongs to; converted to KapselError at the edge. */
export class DockerfileError extends Error {
  override name = "DockerfileError";
  readonly line: number;
  /** true: the syntax pass; false: the instruction pass (see the file comment) */
  readonly syntax: boolean;
  constructor(message: string, line: number, syntax: boolean) {
    super(message);
    this.line = line;
    this.syntax = syntax;
  }
}

/** An instruction-level message that Docker does not prefix (e.g. "no build stage in current context"). */
export class PlainDockerfileError extends DockerfileError {}

/** The KapselError (kind "invalid") the user sees, with `line` attached for callers that want it. */
export function toKapselError(e: DockerfileError, fileName: string): KapselError & { line: number } {
  let msg = e.message;
  if (e.syntax) msg = `failed to parse ${fileName}: ${e.message}`;
  else if (!(e instanceof PlainDockerfileError))
    msg = `dockerfile parse error on line ${e.line}: ${e.message}`;
  return Object.assign(invalid(msg, e), { line: e.line });
}
