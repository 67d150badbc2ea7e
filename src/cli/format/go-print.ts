/**
 * Go's fmt package over JSON-like JavaScript values: Sprint, Sprintln, Sprintf and `%v`.
 *
 * The value model (shared with the template engine):
 * - string, boolean: Go's string and bool;
 * - number: `int` when integral (JSON numbers from the Engine API are int64 in Docker's typed
 *   structs), otherwise `float64`, printed like Go's %v ("1.5", "1e-05");
 * - null: a nil interface, printed `<nil>`; undefined: a missing value (Go's invalid
 *   reflect.Value), printed `<nil>` by fmt and `<no value>` by a template action;
 * - arrays: `[]interface {}`, printed `[a b]`; plain objects: `map[string]interface {}`,
 *   printed `map[k:v]` with sorted keys;
 * - objects marked with goStruct(): Go structs (field access errors on unknown names, printed
 *   `{v1 v2}`); their function-valued properties are methods.
 */

import { canBackquote, goQuote, goQuoteRune } from "../../lib/go-quote.ts";
import { formatFloat } from "./go-float.ts";

/** The Go type name of an object marked as a struct (e.g. "*formatter.ContainerContext"). */
export const GO_TYPE: unique symbol = Symbol.for("kapsel.goType") as never;

export type GoStruct = { [GO_TYPE]: string };

/**
 * A struct's fields as fmt prints them, when that differs from its own fields: an embedded
 * struct prints as one nested `{...}` while its fields are promoted for access.
 */
export const GO_PRINT_FIELDS: unique symbol = Symbol.for("kapsel.goPrintFields") as never;

/** Marks obj as a Go struct named typeName, for templates and printing; returns obj. */
export function goStruct<T extends object>(obj: T, typeName: string): T & GoStruct {
  Object.defineProperty(obj, GO_TYPE, { value: typeName, enumerable: false });
  return obj as T & GoStruct;
}

/**
 * A typed Go struct (not a formatter context): fields by their Go names for templates (unknown
 * ones fail: `{{.APIVersion}}`, not `{{.ApiVersion}}`), while `{{json .}}` gives what
 * encoding/json makes of it (json tags, omitempty, field order), which `json` returns.
 */
export function goTypedStruct<T extends object>(
  fields: T,
  typeName: string,
  json: () => unknown,
): T & GoStruct {
  Object.defineProperty(fields, "toJSON", { value: json, enumerable: false });
  return goStruct(fields, typeName);
}

export function isGoStruct(v: unknown): v is Record<string, unknown> & GoStruct {
  return typeof v === "object" && v !== null && GO_TYPE in v;
}

export function isGoMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(GO_TYPE in v);
}

/** The Go type name fmt's %T and error messages would show for v. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  switch (typeof v) {
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "number":
      return Number.isInteger(v) ? "int" : "float64";
    case "bigint":
      return "int64";
    case "function":
      return "func()";
  }
  if (Array.isArray(v)) return "[]interface {}";
  if (isGoStruct(v)) return v[GO_TYPE];
  return "map[string]interface {}";
}

/** Own enumerable data fields of a struct, in declaration order (methods excluded). */
export function structFields(v: object): [string, unknown][] {
  return Object.entries(v).filter(([, val]) => typeof val !== "function");
}

interface Spec {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  wid?: number;
  prec?: number;
}

const PLAIN: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false };

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

function pad(s: string, spec: Spec, zeroOK = true): string {
  if (spec.wid === undefined) return s;
  const n = spec.wid - runeCount(s);
  if (n <= 0) return s;
  if (spec.minus) return s + " ".repeat(n);
  return (spec.zero && zeroOK ? "0" : " ").repeat(n) + s;
}

/** Pads a signed number so a zero fill goes between the sign and the digits. */
function padNumber(sign: string, digits: string, spec: Spec): string {
  if (spec.zero && !spec.minus && spec.wid !== undefined) {
    const n = spec.wid - sign.length - runeCount(digits);
    return sign + (n > 0 ? "0".repeat(n) : "") + digits;
  }
  return pad(sign + digits, { ...spec, zero: false });
}

function badVerb(verb: string, arg: unknown): string {
  if (arg === null || arg === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(arg)}=${printArg(arg, "v", PLAIN)})`;
}

function fmtInteger(n: number | bigint, verb: string, spec: Spec): string {
  const big = typeof n === "bigint" ? n : BigInt(n);
  const neg = big < 0n;
  const abs = neg ? -big : big;
  switch (verb) {
    case "c":
      return pad(String.fromCodePoint(Number(abs)), spec);
    case "q":
      return pad(goQuoteRune(Number(big)), spec);
    case "U": {
      let s = `U+${abs.toString(16).toUpperCase().padStart(4, "0")}`;
      if (spec.sharp) s += ` '${String.fromCodePoint(Number(abs))}'`;
      return pad(s, spec);
    }
  }
  const base = verb === "b" ? 2 : verb === "o" || verb === "O" ? 8 : verb === "x" || verb === "X" ? 16 : 10;
  let digits = abs.toString(base);
  if (verb === "X") digits = digits.toUpperCase();
  if (spec.prec !== undefined) {
    if (spec.prec === 0 && abs === 0n) digits = "";
    else digits = digits.padStart(spec.prec, "0");
  }
  let prefix = "";
  if (verb === "O") prefix = "0o";
  else if (spec.sharp) {
    if (verb === "x") prefix = "0x";
    else if (verb === "X") prefix = "0X";
    else if (verb === "b") prefix = "0b";
    else if (verb === "o" && !digits.startsWith("0")) prefix = "0";
  }
  const sign = neg ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  const zero = spec.prec === undefined ? spec : { ...spec, zero: false };
  return padNumber(sign + prefix, digits, zero);
}

function fmtFloatVerb(x: number, verb: string, spec: Spec): string {
  let fmt: "e" | "E" | "f" | "g" | "G";
  let prec: number;
  switch (verb) {
    case "v":
    case "g":
      fmt = "g";
      prec = -1;
      break;
    case "G":
      fmt = "G";
      prec = -1;
      break;
    case "e":
    case "E":
      fmt = verb;
      prec = 6;
      break;
    default:
      fmt = "f";
      prec = 6;
  }
  if (spec.prec !== undefined) prec = spec.prec;
  const s = formatFloat(x, fmt, prec);
  if (s === "NaN" || s.endsWith("Inf")) {
    const sign =
      s === "NaN" ? (spec.plus ? "+" : spec.space ? " " : "") : s[0] === "-" ? "-" : spec.plus ? "+" : "";
    return pad(sign + (s === "NaN" ? "NaN" : "Inf"), spec, false);
  }
  const neg = s.startsWith("-");
  const sign = neg ? "-" : spec.plus ? "+" : spec.space ? " " : "";
  return padNumber(sign, neg ? s.slice(1) : s, spec);
}

function fmtString(s: string, verb: string, spec: Spec): string {
  switch (verb) {
    case "v":
    case "s": {
      if (spec.prec !== undefined) s = [...s].slice(0, spec.prec).join("");
      return pad(s, spec);
    }
    case "q":
      if (spec.prec !== undefined) s = [...s].slice(0, spec.prec).join("");
      return pad(spec.sharp && canBackquote(s) ? `\`${s}\`` : goQuote(s), spec);
    case "x":
    case "X": {
      let bytes = [...Buffer.from(s, "utf8")];
      if (spec.prec !== undefined) bytes = bytes.slice(0, spec.prec);
      const hex = bytes.map((b) => {
        const h = b.toString(16).padStart(2, "0");
        return verb === "X" ? h.toUpperCase() : h;
      });
      const pre = spec.sharp ? (verb === "X" ? "0X" : "0x") : "";
      const out = spec.space ? hex.map((h) => pre + h).join(" ") : pre + hex.join("");
      return pad(out, spec);
    }
  }
  return badVerb(verb, s);
}

function printArg(arg: unknown, verb: string, spec: Spec): string {
  if (arg === null || arg === undefined) {
    if (verb === "v" || verb === "T") return pad("<nil>", spec);
    return badVerb(verb, arg);
  }
  if (verb === "T") return pad(goTypeName(arg), spec);
  switch (typeof arg) {
    case "boolean":
      if (verb === "t" || verb === "v") return pad(String(arg), spec);
      return badVerb(verb, arg);
    case "bigint":
      if ("vdboOxXcqU".includes(verb)) return fmtInteger(arg, verb === "v" ? "d" : verb, spec);
      return badVerb(verb, arg);
    case "number":
      // Integral numbers are ints, but take the float verbs too: a typed Docker field may be
      // float64 while its JSON value happens to be integral (CPU percentages, "0").
      if (Number.isInteger(arg) && "vdboOxXcqU".includes(verb))
        return fmtInteger(arg, verb === "v" ? "d" : verb, spec);
      if ("vgGeEfF".includes(verb)) return fmtFloatVerb(arg, verb, spec);
      return badVerb(verb, arg);
    case "string":
      return fmtString(arg, verb, spec);
    case "function":
      return verb === "v" || verb === "p" ? pad("0x0", spec) : badVerb(verb, arg);
  }
  // A fmt.Stringer (an object with a String() method) prints as its string for v s q x X.
  const stringer = (arg as { String?: unknown }).String;
  if (typeof stringer === "function" && "vsqxX".includes(verb))
    return fmtString(String(stringer.call(arg)), verb, spec);
  if (Array.isArray(arg)) return `[${arg.map((e) => printElem(e, verb, spec)).join(" ")}]`;
  if (isGoStruct(arg)) {
    const layout = (arg as { [GO_PRINT_FIELDS]?: [string, unknown][] })[GO_PRINT_FIELDS];
    const fields = layout ?? structFields(arg);
    const body = fields.map(([k, v]) => (spec.plus ? `${k}:` : "") + printElem(v, verb, spec));
    return `{${body.join(" ")}}`;
  }
  const obj = arg as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `map[${keys.map((k) => `${printArg(k, verb, spec)}:${printElem(obj[k], verb, spec)}`).join(" ")}]`;
}

/** Inside a slice, map or struct a nil interface prints `<nil>` whatever the verb. */
function printElem(e: unknown, verb: string, spec: Spec): string {
  return e === null || e === undefined ? pad("<nil>", spec) : printArg(e, verb, spec);
}

/** fmt.Sprint(v): how Go prints one value with %v. */
export function formatGoValue(v: unknown): string {
  return printArg(v, "v", PLAIN);
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function goSprint(args: unknown[]): string {
  let out = "";
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = typeof arg === "string";
    if (i > 0 && !isString && !prevString) out += " ";
    out += printArg(arg, "v", PLAIN);
    prevString = isString;
  });
  return out;
}

/** fmt.Sprintln: spaces between all operands and a final newline. */
export function goSprintln(args: unknown[]): string {
  return `${args.map((a) => printArg(a, "v", PLAIN)).join(" ")}\n`;
}

/** fmt.Sprintf with Go's verbs, flags, width, precision, `*`, `[n]` and its error notation. */
export function goSprintf(format: string, args: unknown[]): string {
  let out = "";
  let argNum = 0;
  let reordered = false;
  const chars = [...format];
  let i = 0;
  const readNum = (): number | undefined => {
    let j = i;
    while (j < chars.length && chars[j] >= "0" && chars[j] <= "9") j++;
    if (j === i) return undefined;
    const n = Number(chars.slice(i, j).join(""));
    i = j;
    return n;
  };
  // `[n]` selects argument n (1-based) for what follows; returns false on bad syntax.
  const readIndex = (): boolean => {
    if (chars[i] !== "[") return true;
    const close = chars.indexOf("]", i);
    const n = close < 0 ? Number.NaN : Number(chars.slice(i + 1, close).join(""));
    if (!Number.isInteger(n) || n < 1 || n > args.length) {
      i = close < 0 ? chars.length : close + 1;
      return false;
    }
    argNum = n - 1;
    reordered = true;
    i = close + 1;
    return true;
  };
  while (i < chars.length) {
    const ch = chars[i];
    if (ch !== "%") {
      out += ch;
      i++;
      continue;
    }
    i++;
    const spec: Spec = { ...PLAIN };
    for (; i < chars.length; i++) {
      const f = chars[i];
      if (f === "#") spec.sharp = true;
      else if (f === "0") spec.zero = !spec.minus;
      else if (f === "+") spec.plus = true;
      else if (f === "-") {
        spec.minus = true;
        spec.zero = false;
      } else if (f === " ") spec.space = true;
      else break;
    }
    let goodIndex = readIndex();
    if (chars[i] === "*") {
      i++;
      const w = args[argNum++];
      if (typeof w === "number" && Number.isInteger(w)) {
        spec.wid = Math.abs(w);
        if (w < 0) {
          spec.minus = true;
          spec.zero = false;
        }
      } else out += "%!(BADWIDTH)";
    } else spec.wid = readNum();
    if (chars[i] === ".") {
      i++;
      goodIndex = goodIndex && readIndex();
      if (chars[i] === "*") {
        i++;
        const p = args[argNum++];
        if (typeof p === "number" && Number.isInteger(p) && p >= 0) spec.prec = p;
        else out += "%!(BADPREC)";
      } else spec.prec = readNum() ?? 0;
    }
    goodIndex = goodIndex && readIndex();
    if (i >= chars.length) {
      out += "%!(NOVERB)";
      break;
    }
    const verb = chars[i++];
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (!goodIndex) {
      out += `%!${verb}(BADINDEX)`;
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += printArg(args[argNum++], verb, spec);
  }
  if (!reordered && argNum < args.length) {
    const extra = args
      .slice(argNum)
      .map((a) => (a === null || a === undefined ? "<nil>" : `${goTypeName(a)}=${formatGoValue(a)}`));
    out += `%!(EXTRA ${extra.join(", ")})`;
  }
  return out;
}
