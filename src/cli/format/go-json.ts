/**
 * The `json` template function: Go's json.Encoder with SetEscapeHTML(false), trailing newline
 * trimmed. Plain objects keep their key order (they mirror the daemon's JSON, whose order is
 * Docker's struct order); objects marked with goStruct() are docker's formatter contexts,
 * which Docker marshals as a map of their zero-argument methods, so their keys are sorted.
 */
import { isGoStruct } from "./go-print.ts";

export function goJson(v: unknown): string {
  return JSON.stringify(toJsonable(v) ?? null).replace(/[\u2028\u2029]/g, (c) =>
    c === "\u2028" ? "\\u2028" : "\\u2029",
  );
}

function toJsonable(v: unknown): unknown {
  if (typeof v === "function" || typeof v === "symbol") return undefined;
  if (typeof v === "bigint") return Number(v);
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return v.map((e) => toJsonable(e) ?? null);
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return v;
  const out: Record<string, unknown> = {};
  if (isGoStruct(v)) {
    for (const key of Object.keys(v).sort()) {
      const field = v[key];
      // A method with no parameters is marshalled by its result; methods with parameters are skipped.
      const value = typeof field === "function" ? (field.length === 0 ? field.call(v) : undefined) : field;
      if (value !== undefined || typeof field !== "function") out[key] = toJsonable(value) ?? null;
    }
    return out;
  }
  for (const [key, value] of Object.entries(v)) {
    const j = toJsonable(value);
    if (j !== undefined) out[key] = j;
  }
  return out;
}
