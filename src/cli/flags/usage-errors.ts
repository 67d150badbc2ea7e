/**
 * docker's usage errors (cobra's FlagErrorFunc, cli/required.go): the text printed when flags
 * or the argument count are wrong. Kept apart from render-help.ts so that a command that parses
 * fine never loads the help machinery.
 */
import type { ArgsRule, CommandSpec } from "./flag-spec.ts";

/** "kapsel run [OPTIONS] IMAGE [COMMAND] [ARG...]" (cobra's UseLine). */
export function usageLine(cmd: Pick<CommandSpec, "path" | "usage">): string {
  return cmd.usage ? `${cmd.path} ${cmd.usage}` : cmd.path;
}

/**
 * What docker prints for a flag error (cobra's FlagErrorFunc):
 * "unknown flag: --foo\n\nUsage:  kapsel run [OPTIONS] ...\n\nRun 'kapsel run --help' for more information"
 */
export function flagErrorText(reason: string, cmd: Pick<CommandSpec, "path" | "usage">): string {
  return `${reason}\n\nUsage:  ${usageLine(cmd)}\n\nRun '${cmd.path} --help' for more information`;
}

const plural = (word: string, n: number) => (n === 1 ? word : `${word}s`);

/**
 * The message docker prints when the positional arguments break the command's rule, or
 * undefined when they fit. Wording (and docker's "See"/"Run" inconsistencies) as cli/required.go.
 */
export function argsErrorText(cmd: CommandSpec, args: readonly string[], rule: ArgsRule): string | undefined {
  const bin = cmd.path.split(" ")[0];
  const use = usageLine(cmd);
  const path = cmd.path;
  const n = args.length;
  switch (rule.kind) {
    case "any":
      return undefined;
    case "none":
      if (n === 0) return undefined;
      if (cmd.subcommands?.length) {
        return `${bin}: unknown command: ${path} ${args[0]}\n\nUsage:  ${use}\n\nRun '${path} --help' for more information`;
      }
      return `${bin}: '${path}' accepts no arguments\n\nUsage:  ${use}\n\nRun '${path} --help' for more information`;
    case "min":
      if (n >= rule.n) return undefined;
      return `${bin}: '${path}' requires at least ${rule.n} ${plural("argument", rule.n)}\n\nUsage:  ${use}\n\nSee '${path} --help' for more information`;
    case "max":
      if (n <= rule.n) return undefined;
      // "SRun" is docker's own typo (cli/required.go, v28), kept so output matches.
      return `${bin}: '${path}' requires at most ${rule.n} ${plural("argument", rule.n)}\n\nUsage:  ${use}\n\nSRun '${path} --help' for more information`;
    case "exact":
      if (n === rule.n) return undefined;
      return `${bin}: '${path}' requires ${rule.n} ${plural("argument", rule.n)}\n\nUsage:  ${use}\n\nRun '${path} --help' for more information`;
    case "range":
      if (n >= rule.min && n <= rule.max) return undefined;
      return `${bin}: '${path}' requires at least ${rule.min} and at most ${rule.max} ${plural("argument", rule.max)}\n\nUsage:  ${use}\n\nRun '${path} --help' for more information`;
  }
}
