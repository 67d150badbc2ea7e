import type { FilterArgs } from "../client/index.ts";

/** Docker's FilterOpt: `--filter name=value`, repeatable; names lower-cased, both sides trimmed. */
export function parseFilters(values: readonly string[]): FilterArgs {
  const out: FilterArgs = new Map();
  for (const value of values) {
    if (value === "") continue;
    const eq = value.indexOf("=");
    if (eq < 0) throw new Error("bad format of filter (expected name=value)");
    const name = value.slice(0, eq).trim().toLowerCase();
    const v = value.slice(eq + 1).trim();
    const list = out.get(name) ?? [];
    if (!list.includes(v)) list.push(v);
    out.set(name, list);
  }
  return out;
}

/** A --filter flag's check, for FlagSpec.validate. */
export function validateFilter(value: string): string {
  parseFilters([value]);
  return value;
}
