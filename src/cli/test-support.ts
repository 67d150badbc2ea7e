import { PassThrough } from "node:stream";
import type { CommandModule, ParsedArgs } from "./command.ts";
import { parseArgs } from "./flags/parse-args.ts";
import type { Stdio } from "./stdio.ts";

/** Parses argv with a command's own flags, as main.ts does (for the argv → options tests). */
export function parse(mod: Pick<CommandModule, "flags" | "interspersed">, argv: string[]): ParsedArgs {
  return parseArgs(argv, mod.flags, { interspersed: mod.interspersed ?? true });
}

/** In-memory stdio; `out()`/`err()` give what was written. */
export function memoryStdio(input = ""): Stdio & { out(): string; err(): string } {
  const stdin = new PassThrough();
  stdin.end(input);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  stdout.on("data", (c: Buffer) => o.push(c));
  stderr.on("data", (c: Buffer) => e.push(c));
  return {
    stdin,
    stdout,
    stderr,
    out: () => Buffer.concat(o).toString(),
    err: () => Buffer.concat(e).toString(),
  };
}
