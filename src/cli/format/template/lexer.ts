/**
 * The scanner of Go's text/template (text/template/parse/lex.go), delimiters `{{` `}}`.
 * Trim markers (`{{- ` and ` -}}`), comments, and the Go 1.18+ keywords break/continue.
 * A lexical error becomes an `error` item and ends the stream: the parser reports it only
 * if it gets that far, exactly as Go's lazy lexer does.
 */

export type ItemType =
  | "error"
  | "bool"
  | "char" // printable ASCII grab bag: comma etc.
  | "charConstant"
  | "complex"
  | "assign"
  | "declare"
  | "eof"
  | "field"
  | "identifier"
  | "leftDelim"
  | "leftParen"
  | "number"
  | "pipe"
  | "rawString"
  | "rightDelim"
  | "rightParen"
  | "space"
  | "string"
  | "text"
  | "variable"
  // keywords
  | "block"
  | "break"
  | "continue"
  | "dot"
  | "define"
  | "else"
  | "end"
  | "if"
  | "nil"
  | "range"
  | "template"
  | "with";

export interface Item {
  type: ItemType;
  pos: number; // index of the item in the input
  val: string;
  line: number; // line of the item's start
}

const KEYWORDS: Record<string, ItemType> = {
  ".": "dot",
  block: "block",
  break: "break",
  continue: "continue",
  define: "define",
  else: "else",
  end: "end",
  if: "if",
  range: "range",
  nil: "nil",
  template: "template",
  with: "with",
};

const KEYWORD_TYPES = new Set<ItemType>(Object.values(KEYWORDS));

/** How Go prints an item in "unexpected X in Y" messages. */
export function itemString(item: Item): string {
  if (item.type === "eof") return "EOF";
  if (item.type === "error") return item.val;
  if (KEYWORD_TYPES.has(item.type)) return `<${item.val}>`;
  if ([...item.val].length > 10) return `${goQuoteShort(item.val)}...`;
  return JSON.stringify(item.val);
}

function goQuoteShort(s: string): string {
  return JSON.stringify([...s].slice(0, 10).join(""));
}

const LEFT = "{{";
const RIGHT = "}}";
const TRIM = "-";
const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\r" || c === "\n";
// ASCII first: the Unicode-property class costs ~1 ms to build the first time it runs
const isAlphaNumeric = (c: string | undefined) =>
  c !== undefined &&
  ((c >= "a" && c <= "z") ||
    (c >= "A" && c <= "Z") ||
    (c >= "0" && c <= "9") ||
    c === "_" ||
    (c > "\x7f" && /^[\p{L}\p{Nd}]$/u.test(c)));

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s[at] === TRIM && isSpace(s[at + 1]);
}

function hasRightTrimMarker(s: string, at: number): boolean {
  return isSpace(s[at]) && s[at + 1] === TRIM;
}

function spaceLen(s: string, at: number): number {
  let j = at;
  while (j < s.length && isSpace(s[j])) j++;
  return j - at;
}

export function lex(input: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;

  const emit = (type: ItemType, val = input.slice(start, pos)) => {
    items.push({ type, pos: start, val, line: startLine });
    line += countNewlines(input, start, pos);
    start = pos;
    startLine = line;
  };
  const ignore = () => {
    line += countNewlines(input, start, pos);
    start = pos;
    startLine = line;
  };
  const fail = (msg: string): false => {
    items.push({ type: "error", pos: start, val: msg, line: startLine });
    return false;
  };
  // Right delimiter here (optionally preceded by a trim marker)? [delim, trim]
  const atRightDelim = (): [boolean, boolean] => {
    if (hasRightTrimMarker(input, pos) && input.startsWith(RIGHT, pos + 2)) return [true, true];
    return [input.startsWith(RIGHT, pos), false];
  };
  const atTerminator = (): boolean => {
    const c = input[pos];
    if (c === undefined || isSpace(c)) return true;
    return ".,|:)(".includes(c) || input.startsWith(RIGHT, pos);
  };
  const nextRune = (): string | undefined => {
    const cp = input.codePointAt(pos);
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  };

  // Returns false when the stream ended (EOF or error).
  const lexText = (): boolean => {
    const x = input.indexOf(LEFT, pos);
    if (x < 0) {
      pos = input.length;
      if (pos > start) emit("text");
      emit("eof", "");
      return false;
    }
    if (x > pos) {
      pos = x;
      const trimLength = hasLeftTrimMarker(input, x + LEFT.length)
        ? input.slice(start, x).length - input.slice(start, x).replace(/[ \t\r\n]+$/, "").length
        : 0;
      pos -= trimLength;
      if (pos > start) emit("text");
      pos += trimLength;
      ignore();
    }
    return lexLeftDelim();
  };

  const lexLeftDelim = (): boolean => {
    pos += LEFT.length;
    const trim = hasLeftTrimMarker(input, pos);
    const afterMarker = trim ? 2 : 0;
    if (input.startsWith("/*", pos + afterMarker)) {
      pos += afterMarker;
      ignore();
      return lexComment();
    }
    emit("leftDelim");
    pos += afterMarker;
    ignore();
    parenDepth = 0;
    return lexInsideAction();
  };

  const lexComment = (): boolean => {
    pos += 2;
    const x = input.indexOf("*/", pos);
    if (x < 0) return fail("unclosed comment");
    pos = x + 2;
    const [delim, trim] = atRightDelim();
    if (!delim) return fail("comment ends before closing delimiter");
    if (trim) pos += 2;
    pos += RIGHT.length;
    if (trim) pos += spaceLen(input, pos);
    ignore();
    return true;
  };

  const lexRightDelim = (): boolean => {
    const [, trim] = atRightDelim();
    if (trim) {
      pos += 2;
      ignore();
    }
    pos += RIGHT.length;
    emit("rightDelim");
    if (trim) {
      pos += spaceLen(input, pos);
      ignore();
    }
    return true;
  };

  const lexInsideAction = (): boolean => {
    for (;;) {
      const [delim] = atRightDelim();
      if (delim) {
        if (parenDepth === 0) return lexRightDelim();
        return fail("unclosed left paren");
      }
      const r = nextRune();
      if (r === undefined) return fail("unclosed action");
      if (isSpace(r)) {
        let n = 0;
        while (isSpace(input[pos])) {
          pos++;
          n++;
        }
        // A trim-marked closing delimiter begins with a space: leave that space to it.
        if (hasRightTrimMarker(input, pos - 1) && input.startsWith(RIGHT, pos + 1)) {
          pos--;
          if (n === 1) {
            ignore();
            return lexRightDelim();
          }
        }
        emit("space");
        continue;
      }
      pos += r.length;
      if (r === "=") emit("assign");
      else if (r === ":") {
        if (input[pos] !== "=") return fail("expected :=");
        pos++;
        emit("declare");
      } else if (r === "|") emit("pipe");
      else if (r === '"') {
        if (!lexQuote()) return false;
      } else if (r === "`") {
        const end = input.indexOf("`", pos);
        if (end < 0) return fail("unterminated raw quoted string");
        pos = end + 1;
        emit("rawString");
      } else if (r === "$") {
        if (!lexFieldOrVariable("variable")) return false;
      } else if (r === "'") {
        if (!lexChar()) return false;
      } else if (r === "." && !(input[pos] >= "0" && input[pos] <= "9")) {
        if (!lexFieldOrVariable("field")) return false;
      } else if (r === "." || r === "+" || r === "-" || (r >= "0" && r <= "9")) {
        pos -= r.length;
        if (!lexNumber()) return false;
      } else if (isAlphaNumeric(r)) {
        while (isAlphaNumeric(nextRune())) pos += nextRune()!.length;
        const word = input.slice(start, pos);
        if (!atTerminator()) return fail(`bad character ${goRuneName(nextRune()!)}`);
        if (KEYWORDS[word] && word !== ".") emit(KEYWORDS[word]);
        else if (word === "true" || word === "false") emit("bool");
        else emit("identifier");
      } else if (r === "(") {
        emit("leftParen");
        parenDepth++;
      } else if (r === ")") {
        parenDepth--;
        if (parenDepth < 0) return fail("unexpected right paren");
        emit("rightParen");
      } else if (r.codePointAt(0)! <= 0x7f && r >= " " && r !== "\x7f") emit("char");
      else return fail(`unrecognized character in action: ${goRuneName(r)}`);
    }
  };

  const lexFieldOrVariable = (type: "field" | "variable"): boolean => {
    if (atTerminator()) {
      emit(type === "variable" ? "variable" : "dot");
      return true;
    }
    while (isAlphaNumeric(nextRune())) pos += nextRune()!.length;
    if (!atTerminator()) return fail(`bad character ${goRuneName(nextRune()!)}`);
    emit(type);
    return true;
  };

  const lexQuote = (): boolean => {
    for (;;) {
      const c = input[pos++];
      if (c === "\\") {
        const n = input[pos];
        if (n !== undefined && n !== "\n") {
          pos++;
          continue;
        }
        return fail("unterminated quoted string");
      }
      if (c === undefined || c === "\n") return fail("unterminated quoted string");
      if (c === '"') break;
    }
    emit("string");
    return true;
  };

  const lexChar = (): boolean => {
    for (;;) {
      const c = input[pos++];
      if (c === "\\") {
        const n = input[pos];
        if (n !== undefined && n !== "\n") {
          pos++;
          continue;
        }
        return fail("unterminated character constant");
      }
      if (c === undefined || c === "\n") return fail("unterminated character constant");
      if (c === "'") break;
    }
    emit("charConstant");
    return true;
  };

  const accept = (valid: string): boolean => {
    if (pos < input.length && valid.includes(input[pos])) {
      pos++;
      return true;
    }
    return false;
  };
  const acceptRun = (valid: string) => {
    while (pos < input.length && valid.includes(input[pos])) pos++;
  };
  const scanNumber = (): boolean => {
    accept("+-");
    let digits = "0123456789_";
    if (accept("0")) {
      if (accept("xX")) digits = "0123456789abcdefABCDEF_";
      else if (accept("oO")) digits = "01234567_";
      else if (accept("bB")) digits = "01_";
    }
    acceptRun(digits);
    if (accept(".")) acceptRun(digits);
    if (digits.length === 11 && accept("eE")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    if (digits.length === 23 && accept("pP")) {
      accept("+-");
      acceptRun("0123456789_");
    }
    accept("i");
    if (isAlphaNumeric(nextRune())) {
      pos += nextRune()!.length;
      return false;
    }
    return true;
  };
  const lexNumber = (): boolean => {
    if (!scanNumber()) return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
    if (input[pos] === "+" || input[pos] === "-") {
      if (!scanNumber() || input[pos - 1] !== "i")
        return fail(`bad number syntax: ${JSON.stringify(input.slice(start, pos))}`);
      emit("complex");
    } else emit("number");
    return true;
  };

  while (lexText()) {
    /* one text-and-action round per iteration */
  }
  return items;
}

function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

/** Go's %#U: U+007D '}' */
export function goRuneName(r: string): string {
  const cp = r.codePointAt(0)!;
  return `U+${cp.toString(16).toUpperCase().padStart(4, "0")} '${r}'`;
}
