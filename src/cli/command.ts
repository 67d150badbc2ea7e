import type { EngineClient } from "../client/index.ts";
import type { ArgsRule, CommandSpec, FlagSpec, ParsedArgs } from "./flags/flag-spec.ts";
import type { Stdio } from "./stdio.ts";

export type { ArgsRule, CommandSpec, FlagSpec, ParsedArgs };

/**
 * What a command file exports: its flags as data, its usage, how many arguments it takes, and
 * `run`, which turns the parsed flags into typed options (a pure `toXOptions`) and acts through
 * the client. main.ts loads only the command being run.
 */
export interface CommandModule {
  /** usage after the command's path: "[OPTIONS] CONTAINER [CONTAINER...]" */
  usage: string;
  /** one-line description, shown under the usage line of --help */
  short: string;
  /** the "Aliases:" line of --help: ["kapsel container rm", "kapsel rm"] */
  aliases?: string[];
  /** a longer help text printed instead of `short` */
  long?: string;
  flags: FlagSpec[];
  /** false: flags end at the first argument (run, exec: the rest belong to the container) */
  interspersed?: boolean;
  args: ArgsRule;
  run(ctx: CommandContext): Promise<number | undefined>;
}

export interface GlobalOptions {
  hosts: string[];
  debug: boolean;
  logLevel: string;
}

export interface CommandContext {
  /** the words that named the command: ["container", "ls"] */
  path: string[];
  flags: ParsedArgs;
  stdio: Stdio;
  env: Record<string, string | undefined>;
  global: GlobalOptions;
  /** the client for the selected host, made on first use */
  client(): EngineClient;
}

export function str(flags: ParsedArgs, name: string): string {
  return String(flags.flags[name] ?? "");
}

export function bool(flags: ParsedArgs, name: string): boolean {
  return flags.flags[name] === true;
}

export function int(flags: ParsedArgs, name: string): number {
  return Number(flags.flags[name] ?? 0);
}

export function list(flags: ParsedArgs, name: string): string[] {
  const v = flags.flags[name];
  return Array.isArray(v) ? (v as string[]) : [];
}

/** The value when the flag was given, else undefined. */
export function ifChanged<T>(flags: ParsedArgs, name: string): T | undefined {
  return flags.changed.has(name) ? (flags.flags[name] as T) : undefined;
}
