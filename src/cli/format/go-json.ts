/**
 * The `json` template function: Go's json.Encoder with SetEscapeHTML(false), trailing newline
 * trimmed. Plain objects keep their key order (they mirror the daemon's JSON, whose order is
 * Docker's struct order); objects marked with goStruct() are docker's formatter contexts,
 * which Docker marshals through their MarshalJSON (formatter.MarshalJSON: json.Marshal of a map
 * of their zero-argument methods), so their keys are sorted and, json.Marshal being what it is,
 * `<`, `>` and `&` inside them come out as \u003c, \u003e and \u0026 (`ps --format json`).
 */
import { isGoMap, isGoStruct } from "./go-print.ts";

export function goJson(v: unknown): string {
  return encode(v, false) ?? "null";
}

const HTML = /[<>&\u2028\u2029]/g;
const LINE_SEPARATORS = /[\u2028\u2029]/g;
const unicodeEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** One value's JSON text; undefined where Go would leave the value out (functions). */
function encode(v: unknown, escapeHtml: boolean): string | undefined {
  if (typeof v === "function" || typeof v === "symbol" || v === undefined) return undefined;
  if (typeof v === "bigint") return String(v);
  if (typeof v !== "object" || v === null || typeof (v as { toJSON?: unknown }).toJSON === "function") {
    // Go escapes U+2028 and U+2029 always, the HTML characters only in json.Marshal
    return JSON.stringify(v).replace(escapeHtml ? HTML : LINE_SEPARATORS, unicodeEscape);
  }
  if (Array.isArray(v)) return `[${v.map((e) => encode(e, escapeHtml) ?? "null").join(",")}]`;
  const fields: string[] = [];
  if (isGoStruct(v)) {
    for (const key of Object.keys(v).sort()) {
      const field = v[key];
      // A method with no parameters is marshalled by its result; methods with parameters are skipped.
      if (typeof field === "function" && field.length > 0) continue;
      const value = typeof field === "function" ? field.call(v) : field;
      fields.push(`${encode(key, true)}:${encode(value, true) ?? "null"}`);
    }
  } else {
    for (const [key, value] of Object.entries(v)) {
      const text = encode(value, escapeHtml);
      if (text !== undefined) fields.push(`${encode(key, escapeHtml)}:${text}`);
    }
  }
  return `{${fields.join(",")}}`;
}

/** The fields that are not empty, as `json:",omitempty"` keeps them (for goTypedStruct's json). */
export function omitEmpty(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).filter(
      ([, v]) =>
        v !== undefined &&
        v !== null &&
        v !== "" &&
        v !== false &&
        v !== 0 &&
        !(Array.isArray(v) && v.length === 0) &&
        !(typeof v === "object" && !Array.isArray(v) && isGoMap(v) && Object.keys(v).length === 0),
    ),
  );
}
