/**
 * Template functions: Go's builtins (text/template/funcs.go) and the ones docker's CLI adds
 * to every --format template (docker/cli templates/templates.go), plus the header variants
 * docker uses to render a table's header row.
 */

import { isGoPrintable } from "../../../lib/go-quote.ts";
import { goJson } from "../go-json.ts";
import { goSprint, goSprintf, goSprintln, goTypeName, isGoMap, isGoStruct } from "../go-print.ts";

/** How an argument is checked before the call, as Go's reflection would for the parameter type. */
export type ParamType = "any" | "string" | "int" | "bool";

export interface TemplateFunction {
  params: ParamType[];
  /** Type of the trailing variadic parameter, if the function has one. */
  variadic?: ParamType;
  fn: (...args: never[]) => unknown;
}

/** Plain JavaScript functions are accepted too: they take any number of `any` arguments. */
export type FuncMap = Record<string, TemplateFunction | ((...args: never[]) => unknown)>;

export function toTemplateFunction(f: TemplateFunction | ((...args: never[]) => unknown)): TemplateFunction {
  return typeof f === "function" ? { params: [], variadic: "any", fn: f } : f;
}

/** Go's truth: false, 0, nil, and empty strings, slices and maps are false; structs are true. */
export function isTrue(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  switch (typeof v) {
    case "boolean":
      return v;
    case "number":
      return v !== 0;
    case "bigint":
      return v !== 0n;
    case "string":
      return v.length > 0;
    case "function":
      return true;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (isGoStruct(v)) return true;
  return Object.keys(v as object).length > 0;
}

/**
 * The zero value a Go map yields for a missing key. Docker's typed maps are mostly
 * map[string]string (labels, options: zero ""); JSON-decoded maps hold interface{} (zero nil).
 * A map whose values are all strings is taken for the former.
 */
export function mapZeroValue(m: Record<string, unknown>): unknown {
  return Object.values(m).every((v) => typeof v === "string") ? "" : null;
}

type Kind = "bool" | "number" | "string" | "invalid";

function basicKind(v: unknown): Kind {
  switch (typeof v) {
    case "boolean":
      return "bool";
    case "number":
    case "bigint":
      return "number";
    case "string":
      return "string";
  }
  return "invalid";
}

function eq(arg1: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error("missing argument for comparison");
  const k1 = basicKind(arg1);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    let truth: boolean;
    if (k1 !== k2) {
      if (arg1 !== null && arg1 !== undefined && arg !== null && arg !== undefined) {
        throw new Error("incompatible types for comparison");
      }
      truth = false;
    } else if (k1 === "invalid") {
      const n1 = arg1 === null || arg1 === undefined;
      const n2 = arg === null || arg === undefined;
      if (!n1 && !n2) throw new Error(`non-comparable type ${goTypeName(arg)}`);
      truth = n1 === n2;
    } else truth = arg1 === arg || (k1 === "number" && Number(arg1) === Number(arg));
    if (truth) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === "invalid" || k2 === "invalid") throw new Error("invalid type for comparison");
  if (k1 !== k2) throw new Error("incompatible types for comparison");
  if (k1 === "bool") throw new Error("invalid type for comparison");
  if (k1 === "string") return Buffer.compare(Buffer.from(a as string), Buffer.from(b as string)) < 0;
  return (a as number) < (b as number);
}

function le(a: unknown, b: unknown): boolean {
  return lt(a, b) || eq(a, b);
}

function utf8Bytes(s: string): Buffer {
  return Buffer.from(s, "utf8");
}

function length(item: unknown): number {
  if (item === null || item === undefined) throw new Error("len of nil pointer");
  if (typeof item === "string") return utf8Bytes(item).length;
  if (Array.isArray(item)) return item.length;
  if (isGoMap(item)) return Object.keys(item).length;
  throw new Error(`len of type ${goTypeName(item)}`);
}

function indexArg(index: unknown, len: number): number {
  if (index === null || index === undefined) throw new Error("cannot index slice/array with nil");
  if (typeof index !== "number" || !Number.isInteger(index)) {
    throw new Error(`cannot index slice/array with type ${goTypeName(index)}`);
  }
  if (index < 0 || index >= len) throw new Error(`index out of range: ${index}`);
  return index;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === null || item === undefined) throw new Error("index of untyped nil");
  for (const i of indexes) {
    if (item === null || item === undefined) throw new Error("index of nil pointer");
    if (typeof item === "string") {
      const bytes = utf8Bytes(item);
      item = bytes[indexArg(i, bytes.length)];
    } else if (Array.isArray(item)) {
      item = item[indexArg(i, item.length)] ?? null;
    } else if (isGoMap(item)) {
      if (typeof i !== "string") throw new Error(`value has type ${goTypeName(i)}; should be string`);
      item = Object.hasOwn(item, i) && item[i] !== undefined ? item[i] : mapZeroValue(item);
    } else throw new Error(`can't index item of type ${goTypeName(item)}`);
  }
  return item;
}

function slice(item: unknown, ...indexes: unknown[]): unknown {
  if (item === null || item === undefined) throw new Error("slice of untyped nil");
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  let len: number;
  if (typeof item === "string") {
    if (indexes.length === 3) throw new Error("cannot 3-index slice a string");
    len = utf8Bytes(item).length;
  } else if (Array.isArray(item)) len = item.length;
  else throw new Error(`can't slice item of type ${goTypeName(item)}`);
  const idx = [0, len];
  indexes.forEach((v, n) => {
    if (typeof v !== "number" || !Number.isInteger(v))
      throw new Error(`cannot index slice/array with type ${goTypeName(v)}`);
    if (v < 0 || v > len) throw new Error(`index out of range: ${v}`);
    idx[n] = v;
  });
  if (idx[0] > idx[1]) throw new Error(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (typeof item === "string") return utf8Bytes(item).subarray(idx[0], idx[1]).toString("utf8");
  return (item as unknown[]).slice(idx[0], idx[1]);
}

/** evalArgs: the textual form of the arguments of html, js and urlquery. */
function evalArgs(args: unknown[]): string {
  if (args.length === 1 && typeof args[0] === "string") return args[0];
  return goSprint(args);
}

function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) =>
    c === "\0"
      ? "\uFFFD"
      : c === '"'
        ? "&#34;"
        : c === "'"
          ? "&#39;"
          : c === "&"
            ? "&amp;"
            : c === "<"
              ? "&lt;"
              : "&gt;",
  );
}

function jsEscape(s: string): string {
  let out = "";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === "\\") out += "\\\\";
    else if (ch === "'") out += "\\'";
    else if (ch === '"') out += '\\"';
    else if (ch === "<") out += "\\u003C";
    else if (ch === ">") out += "\\u003E";
    else if (ch === "&") out += "\\u0026";
    else if (ch === "=") out += "\\u003D";
    else if (cp < 0x20) out += `\\u00${cp.toString(16).toUpperCase().padStart(2, "0")}`;
    else if (cp < 0x80 || isGoPrintable(ch)) out += ch;
    else out += `\\u${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return out;
}

function queryEscape(s: string): string {
  let out = "";
  for (const b of utf8Bytes(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function mapRunes(s: string, f: (ch: string) => string): string {
  let out = "";
  for (const ch of s) {
    const m = f(ch);
    out += [...m].length === 1 ? m : ch; // Go maps rune to rune: no "ß" → "SS"
  }
  return out;
}

/** strings.Title: upper-cases the first letter of each word. */
function title(s: string): string {
  let prev = " ";
  return mapRunes(s, (r) => {
    const sep = isSeparator(prev);
    prev = r;
    return sep ? r.toUpperCase() : r;
  });
}

function isSeparator(r: string): boolean {
  if (r.codePointAt(0)! <= 0x7f) return !/[0-9a-zA-Z_]/.test(r);
  if (/[\p{L}\p{Nd}]/u.test(r)) return false;
  return /\s/u.test(r);
}

function repeat(n: number): string {
  if (n < 0) throw new Error("strings: negative Repeat count");
  return " ".repeat(n);
}

/** docker's joinElements: slices element by element, maps by sorted values. */
function join(elems: unknown, sep: string): string {
  if (elems === null || elems === undefined) return "";
  if (Array.isArray(elems)) return elems.map((e) => goSprint([e])).join(sep);
  if (isGoMap(elems)) {
    return Object.values(elems)
      .map((e) => goSprint([e]))
      .sort()
      .join(sep);
  }
  throw new Error(`expected slice, got ${goTypeName(elems)}`);
}

function split(s: string, sep: string): string[] {
  return sep === "" ? [...s] : s.split(sep);
}

function truncate(s: string, n: number): string {
  const b = utf8Bytes(s);
  if (b.length < n) return s;
  if (n < 0) throw new Error(`runtime error: slice bounds out of range [:${n}]`);
  return b.subarray(0, n).toString("utf8");
}

function call(fn: unknown, ...args: unknown[]): unknown {
  if (typeof fn !== "function") throw new Error(`non-function of type ${goTypeName(fn)}`);
  return fn(...args);
}

const anyVariadic = (fn: (...args: never[]) => unknown, params: ParamType[] = []): TemplateFunction => ({
  params,
  variadic: "any",
  fn,
});

/** Go's text/template builtins. `and` and `or` short-circuit in the executor. */
export const BUILTIN_FUNCS: Record<string, TemplateFunction> = {
  and: anyVariadic((() => undefined) as never, ["any"]),
  or: anyVariadic((() => undefined) as never, ["any"]),
  not: { params: ["any"], fn: ((v: unknown) => !isTrue(v)) as never },
  len: { params: ["any"], fn: length as never },
  index: anyVariadic(index as never, ["any"]),
  slice: anyVariadic(slice as never, ["any"]),
  eq: anyVariadic(eq as never, ["any"]),
  ne: { params: ["any", "any"], fn: ((a: unknown, b: unknown) => !eq(a, b)) as never },
  lt: { params: ["any", "any"], fn: lt as never },
  le: { params: ["any", "any"], fn: le as never },
  gt: { params: ["any", "any"], fn: ((a: unknown, b: unknown) => !le(a, b)) as never },
  ge: { params: ["any", "any"], fn: ((a: unknown, b: unknown) => !lt(a, b)) as never },
  print: anyVariadic(((...a: unknown[]) => goSprint(a)) as never),
  println: anyVariadic(((...a: unknown[]) => goSprintln(a)) as never),
  printf: anyVariadic(((f: string, ...a: unknown[]) => goSprintf(f, a)) as never, ["string"]),
  html: anyVariadic(((...a: unknown[]) => htmlEscape(evalArgs(a))) as never),
  js: anyVariadic(((...a: unknown[]) => jsEscape(evalArgs(a))) as never),
  urlquery: anyVariadic(((...a: unknown[]) => queryEscape(evalArgs(a))) as never),
  call: anyVariadic(call as never, ["any"]),
};

const upper = (s: string) => mapRunes(s, (c) => c.toUpperCase());
const lower = (s: string) => mapRunes(s, (c) => c.toLowerCase());

/** The functions docker's CLI adds to every --format template. */
export const DOCKER_FUNCS: Record<string, TemplateFunction> = {
  json: { params: ["any"], fn: goJson as never },
  split: { params: ["string", "string"], fn: split as never },
  join: { params: ["any", "string"], fn: join as never },
  title: { params: ["string"], fn: title as never },
  lower: { params: ["string"], fn: lower as never },
  upper: { params: ["string"], fn: upper as never },
  pad: {
    params: ["string", "int", "int"],
    fn: ((s: string, pre: number, post: number) => (s === "" ? s : repeat(pre) + s + repeat(post))) as never,
  },
  truncate: { params: ["string", "int"], fn: truncate as never },
};

const identity = (v: string) => v;

/**
 * docker's HeaderFunctions: while the header row of a table is rendered (the template run over
 * the header names), these keep a column's title intact. `pad` stays, to keep alignment.
 */
export const HEADER_FUNCS: Record<string, TemplateFunction> = {
  json: { params: ["string"], fn: identity as never },
  split: { params: ["string", "string"], fn: identity as never },
  join: { params: ["string", "string"], fn: identity as never },
  title: { params: ["string"], fn: identity as never },
  lower: { params: ["string"], fn: identity as never },
  upper: { params: ["string"], fn: identity as never },
  truncate: { params: ["string", "int"], fn: identity as never },
};
