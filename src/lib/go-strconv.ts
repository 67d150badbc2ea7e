/**
 * Go's strconv number and bool parsing, with its error wording: pflag prints
 * `invalid argument "x" for "-n, --last" flag: strconv.ParseInt: parsing "x": invalid syntax`,
 * and template literals follow the same syntax (0x, 0o, 0b, 0 prefixes, `_` separators).
 */

export class StrconvError extends Error {
  constructor(fn: string, input: string, reason: "invalid syntax" | "value out of range") {
    super(`strconv.${fn}: parsing ${JSON.stringify(input)}: ${reason}`);
    this.name = "StrconvError";
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Go's underscoreOK: `_` only between digits (or after a base prefix) in base-prefixed literals. */
function underscoreOK(s: string): boolean {
  let saw = "^";
  let i = 0;
  if (s.length >= 1 && (s[0] === "-" || s[0] === "+")) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === "0" && "bBoOxX".includes(s[1])) {
    i = 2;
    saw = "0";
    hex = s[1] === "x" || s[1] === "X";
  }
  for (; i < s.length; i++) {
    const c = s[i];
    if ((c >= "0" && c <= "9") || (hex && /[a-fA-F]/.test(c))) {
      saw = "0";
      continue;
    }
    if (c === "_") {
      if (saw !== "0") return false;
      saw = "_";
      continue;
    }
    if (saw === "_") return false;
    saw = "!";
  }
  return saw !== "_";
}

/** The magnitude of an unsigned literal in base 0 (prefix-selected) or the given base; null if bad. */
function parseMagnitude(s: string, base: number): bigint | null {
  if (s === "") return null;
  let digits = s;
  let b = base;
  let base0 = false;
  if (base === 0) {
    base0 = true;
    b = 10;
    if (s[0] === "0") {
      if (s.length >= 3 && (s[1] === "x" || s[1] === "X")) {
        b = 16;
        digits = s.slice(2);
      } else if (s.length >= 3 && (s[1] === "o" || s[1] === "O")) {
        b = 8;
        digits = s.slice(2);
      } else if (s.length >= 3 && (s[1] === "b" || s[1] === "B")) {
        b = 2;
        digits = s.slice(2);
      } else {
        b = 8;
        digits = s.slice(1) || "0";
      }
    }
  }
  if (base0 && digits.includes("_")) {
    if (!underscoreOK(s)) return null;
    digits = digits.replaceAll("_", "");
  }
  if (digits === "") return null;
  const valid = "0123456789abcdefghijklmnopqrstuvwxyz".slice(0, b);
  let n = 0n;
  for (const c of digits.toLowerCase()) {
    const d = valid.indexOf(c);
    if (d < 0) return null;
    n = n * BigInt(b) + BigInt(d);
  }
  return n;
}

/** strconv.ParseInt(s, base, 64); throws StrconvError. */
export function parseGoInt(s: string, base = 0): bigint {
  let body = s;
  let neg = false;
  if (body.startsWith("+") || body.startsWith("-")) {
    neg = body[0] === "-";
    body = body.slice(1);
  }
  const mag = parseMagnitude(body, base);
  if (mag === null) throw new StrconvError("ParseInt", s, "invalid syntax");
  const v = neg ? -mag : mag;
  if (v < INT64_MIN || v > INT64_MAX) throw new StrconvError("ParseInt", s, "value out of range");
  return v;
}

/** strconv.ParseUint(s, base, 64); throws StrconvError. */
export function parseGoUint(s: string, base = 0, bits = 64): bigint {
  const mag = parseMagnitude(s, base);
  if (mag === null) throw new StrconvError("ParseUint", s, "invalid syntax");
  if (mag >= 2n ** BigInt(bits)) throw new StrconvError("ParseUint", s, "value out of range");
  return mag;
}

/** strconv.ParseBool. */
export function parseGoBool(s: string): boolean {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(s)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(s)) return false;
  throw new StrconvError("ParseBool", s, "invalid syntax");
}

/** strconv.ParseFloat(s, 64) for decimal and hex-float syntax; throws StrconvError. */
export function parseGoFloat(s: string): number {
  let body = s;
  let sign = 1;
  if (body.startsWith("+") || body.startsWith("-")) {
    if (body[0] === "-") sign = -1;
    body = body.slice(1);
  }
  const lower = body.toLowerCase();
  if (lower === "inf" || lower === "infinity") return sign * Number.POSITIVE_INFINITY;
  if (lower === "nan") return Number.NaN;
  if (body.includes("_")) {
    if (!underscoreOK(s)) throw new StrconvError("ParseFloat", s, "invalid syntax");
    body = body.replaceAll("_", "");
  }
  let v: number;
  const hex = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/.exec(body);
  if (hex) {
    const [, int, frac = ""] = hex;
    if (int === "" && frac === "") throw new StrconvError("ParseFloat", s, "invalid syntax");
    const mant = Number.parseInt(int + frac || "0", 16);
    v = mant * 2 ** (Number(hex[3]) - 4 * frac.length);
  } else if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(body)) v = Number(body);
  else throw new StrconvError("ParseFloat", s, "invalid syntax");
  if (!Number.isFinite(v)) throw new StrconvError("ParseFloat", s, "value out of range");
  return sign * v;
}
