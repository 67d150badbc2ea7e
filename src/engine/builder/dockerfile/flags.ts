// Instruction flags (BuildKit's instructions/bflag.go): each instruction declares the flags it
// takes; anything else is an error with Docker's wording ("unknown flag: --foo").

import { withSuggestion } from "./suggest.ts";

export type FlagType = "bool" | "string" | "strings";

export interface ParsedFlags {
  /** the given flags: bool as "true"/"false", strings-type as their last value */
  values: Record<string, string>;
  /** every value of every given flag, in order */
  lists: Record<string, string[]>;
}

/** Throws Error (message only) as BFlags.Parse. */
export function parseFlags(args: readonly string[], spec: Readonly<Record<string, FlagType>>): ParsedFlags {
  const values: Record<string, string> = {};
  const lists: Record<string, string[]> = {};
  for (const a of args) {
    // "--" ends the flags (POSIX utility syntax)
    if (a === "--") break;
    if (!a.startsWith("--")) throw new Error(`arg should start with -- : ${a}`);
    const eq = a.indexOf("=");
    const flagName = eq < 0 ? a : a.slice(0, eq);
    const value = eq < 0 ? "" : a.slice(eq + 1);
    const hasValue = eq >= 0;
    const name = flagName.slice(2);
    const type = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (type === undefined) {
      throw new Error(withSuggestion(`unknown flag: ${flagName}`, name, Object.keys(spec), true));
    }
    if (Object.hasOwn(values, name) && type !== "strings")
      throw new Error(`duplicate flag specified: ${flagName}`);
    if (type === "bool") {
      if (hasValue && value === "") throw new Error(`missing a value on flag: ${flagName}`);
      const v = value.toLowerCase();
      if (v !== "true" && v !== "" && v !== "false") {
        throw new Error(`expecting boolean value for flag ${flagName}, not: ${value}`);
      }
      values[name] = v === "false" ? "false" : "true";
    } else {
      if (!hasValue) throw new Error(`missing a value on flag: ${flagName}`);
      values[name] = value;
    }
    (lists[name] ??= []).push(values[name]);
  }
  return { values, lists };
}
