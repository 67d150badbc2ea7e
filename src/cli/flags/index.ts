/**
 * Docker's command-line grammar for kapsel's CLI (pure logic, no I/O but reading env/label
 * files): commands declare flags as data (FlagSpec); parseArgs reads argv with pflag's rules
 * and errors; parseCommandLine adds docker's usage errors (status 125 for flags, 1 for the
 * argument count); renderHelp prints `--help` as docker's cobra template. Also the value
 * syntaxes docker's flags use: Go durations, --since/--until timestamps, memory sizes,
 * KEY=VALUE lists, env and label files.
 *
 *   const { flags, args } = parseArgs(["-it", "--rm", "busybox", "sh"], RUN_FLAGS, { interspersed: false });
 */

export { fromHumanSize, memorySwapBytes, ramInBytes } from "../../lib/byte-size.ts";
export { formatGoDuration, parseGoDuration } from "../../lib/go-duration.ts";
export { parseCommandLine } from "./command-line.ts";
export { FlagError, UsageError } from "./flag-error.ts";
export type {
  ArgsRule,
  CommandSpec,
  FlagSpec,
  FlagType,
  ParsedArgs,
  ParseOptions,
  SubcommandListing,
} from "./flag-spec.ts";
export {
  kvStringsToMap,
  kvStringsToMapWithNil,
  type Lookup,
  processEnv,
  readKvStrings,
  validateEnv,
  validateLabel,
} from "./key-value.ts";
export { parseKvText, readEnvFile, readKvFile, readLabelFile } from "./kv-file.ts";
export { flagDefault, flagLabel, parseArgs } from "./parse-args.ts";
export { flagUsages, type HelpOptions, renderHelp } from "./render-help.ts";
export { getTimestamp } from "./timestamp.ts";
export { argsErrorText, flagErrorText, usageLine } from "./usage-errors.ts";
