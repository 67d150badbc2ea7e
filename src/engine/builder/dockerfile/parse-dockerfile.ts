// Dockerfile text → typed stages: the syntax pass, then the instruction pass, then grouping into
// stages, with the errors Docker's classic builder (moby 28, BuildKit's parser) gives.

import { invalid } from "../../../lib/errors.ts";
import { DockerfileError, PlainDockerfileError, toKapselError } from "./errors.ts";
import { parseInstruction } from "./instructions.ts";
import { type LineParseResult, parseLines } from "./line-parser.ts";
import type { ArgInstruction, Dockerfile, Instruction, Stage } from "./types.ts";

export interface ParseOptions {
  /** the Dockerfile's name as the client gave it, for messages (default "Dockerfile") */
  name?: string;
}

/**
 * Parses a whole Dockerfile. Nothing is expanded. Throws KapselError "invalid" (with a `line`
 * property) worded as Docker: "the Dockerfile (Dockerfile) cannot be empty", "failed to parse
 * Dockerfile: file with no instructions", "dockerfile parse error on line 3: unknown
 * instruction: FOO", "no build stage in current context", "x stage name already used".
 */
export function parseDockerfile(text: string, opts: ParseOptions = {}): Dockerfile {
  const name = opts.name ?? "Dockerfile";
  if (text.length === 0) throw invalid(`the Dockerfile (${name}) cannot be empty`);
  try {
    return assemble(parseLines(text));
  } catch (e) {
    if (e instanceof DockerfileError) throw toKapselError(e, name);
    throw e;
  }
}

function assemble(res: LineParseResult): Dockerfile {
  const metaArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  const names = new Set<string>();
  for (const node of res.nodes) {
    let ins: Instruction;
    try {
      ins = parseInstruction(node);
    } catch (e) {
      throw new DockerfileError((e as Error).message, node.startLine, false);
    }
    if (ins.kind === "FROM") {
      const stageName = ins.alias?.toLowerCase();
      if (stageName !== undefined) {
        // Docker finds this when the stage starts; failing before any step is kinder
        if (names.has(stageName)) {
          throw new PlainDockerfileError(`${stageName} stage name already used`, node.startLine, false);
        }
        names.add(stageName);
      }
      stages.push({ index: stages.length, name: stageName, from: ins, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.kind === "ARG") metaArgs.push(ins);
      else throw new PlainDockerfileError("no build stage in current context", node.startLine, false);
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return {
    escape: res.escape,
    syntax: res.directives.get("syntax"),
    check: res.directives.get("check"),
    metaArgs,
    stages,
    warnings: res.warnings,
  };
}
