// Splitting an instruction line into its name, its --flags and the rest (BuildKit's
// parser/split_command.go). Flags are the leading words that start with "--"; quotes inside them
// are removed and the escape token escapes the next character; a lone "--" ends the flags.

import { isSpace, trimSpace } from "./go-strings.ts";

const WHITESPACE = /[\t\v\f\r ]+/;

/** `a b  c` → ["a", "b  c"]: Go's regexp.Split(s, 2) on Docker's whitespace. */
export function splitFirstWord(s: string): [string] | [string, string] {
  const m = WHITESPACE.exec(s);
  if (!m) return [s];
  return [s.slice(0, m.index), s.slice(m.index + m[0].length)];
}

export function splitCommand(
  line: string,
  escapeToken: string,
): { cmd: string; flags: string[]; args: string } {
  const parts = splitFirstWord(trimSpace(line));
  if (parts.length === 1) return { cmd: parts[0], flags: [], args: "" };
  const [rest, flags] = extractBuilderFlags(parts[1], escapeToken);
  return { cmd: parts[0], flags, args: trimSpace(rest) };
}

const IN_SPACES = 0;
const IN_WORD = 1;
const IN_QUOTE = 2;

function extractBuilderFlags(line: string, escapeToken: string): [string, string[]] {
  const chars = Array.from(line);
  const words: string[] = [];
  let phase = IN_SPACES;
  let word = "";
  let quote = "";
  let blankOK = false;
  for (let pos = 0; pos <= chars.length; pos++) {
    let ch = chars[pos];
    if (phase === IN_SPACES) {
      if (pos === chars.length) break;
      if (isSpace(ch)) continue;
      // only keep going while the next word starts with --
      if (ch !== "-" || pos + 1 === chars.length || chars[pos + 1] !== "-") {
        return [chars.slice(pos).join(""), words];
      }
      phase = IN_WORD;
    }
    if (pos === chars.length) {
      if (word !== "--" && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === IN_WORD) {
      if (isSpace(ch)) {
        phase = IN_SPACES;
        if (word === "--") return [chars.slice(pos).join(""), words];
        if (blankOK || word.length > 0) words.push(word);
        word = "";
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = IN_QUOTE;
        continue;
      }
      if (ch === escapeToken) {
        if (pos + 1 === chars.length) continue; // a trailing escape is dropped
        ch = chars[++pos];
      }
      word += ch;
      continue;
    }
    // IN_QUOTE
    if (ch === quote) {
      phase = IN_WORD;
      continue;
    }
    if (ch === escapeToken) {
      if (pos + 1 === chars.length) {
        phase = IN_WORD;
        continue;
      }
      ch = chars[++pos];
    }
    word += ch;
  }
  return ["", words];
}
