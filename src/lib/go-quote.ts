/**
 * Go's strconv.Quote and QuoteRune: docker's COMMAND column (`"sh -c 'echo hi'"`), `%q`, and
 * pflag's `(default "no")` all print through them. Printable Unicode stays as is; control
 * and other non-printable characters become Go escapes (lower-case hex).
 */

// made on first use: a Unicode-property class costs ~1 ms to build, and most text is ASCII
let printable: RegExp | undefined;

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isGoPrintable(ch: string): boolean {
  const cp = ch.charCodeAt(0);
  if (ch.length === 1 && cp < 0x7f) return cp >= 0x20;
  printable ??= /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
  return printable.test(ch);
}

function escapeRune(ch: string, quote: string): string {
  if (ch === quote || ch === "\\") return `\\${ch}`;
  if (isGoPrintable(ch)) return ch;
  switch (ch) {
    case "\x07":
      return "\\a";
    case "\b":
      return "\\b";
    case "\f":
      return "\\f";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    case "\v":
      return "\\v";
  }
  const cp = ch.codePointAt(0)!;
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, "0")}`;
  if (cp >= 0xd800 && cp <= 0xdfff) return "\\ufffd"; // a lone surrogate: Go would see invalid UTF-8
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, "0")}`;
  return `\\U${cp.toString(16).padStart(8, "0")}`;
}

export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) out += escapeRune(ch, '"');
  return `${out}"`;
}

export function goQuoteRune(cp: number): string {
  const ch =
    cp >= 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : "\ufffd";
  return `'${escapeRune(ch, "'")}'`;
}

/** strconv.CanBackquote: what `%#q` may print between back quotes. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    if (ch === "`" || ch === "\ufeff") return false;
    if (ch !== "\t" && !isGoPrintable(ch)) return false;
  }
  return true;
}

/** strconv.Unquote for the three literal forms a Go template accepts: "...", `...` and '.'. */
export function goUnquote(lit: string): string {
  const q = lit[0];
  if (lit.length < 2 || lit[lit.length - 1] !== q) throw new SyntaxError("invalid syntax");
  const body = lit.slice(1, -1);
  if (q === "`") {
    if (body.includes("`")) throw new SyntaxError("invalid syntax");
    return body.replaceAll("\r", "");
  }
  if (q !== '"' && q !== "'") throw new SyntaxError("invalid syntax");
  let out = "";
  for (let i = 0; i < body.length; ) {
    const ch = body[i];
    if (ch === q || ch === "\n") throw new SyntaxError("invalid syntax");
    if (ch !== "\\") {
      out += ch;
      i++;
      continue;
    }
    const c = body[i + 1];
    i += 2;
    const simple: Record<string, string> = {
      a: "\x07",
      b: "\b",
      f: "\f",
      n: "\n",
      r: "\r",
      t: "\t",
      v: "\v",
    };
    if (c in simple) out += simple[c];
    else if (c === "\\" || c === q) out += c;
    else if (c === "x" || c === "u" || c === "U") {
      const n = c === "x" ? 2 : c === "u" ? 4 : 8;
      const hex = body.slice(i, i + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) throw new SyntaxError("invalid syntax");
      const v = Number.parseInt(hex, 16);
      if (c === "x")
        out += String.fromCharCode(v); // a raw byte in Go; Latin-1 here
      else if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new SyntaxError("invalid syntax");
      else out += String.fromCodePoint(v);
      i += n;
    } else if (c >= "0" && c <= "7") {
      const oct = body.slice(i - 1, i + 2);
      if (!/^[0-7]{3}$/.test(oct)) throw new SyntaxError("invalid syntax");
      const v = Number.parseInt(oct, 8);
      if (v > 255) throw new SyntaxError("invalid syntax");
      out += String.fromCharCode(v);
      i += 2;
    } else throw new SyntaxError("invalid syntax");
  }
  if (q === "'" && [...out].length !== 1) throw new SyntaxError("invalid syntax");
  return out;
}
