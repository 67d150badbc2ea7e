import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
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

/**
 * A tree maker for the folder `base`: each call makes a fresh directory under it from a spec
 * such as {"a/b": "text", "l": "->target", "d/": null} and returns its path.
 */
export function treeMaker(base: string): (spec: Record<string, string | null>) => string {
  let n = 0;
  return (spec) => {
    const root = `${base}/t${n++}`;
    mkdirSync(root);
    for (const [path, content] of Object.entries(spec)) {
      const p = `${root}/${path}`;
      if (path.endsWith("/")) mkdirSync(p, { recursive: true });
      else if (content?.startsWith("->")) symlinkSync(content.slice(2), p);
      else {
        mkdirSync(p.slice(0, p.lastIndexOf("/")), { recursive: true });
        writeFileSync(p, content ?? "");
      }
    }
    return root;
  };
}
