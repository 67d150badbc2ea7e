import { KapselError } from "../../lib/errors.ts";

/**
 * A command line docker would reject before doing anything. `status` is the exit status docker
 * uses: 125 for flag errors (cobra's FlagErrorFunc), 1 for a wrong number of arguments. The
 * message is what docker prints on stderr; `reason` is the bare parser message
 * ("unknown flag: --foo") without the usage lines.
 */
export class UsageError extends KapselError {
  readonly status: number;
  readonly reason: string;

  constructor(message: string, status: number, reason: string = message) {
    super("invalid", message);
    this.name = "UsageError";
    this.status = status;
    this.reason = reason;
  }
}

/** A flag the grammar rejects; parseArgs throws it with pflag's bare message, status 125. */
export class FlagError extends UsageError {
  constructor(message: string) {
    super(message, 125);
    this.name = "FlagError";
  }
}
