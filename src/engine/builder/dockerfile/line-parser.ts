// The syntax pass (BuildKit's parser/parser.go): lines → instruction nodes. It handles parser
// directives, comments (dropped, also inside continuations), line continuations with the escape
// token, empty continuation lines (a warning), and reads heredoc bodies. Nothing is expanded.

import { Directives } from "./directives.ts";
import { DockerfileError } from "./errors.ts";
import { trimLeftSpace } from "./go-strings.ts";
import { heredocsFromLine, type RawHeredoc } from "./heredoc.ts";
import { lineParsers } from "./line-args.ts";
import { splitCommand } from "./split-command.ts";
import type { ParseWarning } from "./types.ts";

/** One instruction as the syntax pass sees it. */
export interface Node {
  /** the instruction name as written */
  value: string;
  /** the instruction text, continuation lines joined (not trimmed) */
  original: string;
  /** the leading --flags, quotes removed, as written ("--from=build") */
  flags: string[];
  /** the argument words, quotes kept; ENV/LABEL hold [key, value, "=" or ""] triples */
  next: string[];
  /** ONBUILD's trigger */
  sub?: Node;
  /** the arguments were a JSON array */
  json: boolean;
  heredocs: RawHeredoc[];
  startLine: number;
  endLine: number;
}

export interface LineParseResult {
  nodes: Node[];
  directives: Map<string, string>;
  escape: "\\" | "`";
  warnings: ParseWarning[];
}

const HEREDOC_INSTRUCTIONS = new Set(["add", "copy", "run"]);

/** Throws DockerfileError (syntax) with BuildKit's messages. */
export function parseLines(text: string): LineParseResult {
  const d = new Directives();
  const lines = scanLines(text);
  let i = 0;
  const nextLine = (): string | undefined => lines[i++];
  let currentLine = 0;
  const nodes: Node[] = [];
  const warnings: ParseWarning[] = [];

  const processLine = (raw: string, stripLeft: boolean): string => {
    let token = trimNewline(raw);
    if (stripLeft) token = trimLeftSpace(token);
    try {
      d.parseLine(token);
    } catch (e) {
      throw new DockerfileError((e as Error).message, currentLine + 1, true);
    }
    return isComment(token) ? "" : token;
  };

  for (let raw = nextLine(); raw !== undefined; raw = nextLine()) {
    if (currentLine === 0 && raw.startsWith("\ufeff")) raw = raw.slice(1);
    let bytes = processLine(raw, true);
    currentLine++;
    const startLine = currentLine;
    let [chunk, isEndOfLine] = trimContinuation(bytes, d);
    if (isEndOfLine && chunk.length === 0) continue;
    let line = chunk;
    let hasEmptyContinuationLine = false;
    while (!isEndOfLine) {
      const cont = nextLine();
      if (cont === undefined) break;
      bytes = processLine(cont, false);
      currentLine++;
      if (isComment(cont)) continue;
      if (trimLeftSpace(trimNewline(bytes)).length === 0) {
        hasEmptyContinuationLine = true;
        continue;
      }
      [chunk, isEndOfLine] = trimContinuation(bytes, d);
      line += chunk;
    }
    if (hasEmptyContinuationLine) {
      warnings.push({ line: currentLine, message: `Empty continuation line found in: ${line}` });
    }

    let node: Node;
    try {
      node = nodeFromLine(line, d.escape);
    } catch (e) {
      throw new DockerfileError((e as Error).message, startLine, true);
    }

    if (canContainHeredoc(node) && line.includes("<<")) {
      let docs: RawHeredoc[];
      try {
        docs = heredocsFromLine(line);
      } catch (e) {
        throw new DockerfileError((e as Error).message, startLine, true);
      }
      for (const doc of docs) {
        let terminated = false;
        for (let body = nextLine(); body !== undefined; body = nextLine()) {
          currentLine++;
          let candidate = trimNewline(body);
          if (doc.chomp) candidate = candidate.replace(/^\t+/, "");
          if (candidate === doc.name) {
            terminated = true;
            break;
          }
          doc.content += body;
        }
        if (!terminated) throw new DockerfileError("unterminated heredoc", startLine, true);
        node.heredocs.push(doc);
      }
    }
    node.startLine = startLine;
    node.endLine = currentLine;
    nodes.push(node);
  }
  if (nodes.length === 0) throw new DockerfileError("file with no instructions", currentLine, true);
  return { nodes, directives: d.values, escape: d.escape, warnings };
}

/** Splits an instruction line and parses its arguments (recursively for ONBUILD). */
function nodeFromLine(line: string, escapeToken: string): Node {
  const { cmd, flags, args } = splitCommand(line, escapeToken);
  const node: Node = {
    value: cmd,
    original: line,
    flags,
    next: [],
    json: false,
    heredocs: [],
    startLine: 0,
    endLine: 0,
  };
  const lower = cmd.toLowerCase();
  if (lower === "onbuild") {
    if (args !== "") node.sub = nodeFromLine(args, escapeToken);
    return node;
  }
  const parse = lineParsers[lower];
  if (parse) {
    const parsed = parse(args, escapeToken);
    node.next = parsed.next;
    node.json = parsed.json;
  }
  return node;
}

function canContainHeredoc(node: Node): boolean {
  const n = node.value.toLowerCase() === "onbuild" && node.sub ? node.sub : node;
  return HEREDOC_INSTRUCTIONS.has(n.value.toLowerCase()) && !n.json;
}

/** Lines with their line endings (bufio.Scanner with BuildKit's scanLines). */
function scanLines(text: string): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    const nl = text.indexOf("\n", at);
    if (nl < 0) {
      out.push(text.slice(at));
      break;
    }
    out.push(text.slice(at, nl + 1));
    at = nl + 1;
  }
  return out;
}

function trimNewline(s: string): string {
  return s.replace(/[\r\n]+$/, "");
}

function isComment(line: string): boolean {
  return trimLeftSpace(line).startsWith("#");
}

/** Removes a continuation escape; returns the line and whether the instruction ends here. */
function trimContinuation(line: string, d: Directives): [string, boolean] {
  if (d.continuation.test(line)) return [line.replace(d.continuation, "$1"), false];
  return [line, true];
}
