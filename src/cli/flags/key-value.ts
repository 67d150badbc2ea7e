/**
 * docker's KEY=VALUE helpers (opts/opts.go, opts/env.go, opts/envfile.go): -e/--env values
 * taking the local environment's value when given as a bare KEY, --label validation, and the
 * conversions to maps the Engine API wants.
 */
import { readKvFile } from "./kv-file.ts";

export type Lookup = (key: string) => string | undefined;

/** The process environment as a lookup. */
export const processEnv: Lookup = (key) => process.env[key];

/** opts.ValidateEnv: "KEY=v" stays; a bare "KEY" takes the local value when the key is set. */
export function validateEnv(value: string, lookup: Lookup = processEnv): string {
  const eq = value.indexOf("=");
  const key = eq < 0 ? value : value.slice(0, eq);
  if (key === "") throw new Error(`invalid environment variable: ${value}`);
  if (eq >= 0) return value;
  const local = lookup(key);
  return local !== undefined ? `${key}=${local}` : value;
}

/** opts.ValidateLabel: a label needs a name without whitespace. */
export function validateLabel(value: string): string {
  const eq = value.indexOf("=");
  const key = (eq < 0 ? value : value.slice(0, eq)).replace(/^[ \t]+/, "");
  if (key === "") throw new Error(`invalid label '${value}': empty name`);
  if (/[ \t]/.test(key)) throw new Error(`label '${key}' contains whitespaces`);
  return value;
}

/** opts.ConvertKVStringsToMap: ["a=1", "b"] → { a: "1", b: "" }. */
export function kvStringsToMap(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq < 0) out[v] = "";
    else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/** opts.ConvertKVStringsToMapWithNil: a bare "KEY" maps to null (mentioned, no value). */
export function kvStringsToMapWithNil(values: readonly string[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const v of values) {
    const eq = v.indexOf("=");
    if (eq < 0) out[v] = null;
    else out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/**
 * opts.ReadKVEnvStrings / ReadKVStrings: the files' entries, then the flags' values (which
 * override them). With a lookup (env files), a bare KEY in a file takes the local value.
 */
export function readKvStrings(
  files: readonly string[],
  overrides: readonly string[],
  lookup?: Lookup,
): string[] {
  const out: string[] = [];
  for (const f of files) out.push(...readKvFile(f, lookup));
  out.push(...overrides);
  return out;
}
