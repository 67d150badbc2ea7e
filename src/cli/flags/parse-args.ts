/**
 * pflag's command-line grammar (spf13/pflag v1.0.6 flag.go), as docker's commands see it:
 * `--name value`, `--name=value`, `-n value`, `-nvalue`, `-n=value`, clustered shorthands
 * (`-it`, `-itd`; in `-dp 80:80` the value flag `p` ends the cluster and takes the rest or the
 * next word), `--` ending the flags, `-` as an argument. Every error is pflag's wording.
 */

import { ramInBytes } from "../../lib/byte-size.ts";
import { parseGoDuration } from "../../lib/go-duration.ts";
import { goQuote, goQuoteRune } from "../../lib/go-quote.ts";
import { parseGoBool, parseGoInt, parseGoUint } from "../../lib/go-strconv.ts";
import { FlagError } from "./flag-error.ts";
import type { FlagSpec, ParsedArgs, ParseOptions } from "./flag-spec.ts";

/** The hidden `--help` flag cobra adds to every command (with `-h` where no flag owns it). */
const HELP_FLAG: FlagSpec = { name: "help", type: "bool", description: "Print usage", hidden: true };

/** The value a flag has when not given. */
export function flagDefault(spec: FlagSpec): unknown {
  const d = spec.default;
  switch (spec.type) {
    case "bool":
      return d ?? false;
    case "string":
      return d ?? "";
    case "int":
    case "uint":
    case "duration":
    case "bytes":
      return d ?? 0;
    case "stringArray":
    case "list":
      return Array.isArray(d) ? [...d] : [];
    case "map":
      return { ...((d as Record<string, string> | undefined) ?? {}) };
  }
}

/** "-n, --last" or "--rm", as pflag names a flag in `invalid argument` errors. */
export function flagLabel(spec: FlagSpec): string {
  return spec.short ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
}

/**
 * Parses argv against the flags; throws FlagError (status 125) with pflag's message:
 * `unknown flag: --foo`, `unknown shorthand flag: 'z' in -z`, `flag needs an argument: --name`,
 * `invalid argument "x" for "-n, --last" flag: strconv.ParseInt: parsing "x": invalid syntax`.
 */
export function parseArgs(
  argv: readonly string[],
  flags: readonly FlagSpec[],
  o: ParseOptions = {},
): ParsedArgs {
  const interspersed = o.interspersed ?? true;
  const all = flags.some((f) => f.name === "help") ? [...flags] : [...flags, HELP_FLAG];
  const byName = new Map(all.map((f) => [f.name, f]));
  const byShort = new Map(all.filter((f) => f.short).map((f) => [f.short!, f]));
  const implicitShortHelp = !byShort.has("h") && byName.get("help") === HELP_FLAG;
  if (implicitShortHelp) byShort.set("h", HELP_FLAG);

  const values: Record<string, unknown> = {};
  for (const f of all) values[f.name] = flagDefault(f);
  const changed = new Set<string>();
  const args: string[] = [];
  const warnings: string[] = [];
  const touched = new Set<string>(); // stringArray flags already set once

  const set = (spec: FlagSpec, raw: string) => {
    try {
      const value = spec.validate ? spec.validate(raw) : raw;
      store(spec, value, values, touched);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new FlagError(`invalid argument ${goQuote(raw)} for ${goQuote(flagLabel(spec))} flag: ${msg}`);
    }
    changed.add(spec.name);
    if (spec.deprecated) warnings.push(`Flag --${spec.name} has been deprecated, ${spec.deprecated}`);
  };
  const optional = (spec: FlagSpec) =>
    spec.type === "bool" ? (spec.optionalValue ?? "true") : spec.optionalValue;

  let i = 0;
  while (i < argv.length) {
    const s = argv[i++];
    if (s.length < 2 || s[0] !== "-") {
      args.push(s);
      if (!interspersed) {
        args.push(...argv.slice(i));
        break;
      }
      continue;
    }
    if (s === "--") {
      args.push(...argv.slice(i));
      break;
    }
    if (s[1] === "-") {
      const body = s.slice(2);
      if (body[0] === "-" || body[0] === "=") throw new FlagError(`bad flag syntax: ${s}`);
      const eq = body.indexOf("=");
      const name = eq < 0 ? body : body.slice(0, eq);
      const spec = byName.get(name);
      if (!spec) throw new FlagError(`unknown flag: --${name}`);
      if (eq >= 0) set(spec, body.slice(eq + 1));
      else if (optional(spec) !== undefined) set(spec, optional(spec)!);
      else if (i < argv.length) set(spec, argv[i++]);
      else throw new FlagError(`flag needs an argument: ${s}`);
      continue;
    }
    // A cluster of shorthands; the first one that takes a value ends it.
    let shorthands = s.slice(1);
    while (shorthands.length > 0) {
      const c = String.fromCodePoint(shorthands.codePointAt(0)!);
      const spec = byShort.get(c);
      if (!spec)
        throw new FlagError(`unknown shorthand flag: ${goQuoteRune(c.codePointAt(0)!)} in -${shorthands}`);
      const rest = shorthands.slice(c.length);
      let value: string;
      if (rest.length > 1 && rest[0] === "=") {
        value = rest.slice(1); // -f=arg
        shorthands = "";
      } else if (optional(spec) !== undefined) {
        value = optional(spec)!; // -f (arg optional)
        shorthands = rest;
      } else if (rest.length > 0) {
        value = rest; // -farg
        shorthands = "";
      } else if (i < argv.length) {
        value = argv[i++]; // -f arg
        shorthands = "";
      } else
        throw new FlagError(`flag needs an argument: ${goQuoteRune(c.codePointAt(0)!)} in -${shorthands}`);
      if (spec === HELP_FLAG && implicitShortHelp)
        warnings.push("Flag shorthand -h has been deprecated, use --help");
      set(spec, value);
    }
  }
  return { flags: values, args, changed, help: values.help === true, warnings };
}

function store(spec: FlagSpec, value: string, values: Record<string, unknown>, touched: Set<string>): void {
  switch (spec.type) {
    case "bool":
      values[spec.name] = parseGoBool(value);
      return;
    case "string":
      values[spec.name] = value;
      return;
    case "int":
      values[spec.name] = Number(parseGoInt(value));
      return;
    case "uint":
      values[spec.name] = Number(parseGoUint(value));
      return;
    case "duration":
      values[spec.name] = parseGoDuration(value);
      return;
    case "bytes":
      values[spec.name] = ramInBytes(value);
      return;
    case "stringArray":
      // pflag: the first use replaces the default, later ones append.
      if (!touched.has(spec.name)) {
        values[spec.name] = [];
        touched.add(spec.name);
      }
      (values[spec.name] as string[]).push(value);
      return;
    case "list":
      (values[spec.name] as string[]).push(value);
      return;
    case "map": {
      const eq = value.indexOf("=");
      const map = values[spec.name] as Record<string, string>;
      if (eq < 0) map[value] = "";
      else map[value.slice(0, eq)] = value.slice(eq + 1);
      return;
    }
  }
}
