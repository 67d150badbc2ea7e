// Heredoc words (`<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`) as BuildKit's parser finds them. Only
// RUN, ADD and COPY (also behind ONBUILD) in shell form take heredocs; their bodies follow the
// instruction line, one after another, each up to a line that is exactly its name.

import { lex } from "./shell-lex.ts";

/** A heredoc as the parser reads it; `content` is the body exactly as written (not chomped). */
export interface RawHeredoc {
  name: string;
  fd: number;
  /** the word was not quoted: ADD/COPY expand the body */
  expand: boolean;
  /** `<<-`: leading tabs are stripped from the body and from the terminator line */
  chomp: boolean;
  content: string;
}

// Go's \s is [\t\n\f\r ] and [^<] includes newlines.
const HEREDOC = /^([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)$/;
const noEnv = () => undefined;

/**
 * The heredoc named by one word, or undefined when the word is not one. Throws when the name
 * cannot be lexed (an unterminated quote).
 */
export function parseHeredoc(word: string): RawHeredoc | undefined {
  const m = HEREDOC.exec(word);
  if (!m || m[3].length === 0) return undefined;
  const rest = m[3];
  // Lex with and without quotes: if they differ, part of the word was quoted, so no expansion.
  const words = lex(rest, noEnv, { skipUnsetEnv: true }).words;
  if (words.length !== 1) return undefined;
  const raw = lex(rest, noEnv, { skipUnsetEnv: true, rawQuotes: true }).words;
  if (raw.length !== words.length) {
    throw new Error(`internal lexing of heredoc produced inconsistent results: ${rest}`);
  }
  return {
    name: words[0],
    fd: m[1] === "" ? 0 : Number.parseInt(m[1], 10),
    expand: quoteCount(words[0]) === quoteCount(raw[0]),
    chomp: m[2] === "-",
    content: "",
  };
}

/** parseHeredoc, treating an unlexable word as no heredoc (BuildKit's MustParseHeredoc). */
export function mustParseHeredoc(word: string): RawHeredoc | undefined {
  try {
    return parseHeredoc(word);
  } catch {
    return undefined;
  }
}

/** The heredocs an instruction line opens, in order (the line is lexed whole, `\` escaping). */
export function heredocsFromLine(line: string): RawHeredoc[] {
  let words: string[];
  try {
    words = lex(line, noEnv, { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }).words;
  } catch {
    return [];
  }
  const docs: RawHeredoc[] = [];
  for (const w of words) {
    const h = parseHeredoc(w);
    if (h) docs.push(h);
  }
  return docs;
}

/** `<<-`: leading tabs removed from every line of the body. */
export function chompHeredoc(content: string): string {
  return content.replace(/(^|\n)\t+/g, "$1");
}

function quoteCount(s: string): number {
  let n = 0;
  for (const ch of s) if (ch === "'" || ch === '"') n++;
  return n;
}
