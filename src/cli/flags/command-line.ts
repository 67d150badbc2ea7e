/**
 * One command's argv, checked as docker checks it: flags first (an error is status 125 with the
 * usage lines), then --help, then the number of positional arguments (status 1).
 */
import { FlagError, UsageError } from "./flag-error.ts";
import type { CommandSpec, ParsedArgs } from "./flag-spec.ts";
import { parseArgs } from "./parse-args.ts";
import { argsErrorText, flagErrorText } from "./usage-errors.ts";

/**
 * Parses argv for cmd. Throws UsageError whose message is docker's full text
 * ("unknown flag: --foo\n\nUsage:  ...\n\nRun 'kapsel run --help' for more information") and
 * whose status is 125 (flags) or 1 (arguments). With --help the arguments are not checked.
 */
export function parseCommandLine(cmd: CommandSpec, argv: readonly string[]): ParsedArgs {
  let parsed: ParsedArgs;
  try {
    parsed = parseArgs(argv, cmd.flags, { interspersed: cmd.interspersed });
  } catch (err) {
    if (err instanceof FlagError) throw new UsageError(flagErrorText(err.message, cmd), 125, err.message);
    throw err;
  }
  if (!parsed.help && cmd.args) {
    const text = argsErrorText(cmd, parsed.args, cmd.args);
    if (text !== undefined) throw new UsageError(text, 1);
  }
  return parsed;
}
