// How each instruction's argument text becomes a list of words (BuildKit's
// parser/line_parsers.go). This pass keeps quotes and escapes; expansion removes them later.

import { goQuote, isSpace, trimLeftSpace } from "./go-strings.ts";
import { splitFirstWord } from "./split-command.ts";

/** The arguments of one instruction: words, whether they came from a JSON array. */
export interface LineArgs {
  next: string[];
  json: boolean;
}

export type LineParser = (rest: string, escapeToken: string) => LineArgs;

const NONE: LineArgs = { next: [], json: false };

/** A JSON array holding something other than strings: an error, not a fallback to shell form. */
export class NotStringArrayError extends Error {
  constructor() {
    super("when using JSON array syntax, arrays must be comprised of strings only");
  }
}

const WHITESPACE = /[\t\v\f\r ]+/;

/** Space-separated words; quotes group words and are kept, the escape token is kept too. */
export function parseWords(rest: string, escapeToken: string): string[] {
  const chars = Array.from(rest);
  const words: string[] = [];
  let phase: "spaces" | "word" | "quote" = "spaces";
  let quote = "";
  let blankOK = false;
  let word = "";
  for (let pos = 0; pos <= chars.length; pos++) {
    let ch = chars[pos];
    if (phase === "spaces") {
      if (pos === chars.length) break;
      if (isSpace(ch)) continue;
      phase = "word";
    }
    if (pos === chars.length) {
      if (blankOK || word.length > 0) words.push(word);
      break;
    }
    if (phase === "word") {
      if (isSpace(ch)) {
        phase = "spaces";
        if (blankOK || word.length > 0) words.push(word);
        word = "";
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = "quote";
      }
      if (ch === escapeToken) {
        if (pos + 1 === chars.length) continue; // a trailing escape is dropped
        // outside quotes the escape token and the next character are kept, even a quote
        word += ch;
        ch = chars[++pos];
      }
      word += ch;
      continue;
    }
    // in a quote: the escape token escapes, except in single quotes
    if (ch === quote) phase = "word";
    if (ch === escapeToken && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = "word";
        continue;
      }
      word += ch;
      ch = chars[++pos];
    }
    word += ch;
  }
  return words;
}

/** ENV and LABEL: `KEY value` (legacy, one pair) or `k=v k2="v 2"`, as [key, value, sep]... */
function nameVal(key: string): LineParser {
  return (rest, escapeToken) => {
    const words = parseWords(rest, escapeToken);
    if (words.length === 0) return NONE;
    if (!words[0].includes("=")) {
      const parts = splitFirstWord(rest);
      if (parts.length === 1) throw new Error(`${key} must have two arguments`);
      return { next: [parts[0], parts[1], ""], json: false };
    }
    const next: string[] = [];
    for (const w of words) {
      const eq = w.indexOf("=");
      if (eq < 0)
        throw new Error(`Syntax error - can't find = in ${goQuote(w)}. Must be of the form: name=value`);
      next.push(w.slice(0, eq), w.slice(eq + 1), "=");
    }
    return { next, json: false };
  };
}

/** ARG: `name name2=value`, each word as written. */
const nameOrNameVal: LineParser = (rest, escapeToken) => ({
  next: parseWords(rest, escapeToken),
  json: false,
});

/** FROM, EXPOSE: split on whitespace, nothing else. */
export const whitespaceDelimited: LineParser = (rest) =>
  rest === "" ? NONE : { next: rest.split(WHITESPACE), json: false };

/** MAINTAINER, USER, WORKDIR, STOPSIGNAL: the whole text as one argument. */
const wholeString: LineParser = (rest) => (rest === "" ? NONE : { next: [rest], json: false });

/** A JSON array of strings, or undefined when the text is not one. */
function parseJSON(rest: string): string[] | undefined {
  const t = trimLeftSpace(rest);
  if (!t.startsWith("[")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  if (!parsed.every((x) => typeof x === "string")) throw new NotStringArrayError();
  return parsed;
}

/** RUN, CMD, ENTRYPOINT, SHELL: a JSON array, else the whole text (a malformed array too). */
export const maybeJSON: LineParser = (rest) => {
  if (rest === "") return NONE;
  const arr = parseJSON(rest);
  return arr ? { next: arr, json: true } : { next: [rest], json: false };
};

/** ADD, COPY, VOLUME: a JSON array, else whitespace-separated words. */
const maybeJSONToList: LineParser = (rest, escapeToken) => {
  const arr = parseJSON(rest);
  return arr ? { next: arr, json: true } : whitespaceDelimited(rest, escapeToken);
};

/** HEALTHCHECK: a type word (NONE, CMD), then a command like CMD's. */
const healthConfig: LineParser = (rest, escapeToken) => {
  const chars = Array.from(rest);
  let sep = 0;
  while (sep < chars.length && !isSpace(chars[sep])) sep++;
  if (sep === 0) return NONE;
  let next = sep;
  while (next < chars.length && isSpace(chars[next])) next++;
  const cmd = maybeJSON(chars.slice(next).join(""), escapeToken);
  return { next: [chars.slice(0, sep).join(""), ...cmd.next], json: cmd.json };
};

/** The line parser of each instruction (lower-case name); ONBUILD is handled by the caller. */
export const lineParsers: Record<string, LineParser> = {
  add: maybeJSONToList,
  arg: nameOrNameVal,
  cmd: maybeJSON,
  copy: maybeJSONToList,
  entrypoint: maybeJSON,
  env: nameVal("ENV"),
  expose: whitespaceDelimited,
  from: whitespaceDelimited,
  healthcheck: healthConfig,
  label: nameVal("LABEL"),
  maintainer: wholeString,
  run: maybeJSON,
  shell: maybeJSON,
  stopsignal: wholeString,
  user: wholeString,
  volume: maybeJSONToList,
  workdir: wholeString,
};
