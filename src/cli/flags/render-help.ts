/**
 * `--help` text and usage errors laid out as docker's (docker/cli cli/cobra.go usage template,
 * pflag's FlagUsagesWrapped, cli/required.go):
 *
 *   Usage:  kapsel logs [OPTIONS] CONTAINER
 *
 *   Fetch the logs of a container
 *
 *   Options:
 *         --details        Show extra details provided to logs
 *     -f, --follow         Follow log output
 */

import { formatGoDuration } from "../../lib/go-duration.ts";
import { goQuote } from "../../lib/go-quote.ts";
import { formatGoValue } from "../format/go-print.ts";
import { bytesSize } from "../format/human-units.ts";
import type { CommandSpec, FlagSpec, SubcommandListing } from "./flag-spec.ts";
import { usageLine } from "./usage-errors.ts";

/** The value name help shows after a flag: a `backquoted` word of the description, else the type. */
function unquoteUsage(f: FlagSpec): [string, string] {
  const m = /`([^`]*)`/.exec(f.description);
  if (m) return [m[1], f.description.slice(0, m.index) + m[1] + f.description.slice(m.index + m[0].length)];
  if (f.type === "bool") return ["", f.description];
  return [f.typeName ?? f.type, f.description];
}

/** The "(default X)" text, or undefined where pflag considers the default a zero value. */
function defaultText(f: FlagSpec): string | undefined {
  if (f.defaultText !== undefined) return f.defaultText === "" ? undefined : f.defaultText;
  const d = f.default;
  switch (f.type) {
    case "bool":
      return d === true ? "true" : undefined;
    case "string":
      return d === undefined || d === "" ? undefined : goQuote(String(d));
    case "int":
    case "uint":
      return d === undefined || d === 0 ? undefined : String(d);
    case "duration":
      return d === undefined || d === 0 ? undefined : formatGoDuration(d as number);
    case "bytes":
      return d === undefined || d === 0 ? undefined : bytesSize(d as number);
    case "stringArray":
      return Array.isArray(d) && d.length > 0 ? `[${d.join(",")}]` : undefined;
    case "list":
      return Array.isArray(d) && d.length > 0 ? formatGoValue(d) : undefined;
    case "map":
      // docker's MapOpts prints its map, "map[]" included: docker shows "(default map[])".
      return formatGoValue(d ?? {});
  }
}

/**
 * pflag's FlagUsagesWrapped(cols): visible flags sorted by name, the descriptions in a column
 * two past the longest "-x, --name type", wrapped to `cols` columns.
 */
export function flagUsages(flags: readonly FlagSpec[], cols: number): string {
  const visible = flags
    .filter((f) => !f.hidden && !f.deprecated)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const lines: string[] = [];
  let maxlen = 0;
  for (const f of visible) {
    let line = f.short ? `  -${f.short}, --${f.name}` : `      --${f.name}`;
    const [varname, usage] = unquoteUsage(f);
    if (varname) line += ` ${varname}`;
    if (f.optionalValue !== undefined) {
      if (f.type === "string") line += `[="${f.optionalValue}"]`;
      else if (f.type !== "bool" || f.optionalValue !== "true") line += `[=${f.optionalValue}]`;
    }
    line += "\0";
    maxlen = Math.max(maxlen, line.length);
    line += usage;
    const def = defaultText(f);
    if (def !== undefined) line += ` (default ${def})`;
    lines.push(line);
  }
  let out = "";
  for (const line of lines) {
    const sidx = line.indexOf("\0");
    const spacing = " ".repeat(maxlen - sidx);
    out += `${line.slice(0, sidx)} ${spacing} ${wrap(maxlen + 2, cols, line.slice(sidx + 1))}\n`;
  }
  return out;
}

function lastIndexAny(s: string, chars: string): number {
  for (let i = s.length - 1; i >= 0; i--) if (chars.includes(s[i])) return i;
  return -1;
}

function wrapN(i: number, slop: number, s: string): [string, string] {
  if (i + slop > s.length) return [s, ""];
  const w = lastIndexAny(s.slice(0, i), " \t\n");
  if (w <= 0) return [s, ""];
  const nlPos = s.slice(0, i).lastIndexOf("\n");
  if (nlPos > 0 && nlPos < w) return [s.slice(0, nlPos), s.slice(nlPos + 1)];
  return [s.slice(0, w), s.slice(w + 1)];
}

/** pflag's wrap: s indented by i, wrapped at w columns (0: no wrapping). */
function wrap(i: number, w: number, s: string): string {
  if (w === 0) return s.replaceAll("\n", `\n${" ".repeat(i)}`);
  let room = w - i;
  let r = "";
  if (room < 24) {
    // Not enough room: wrap as a block on the next line instead.
    i = 16;
    room = w - i;
    r += `\n${" ".repeat(i)}`;
  }
  if (room < 24) return s.replaceAll("\n", r);
  const slop = 5; // avoid short orphan words on the last line
  room -= slop;
  const pad = " ".repeat(i);
  let [l, rest] = wrapN(room, slop, s);
  r += l.replaceAll("\n", `\n${pad}`);
  while (rest !== "") {
    [l, rest] = wrapN(room, slop, rest);
    r += `\n${pad}${l.replaceAll("\n", `\n${pad}`)}`;
  }
  return r;
}

export interface HelpOptions {
  /** Terminal width; docker wraps flag descriptions at width - 1 (80 when not a terminal). */
  width?: number;
  /** The root command: command groups come before the flags, titled "Global Options:". */
  root?: boolean;
  /** Titled groups of subcommands (root help: "Common Commands", "Management Commands"...). */
  groups?: readonly { title: string; commands: readonly SubcommandListing[] }[];
  /** A last paragraph ("For more help on how to use Docker, head to ..."). */
  additionalHelp?: string;
}

/** `kapsel <cmd> --help`, as docker's usage template lays it out. Ends with one newline. */
export function renderHelp(cmd: CommandSpec, o: HelpOptions = {}): string {
  const cols = (o.width ?? 80) - 1;
  const groups =
    o.groups ?? (cmd.subcommands?.length ? [{ title: "Commands", commands: cmd.subcommands }] : []);
  const hasSub = groups.length > 0;
  const flagsText = flagUsages(cmd.flags, cols).trimEnd();
  let out = "Usage:";
  if (hasSub) out += `  ${cmd.path}${flagsText ? " [OPTIONS]" : ""} COMMAND`;
  else out += `  ${usageLine(cmd)}`;
  out += `\n\n${(cmd.long || cmd.short).trim()}`;
  if (cmd.aliases?.length) out += `\n\nAliases:\n  ${cmd.aliases.join(", ")}`;
  if (cmd.example) out += `\n\nExamples:\n${cmd.example}`;
  if (!o.root && flagsText) out += `\n\nOptions:\n${flagsText}`;
  const pad = Math.max(11, ...groups.flatMap((g) => g.commands.map((c) => c.name.length)));
  for (const g of groups) {
    out += `\n\n${g.title}:`;
    for (const c of g.commands) out += `\n  ${c.name.padEnd(pad)} ${c.short}`;
  }
  if (o.root && flagsText) out += `\n\nGlobal Options:\n${flagsText}`;
  if (hasSub) out += `\n\nRun '${cmd.path} COMMAND --help' for more information on a command.`;
  if (o.additionalHelp) out += `\n\n${o.additionalHelp}`;
  return `${out}\n`;
}
