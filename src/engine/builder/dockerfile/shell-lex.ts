// A port of BuildKit's shell lexer (frontend/dockerfile/shell/lex.go, v0.25): Docker's variable
// expansion and word splitting. It is not a shell: it knows quotes, the escape token, $name,
// ${name}, ${name:-w} ${name-w} ${name:+w} ${name+w} ${name:?w} ${name?w}, ${name#p} ${name##p}
// ${name%p} ${name%%p}, ${name/p/r} ${name//p/r}, and keeps `<<` together for heredoc detection.
// An unset variable expands to "" (or stays as written with skipUnsetEnv).

import { goQuote, isSpace } from "./go-strings.ts";

/** The value of a variable, or undefined when it is not set. */
export type EnvLookup = (name: string) => string | undefined;

export interface LexOptions {
  /** the escape token: "\\" (default) or "`" (the `# escape=` directive) */
  escape?: string;
  /** keep quote characters in the output */
  rawQuotes?: boolean;
  /** keep escape tokens in the output */
  rawEscapes?: boolean;
  /** treat quotes as plain characters (heredoc bodies) */
  skipProcessQuotes?: boolean;
  /** leave references to unset variables as written */
  skipUnsetEnv?: boolean;
}

export interface LexResult {
  /** the expanded word (ProcessWord) */
  result: string;
  /** the expansion split into words, quotes respected (ProcessWords) */
  words: string[];
  /** variables that were referenced and set */
  matched: Set<string>;
  /** variables that were referenced and not set */
  unmatched: Set<string>;
}

/** A syntax or `${x:?}` error; the message is BuildKit's. */
export class LexError extends Error {
  override name = "LexError";
}

/** Expands one word. Throws LexError (`failed to process "w": ...`). */
export function lex(word: string, lookup: EnvLookup, opts: LexOptions = {}): LexResult {
  const sw = new ShellWord(word, lookup, opts);
  try {
    const [result, words] = sw.processStopOn(EOF, sw.rawEscapes);
    return { result, words, matched: sw.matched, unmatched: sw.unmatched };
  } catch (e) {
    if (e instanceof LexError) throw new LexError(`failed to process ${goQuote(word)}: ${e.message}`);
    throw e;
  }
}

const EOF = undefined;
type Ch = string | undefined;

const LETTER = /^\p{L}$/u;
const DIGIT = /^\p{Nd}$/u;

/** Word splitting state. The buffer is shared with nested ${...} scans, as in BuildKit. */
class Words {
  buf: { s: string };
  words: string[] = [];
  inWord = false;
  constructor(buf: { s: string }) {
    this.buf = buf;
  }
  addChar(ch: string) {
    if (isSpace(ch) && this.inWord) {
      if (this.buf.s.length !== 0) {
        this.words.push(this.buf.s);
        this.buf.s = "";
        this.inWord = false;
      }
    } else if (!isSpace(ch)) {
      this.addRawChar(ch);
    }
  }
  addRawChar(ch: string) {
    this.buf.s += ch;
    this.inWord = true;
  }
  addString(s: string) {
    for (const ch of s) this.addChar(ch);
  }
  addRawString(s: string) {
    this.buf.s += s;
    this.inWord = true;
  }
  getWords(): string[] {
    if (this.buf.s.length > 0) {
      this.words.push(this.buf.s);
      this.buf.s = "";
      this.inWord = false;
    }
    return this.words;
  }
}

class ShellWord {
  readonly chars: string[];
  pos = 0;
  readonly lookup: EnvLookup;
  readonly escape: string;
  readonly rawQuotes: boolean;
  readonly skipProcessQuotes: boolean;
  readonly skipUnsetEnv: boolean;
  rawEscapes: boolean;
  // BuildKit reuses one buffer for every (nested) scan; a ${x:-y} inside a word therefore drops
  // the characters before it from ProcessWords' output. Kept for fidelity.
  readonly wordsBuffer = { s: "" };
  readonly matched = new Set<string>();
  readonly unmatched = new Set<string>();

  constructor(word: string, lookup: EnvLookup, opts: LexOptions) {
    this.chars = Array.from(word);
    this.lookup = lookup;
    this.escape = opts.escape ?? "\\";
    this.rawQuotes = opts.rawQuotes ?? false;
    this.rawEscapes = opts.rawEscapes ?? false;
    this.skipProcessQuotes = opts.skipProcessQuotes ?? false;
    this.skipUnsetEnv = opts.skipUnsetEnv ?? false;
  }

  peek(): Ch {
    return this.chars[this.pos];
  }
  next(): Ch {
    const ch = this.chars[this.pos];
    if (ch !== EOF) this.pos++;
    return ch;
  }

  processStopOn(stopChar: Ch, rawEscapes: boolean): [string, string[]] {
    let result = "";
    this.wordsBuffer.s = "";
    const words = new Words(this.wordsBuffer);
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      while (this.peek() !== EOF) {
        let ch = this.peek();
        if (stopChar !== EOF && ch === stopChar) {
          this.next();
          return [result, words.getWords()];
        }
        if (ch === "$") {
          const tmp = this.processDollar();
          result += tmp;
          words.addString(tmp);
        } else if (ch === "<") {
          const tmp = this.processPossibleHeredoc();
          result += tmp;
          words.addRawString(tmp);
        } else if (!this.skipProcessQuotes && (ch === "'" || ch === '"')) {
          const tmp = ch === "'" ? this.processSingleQuote() : this.processDoubleQuote();
          result += tmp;
          words.addRawString(tmp);
        } else {
          ch = this.next()!;
          if (ch === this.escape) {
            if (this.rawEscapes) {
              words.addRawChar(ch);
              result += ch;
            }
            const escaped = this.next();
            if (escaped === EOF) break;
            ch = escaped;
            words.addRawChar(ch);
          } else {
            words.addChar(ch);
          }
          result += ch;
        }
      }
      if (stopChar !== EOF) {
        throw new LexError(`unexpected end of statement while looking for matching ${stopChar}`);
      }
      return [result, words.getWords()];
    } finally {
      this.rawEscapes = saved;
    }
  }

  processSingleQuote(): string {
    let result = "";
    const open = this.next()!;
    if (this.rawQuotes) result += open;
    for (;;) {
      const ch = this.next();
      if (ch === EOF)
        throw new LexError("unexpected end of statement while looking for matching single-quote");
      if (ch === "'") {
        if (this.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
  }

  processDoubleQuote(): string {
    let result = "";
    const open = this.next()!;
    if (this.rawQuotes) result += open;
    for (;;) {
      const p = this.peek();
      if (p === EOF)
        throw new LexError("unexpected end of statement while looking for matching double-quote");
      if (p === '"') {
        const ch = this.next()!;
        if (this.rawQuotes) result += ch;
        return result;
      }
      if (p === "$") {
        result += this.processDollar();
        continue;
      }
      let ch = this.next()!;
      if (ch === this.escape) {
        if (this.rawEscapes) result += ch;
        const after = this.peek();
        if (after === EOF) continue; // a trailing escape is dropped (then: unterminated)
        if (after === '"' || after === "$" || after === this.escape) ch = this.next()!;
      }
      result += ch;
    }
  }

  processDollar(): string {
    this.next(); // $
    if (this.peek() !== "{") {
      const name = this.processName();
      if (name === "") return "$";
      const value = this.getEnv(name);
      if (value === undefined && this.skipUnsetEnv) return `$${name}`;
      return value ?? "";
    }
    this.next(); // {
    const first = this.peek();
    if (first === EOF) throw new LexError("syntax error: missing '}'");
    if (first === "{" || first === "}" || first === ":") throw new LexError("syntax error: bad substitution");
    const name = this.processName();
    let ch = this.next();
    let chs = ch ?? "\ufffd";
    if (ch === "}") {
      const value = this.getEnv(name);
      if (value === undefined && this.skipUnsetEnv) return `\${${name}}`;
      return value ?? "";
    }
    let nullIsUnset = false;
    if (ch === ":") {
      nullIsUnset = true;
      ch = this.next();
      chs += ch ?? "\ufffd";
    }
    if (nullIsUnset || ch === "+" || ch === "-" || ch === "?" || ch === "#" || ch === "%") {
      return this.processModifier(name, ch, chs, nullIsUnset);
    }
    if (ch === "/") return this.processReplace(name);
    throw new LexError(`unsupported modifier (${chs}) in substitution`);
  }

  processModifier(name: string, ch: Ch, chs: string, nullIsUnset: boolean): string {
    const rawEscapes = ch === "#" || ch === "%";
    if (nullIsUnset && rawEscapes) throw new LexError(`unsupported modifier (${chs}) in substitution`);
    let word = this.stopOnOrMissing("}", rawEscapes, "syntax error: missing '}'");
    const value = this.getEnv(name);
    const set = value !== undefined;
    if (this.skipUnsetEnv && !set) return `\${${name}${chs}${word}}`;
    const v = value ?? "";
    switch (ch) {
      case "-":
        return !set || (nullIsUnset && v === "") ? word : v;
      case "+":
        return !set || (nullIsUnset && v === "") ? "" : word;
      case "?":
        if (!set) throw new LexError(`${name}: ${word !== "" ? word : "is not allowed to be unset"}`);
        if (nullIsUnset && v === "") {
          throw new LexError(`${name}: ${word !== "" ? word : "is not allowed to be empty"}`);
        }
        return v;
      case "%":
      case "#": {
        // %/# remove the shortest match, %%/## the longest
        let greedy = false;
        if (word.length > 0 && word[0] === ch) {
          greedy = true;
          word = word.slice(1);
        }
        return ch === "%" ? trimSuffix(word, v, greedy) : trimPrefix(word, v, greedy);
      }
      default:
        throw new LexError(`unsupported modifier (${chs}) in substitution`);
    }
  }

  processReplace(name: string): string {
    const replaceAll = this.peek() === "/";
    if (replaceAll) this.next();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: BuildKit's message
    const pattern = this.stopOnOrMissing("/", true, "syntax error: missing '/' in ${}");
    const replacement = this.stopOnOrMissing("}", true, "syntax error: missing '}'");
    const value = this.getEnv(name);
    if (this.skipUnsetEnv && value === undefined) return `\${${name}/${pattern}/${replacement}}`;
    const re = patternRegex(pattern, true, false, replaceAll);
    return (value ?? "").replace(re, () => replacement);
  }

  /** processStopOn, turning an error at the end of input into BuildKit's "missing" message. */
  stopOnOrMissing(stop: string, rawEscapes: boolean, missing: string): string {
    try {
      return this.processStopOn(stop, rawEscapes)[0];
    } catch (e) {
      if (e instanceof LexError && this.peek() === EOF) throw new LexError(missing);
      throw e;
    }
  }

  processName(): string {
    let name = "";
    while (this.peek() !== EOF) {
      const ch = this.peek()!;
      if (name.length === 0 && DIGIT.test(ch)) {
        while (this.peek() !== EOF && DIGIT.test(this.peek()!)) name += this.next();
        return name;
      }
      if (name.length === 0 && isSpecialParam(ch)) return this.next()!;
      if (!LETTER.test(ch) && !DIGIT.test(ch) && ch !== "_") break;
      name += this.next();
    }
    return name;
  }

  processPossibleHeredoc(): string {
    this.next(); // <
    if (this.peek() !== "<") return "<";
    this.next();
    let space = "";
    while (this.peek() === "\t" || this.peek() === "\r" || this.peek() === " ") space += this.next();
    return `<<${space}`;
  }

  getEnv(name: string): string | undefined {
    const v = this.lookup(name);
    if (v !== undefined) this.matched.add(name);
    else this.unmatched.add(name);
    return v;
  }
}

/** POSIX special parameters ($@ $* $# $? $- $$ $! $0): never set in a Dockerfile. */
function isSpecialParam(ch: string): boolean {
  return "@*#?-$!0".includes(ch);
}

/**
 * A shell wildcard pattern (`*`, `?`, `\` escapes; no brackets) as a regular expression, as
 * BuildKit's convertShellPatternToRegex. Go's `.` is "anything but \n".
 */
export function patternRegex(pattern: string, greedy: boolean, anchored: boolean, global = false): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? "^" : "";
  const star = greedy ? "[^\\n]*" : "[^\\n]*?";
  for (let i = 0; i < chars.length; i++) {
    const tok = chars[i];
    if (tok === "*") out += star;
    else if (tok === "?") out += "[^\\n]";
    else if (tok === "\\") {
      // `}` and `/` are escaped only to get them into ${...}: the escape is not part of the pattern
      const nextCh = chars[i + 1];
      if (nextCh === "}" || nextCh === "/") continue;
      i++;
      if (nextCh !== "*" && nextCh !== "?" && nextCh !== "\\") {
        throw new LexError(
          `invalid pattern (${pattern}) in substitution: invalid escape '\\${nextCh ?? "\ufffd"}'`,
        );
      }
      out += `\\${nextCh}`;
    } else if ("[]{}.+()|^$".includes(tok)) out += `\\${tok}`;
    else out += tok;
  }
  return new RegExp(out, global ? "gu" : "u");
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const m = patternRegex(pattern, greedy, true).exec(value);
  return m ? value.slice(m.index + m[0].length) : value;
}

/** Regexps find the leftmost match, so the shortest suffix is found on reversed strings. */
function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  const reversed = trimPrefix(reversePattern(pattern), Array.from(value).reverse().join(""), greedy);
  return Array.from(reversed).reverse().join("");
}

/** Reverses a pattern keeping each `\x` escape in front of its character. */
export function reversePattern(pattern: string): string {
  const runes = Array.from(pattern);
  const out: string[] = new Array(runes.length);
  const last = runes.length - 1;
  for (let i = 0; i <= last; ) {
    const tok = runes[i];
    const outIdx = last - i;
    if (tok === "\\" && i !== last) {
      out[outIdx - 1] = tok;
      out[outIdx] = runes[i + 1];
      i += 2;
    } else {
      out[outIdx] = tok;
      i++;
    }
  }
  return out.join("");
}
