/**
 * Flags and commands declared as data, with pflag's and cobra's meaning (the grammar lives in
 * parse-args.ts, the help layout in render-help.ts).
 */

/**
 * How a flag's value is read:
 * - bool: no value (`-d`, `--rm`), or `--rm=false`;
 * - string, int (strconv.ParseInt base 0), uint, duration (Go syntax, in nanoseconds),
 *   bytes (docker's RAMInBytes: "512m", "1g");
 * - stringArray: repeats accumulate, the first use replaces the default (pflag);
 * - list: repeats accumulate after the default (docker's ListOpts; help shows "list");
 * - map: "k=v" repeats fill a Record (docker's MapOpts).
 */
export type FlagType =
  | "bool"
  | "string"
  | "stringArray"
  | "list"
  | "int"
  | "uint"
  | "duration"
  | "bytes"
  | "map";

export interface FlagSpec {
  /** Long name, without dashes: "publish-all". Values are keyed by it. */
  name: string;
  /** One-letter shorthand, without the dash: "P". */
  short?: string;
  type: FlagType;
  /** Value when not given (zero of the type otherwise; duration and bytes as numbers). */
  default?: unknown;
  /** The help text; a `backquoted` word in it names the value in the help. */
  description: string;
  hidden?: boolean;
  /** Still accepted, hidden from help, and warned about on use: "Flag --x has been deprecated, <this>". */
  deprecated?: string;
  /** The value's type name in help when not the type's own (docker's "filter", "ulimit", "gpu-request"). */
  typeName?: string;
  /** What help prints as "(default X)" when the computed one is wrong for docker ("0s", "[]"); "" hides it. */
  defaultText?: string;
  /** pflag's NoOptDefVal: the value when the flag is given without `=value` (bools: "true"). */
  optionalValue?: string;
  /**
   * Checks or rewrites each raw value before it is stored (docker's opts validators); a thrown
   * error becomes `invalid argument "v" for "-e, --env" flag: <message>`.
   */
  validate?: (value: string) => string;
}

export interface ParseOptions {
  /** false for run, create, exec: flags end at the first positional argument, as in docker. */
  interspersed?: boolean;
}

export interface ParsedArgs {
  /** Every declared flag's value by long name, defaults included; plus `help`. */
  flags: Record<string, unknown>;
  /** Positional arguments. */
  args: string[];
  /** Flags given on the command line (pflag's Changed). */
  changed: Set<string>;
  /** --help (or -h where no flag owns it) was given. */
  help: boolean;
  /** Deprecation notices to print on stderr, as pflag does. */
  warnings: string[];
}

/** Docker's positional-argument rules (cli/required.go). */
export type ArgsRule =
  | { kind: "any" }
  | { kind: "none" }
  | { kind: "min"; n: number }
  | { kind: "max"; n: number }
  | { kind: "exact"; n: number }
  | { kind: "range"; min: number; max: number };

export interface SubcommandListing {
  name: string;
  short: string;
}

/** A command as help and usage errors describe it. */
export interface CommandSpec {
  /** The full command path: "kapsel run", "kapsel container ls". */
  path: string;
  /** What follows the path in the usage line: "[OPTIONS] IMAGE [COMMAND] [ARG...]". */
  usage: string;
  short: string;
  long?: string;
  /** Full alias lines: ["kapsel container run", "kapsel run"]. */
  aliases?: string[];
  example?: string;
  flags: readonly FlagSpec[];
  interspersed?: boolean;
  args?: ArgsRule;
  /** Subcommands, for a management command ("kapsel container"): listed under "Commands:". */
  subcommands?: readonly SubcommandListing[];
}
