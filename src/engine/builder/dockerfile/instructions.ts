// The instruction pass (BuildKit's instructions/parse.go): one syntax node → one typed instruction,
// checking argument counts and flags with Docker's messages. Errors are thrown as plain Errors;
// the caller adds "dockerfile parse error on line N: ".

import { parseGoDuration } from "../../../lib/go-duration.ts";
import { type FlagType, type ParsedFlags, parseFlags } from "./flags.ts";
import { goQuote, trimSpace } from "./go-strings.ts";
import { chompHeredoc, mustParseHeredoc, type RawHeredoc } from "./heredoc.ts";
import type { Node } from "./line-parser.ts";
import { withSuggestion } from "./suggest.ts";
import type {
  ArgInstruction,
  CommandForm,
  CopyInstruction,
  FromInstruction,
  HealthcheckInstruction,
  Heredoc,
  Instruction,
  InstructionBase,
  KeyValue,
} from "./types.ts";

const INSTRUCTION_NAMES = [
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
];

const VALID_STAGE_NAME = /^[a-z][a-z0-9\-_.]*$/;
const NETWORK_MODES = new Set(["default", "none", "host"]);

const RUN_FLAGS: Record<string, FlagType> = { mount: "strings", network: "string", device: "strings" };
const COPY_FLAGS: Record<string, FlagType> = {
  chown: "string",
  from: "string",
  chmod: "string",
  link: "bool",
  exclude: "strings",
  parents: "bool",
};
const ADD_FLAGS: Record<string, FlagType> = {
  chown: "string",
  chmod: "string",
  link: "bool",
  "keep-git-dir": "bool",
  checksum: "string",
  unpack: "bool",
  exclude: "strings",
};
const HEALTHCHECK_FLAGS: Record<string, FlagType> = {
  interval: "string",
  timeout: "string",
  "start-period": "string",
  "start-interval": "string",
  retries: "string",
};
const NO_FLAGS: Record<string, FlagType> = {};

/** Throws Error with BuildKit's message (no line). */
export function parseInstruction(node: Node): Instruction {
  const args = nodeArgs(node);
  const noFlags = () => parseFlags(node.flags, NO_FLAGS);
  switch (node.value.toLowerCase()) {
    case "env": {
      const flags = noFlags();
      return { kind: "ENV", ...base(node, flags), pairs: keyValues(args, "ENV"), legacy: isLegacy(args) };
    }
    case "label": {
      const flags = noFlags();
      return { kind: "LABEL", ...base(node, flags), pairs: keyValues(args, "LABEL"), legacy: isLegacy(args) };
    }
    case "maintainer": {
      exactlyOne(args, "MAINTAINER");
      return { kind: "MAINTAINER", ...base(node, noFlags()), maintainer: args[0] };
    }
    case "add":
    case "copy":
      return parseCopy(node, args);
    case "from":
      return parseFrom(node, args);
    case "onbuild":
      return parseOnbuild(node, args);
    case "workdir": {
      exactlyOne(args, "WORKDIR");
      return { kind: "WORKDIR", ...base(node, noFlags()), path: args[0] };
    }
    case "run": {
      const flags = parseFlags(node.flags, RUN_FLAGS);
      const network = flags.values.network ?? "default";
      if (!NETWORK_MODES.has(network)) throw new Error(`invalid network mode ${goQuote(network)}`);
      return { kind: "RUN", ...base(node, flags), ...commandForm(node, args) };
    }
    case "cmd":
      return { kind: "CMD", ...base(node, noFlags()), ...commandForm(node, args) };
    case "entrypoint":
      return { kind: "ENTRYPOINT", ...base(node, noFlags()), ...commandForm(node, args) };
    case "healthcheck":
      return parseHealthcheck(node, args);
    case "expose": {
      if (args.length === 0) throw atLeastOne("EXPOSE");
      const flags = noFlags();
      return { kind: "EXPOSE", ...base(node, flags), ports: [...args].sort(byteOrder) };
    }
    case "user": {
      exactlyOne(args, "USER");
      return { kind: "USER", ...base(node, noFlags()), user: args[0] };
    }
    case "volume": {
      if (args.length === 0) throw atLeastOne("VOLUME");
      const flags = noFlags();
      const paths = args.map((v) => trimSpace(v));
      if (paths.some((v) => v === "")) throw new Error("VOLUME specified can not be an empty string");
      return { kind: "VOLUME", ...base(node, flags), paths };
    }
    case "stopsignal":
      // Docker does not parse STOPSIGNAL's flags: they are ignored
      exactlyOne(args, "STOPSIGNAL");
      return { kind: "STOPSIGNAL", ...base(node), signal: args[0] };
    case "arg":
      return parseArg(node, args);
    case "shell": {
      const flags = noFlags();
      const form = commandForm(node, args);
      if (form.args.length === 0) throw atLeastOne("SHELL");
      if (!form.json) throw new Error("SHELL requires the arguments to be in JSON form");
      return { kind: "SHELL", ...base(node, flags), shell: form.args };
    }
  }
  throw new Error(withSuggestion(`unknown instruction: ${node.value}`, node.value, INSTRUCTION_NAMES, false));
}

function base(node: Node, flags?: ParsedFlags): InstructionBase {
  return {
    line: node.startLine,
    endLine: node.endLine,
    original: trimSpace(node.original),
    flags: flags?.values ?? {},
    flagValues: flags?.lists ?? {},
    keyword: node.value,
  };
}

/** The argument words; ONBUILD's are its trigger's name and arguments. */
function nodeArgs(node: Node): string[] {
  if (node.value.toLowerCase() === "onbuild") return node.sub ? [node.sub.value, ...nodeArgs(node.sub)] : [];
  return node.next;
}

/** Shell form: the text as one element; exec form: the array. */
function commandForm(node: Node, args: string[]): CommandForm {
  return {
    json: node.json,
    args: node.json || args.length === 0 ? [...args] : [args.join(" ")],
    heredocs: node.heredocs.map(toHeredoc),
  };
}

function toHeredoc(h: RawHeredoc): Heredoc {
  return {
    name: h.name,
    content: h.chomp ? chompHeredoc(h.content) : h.content,
    chomp: h.chomp,
    quoted: !h.expand,
    fd: h.fd,
  };
}

/** [key, value, sep] triples (sep "" marks the legacy form) → pairs. */
function keyValues(args: string[], cmd: string): KeyValue[] {
  if (args.length === 0) throw atLeastOne(cmd);
  if (args.length % 3 !== 0) throw new Error(`Bad input to ${cmd}, too many arguments`);
  const pairs: KeyValue[] = [];
  for (let j = 0; j < args.length; j += 3) {
    if (args[j].length === 0) throw new Error(`${cmd} names can not be blank`);
    pairs.push({ key: args[j], value: args[j + 1] });
  }
  return pairs;
}

function isLegacy(args: string[]): boolean {
  for (let j = 2; j < args.length; j += 3) if (args[j] === "") return true;
  return false;
}

function parseCopy(node: Node, args: string[]): CopyInstruction {
  const kind = node.value.toUpperCase() as "ADD" | "COPY";
  if (args.length < 2) {
    throw new Error(
      `${kind} requires at least two arguments, but only one was provided. Destination could not be determined`,
    );
  }
  const flags = parseFlags(node.flags, kind === "ADD" ? ADD_FLAGS : COPY_FLAGS);
  const dest = args[args.length - 1];
  if (mustParseHeredoc(dest)) throw new Error(`${kind} cannot accept a heredoc as a destination`);
  // Heredoc words among the sources name inline files; the bodies were read by the syntax pass.
  const bodies = new Map(node.heredocs.map((h) => [h.name, h.content]));
  const sources: string[] = [];
  const heredocs: Heredoc[] = [];
  for (const src of args.slice(0, -1)) {
    const h = mustParseHeredoc(src);
    if (!h) {
      sources.push(src);
      continue;
    }
    const content = bodies.get(h.name) ?? "";
    heredocs.push({
      name: h.name,
      content: h.chomp ? chompHeredoc(content) : content,
      chomp: h.chomp,
      quoted: !h.expand,
      fd: h.fd,
    });
  }
  const v = flags.values;
  const bool = (name: string) => (v[name] === undefined ? undefined : v[name] === "true");
  return {
    kind,
    ...base(node, flags),
    sources,
    dest,
    heredocs,
    from: v.from,
    chown: v.chown,
    chmod: v.chmod,
    checksum: v.checksum,
    link: bool("link"),
    excludes: flags.lists.exclude,
    parents: bool("parents"),
    keepGitDir: bool("keep-git-dir"),
    unpack: bool("unpack"),
  };
}

function parseFrom(node: Node, args: string[]): FromInstruction {
  let alias: string | undefined;
  if (args.length === 3 && args[1].toLowerCase() === "as") {
    if (!VALID_STAGE_NAME.test(args[2].toLowerCase())) {
      throw new Error(
        `invalid name for build stage: ${goQuote(args[2])}, name can't start with a number or contain symbols`,
      );
    }
    alias = args[2];
  } else if (args.length !== 1) {
    throw new Error("FROM requires either one or three arguments");
  }
  const flags = parseFlags(node.flags, { platform: "string" });
  return {
    kind: "FROM",
    ...base(node, flags),
    image: args[0],
    alias,
    asKeyword: alias === undefined ? undefined : args[1],
    platform: flags.values.platform,
  };
}

function parseOnbuild(node: Node, args: string[]): Instruction {
  if (args.length === 0) throw atLeastOne("ONBUILD");
  const flags = parseFlags(node.flags, NO_FLAGS);
  const trigger = trimSpace(args[0]).toUpperCase();
  if (trigger === "ONBUILD") throw new Error("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (trigger === "MAINTAINER" || trigger === "FROM")
    throw new Error(`${trigger} isn't allowed as an ONBUILD trigger`);
  let expression = node.original.replace(/^[\t\n\f\r ]*onbuild[\t\n\f\r ]*/i, "");
  for (const h of node.heredocs) expression += `\n${h.content}${h.name}`;
  return { kind: "ONBUILD", ...base(node, flags), expression };
}

function parseArg(node: Node, args: string[]): ArgInstruction {
  // Docker does not parse ARG's flags: they are ignored
  if (args.length === 0) throw atLeastOne("ARG");
  const out: ArgInstruction["args"] = [];
  for (const a of args) {
    const eq = a.indexOf("=");
    if (eq < 0) {
      out.push({ name: a });
      continue;
    }
    if (eq === 0) throw new Error("ARG names can not be blank");
    out.push({ name: a.slice(0, eq), default: a.slice(eq + 1) });
  }
  return { kind: "ARG", ...base(node), args: out };
}

function parseHealthcheck(node: Node, args: string[]): HealthcheckInstruction {
  if (args.length === 0) throw atLeastOne("HEALTHCHECK");
  const type = args[0].toUpperCase();
  const rest = args.slice(1);
  if (type === "NONE") {
    // flags are not parsed for NONE: they are ignored
    if (rest.length !== 0) throw new Error("HEALTHCHECK NONE takes no arguments");
    return { kind: "HEALTHCHECK", ...base(node), test: ["NONE"] };
  }
  const flags = parseFlags(node.flags, HEALTHCHECK_FLAGS);
  if (type !== "CMD") throw new Error(`Unknown type ${goQuote(type)} in HEALTHCHECK (try CMD)`);
  const cmd = node.json || rest.length === 0 ? rest : [rest.join(" ")];
  if (cmd.length === 0) throw new Error("Missing command after HEALTHCHECK CMD");
  const v = flags.values;
  const hc: HealthcheckInstruction = {
    kind: "HEALTHCHECK",
    ...base(node, flags),
    test: [node.json ? "CMD" : "CMD-SHELL", ...cmd],
    interval: interval(v.interval, "interval"),
    timeout: interval(v.timeout, "timeout"),
    startPeriod: interval(v["start-period"], "start-period"),
    startInterval: interval(v["start-interval"], "start-interval"),
  };
  if (v.retries !== undefined && v.retries !== "") {
    if (!/^[+-]?[0-9]+$/.test(v.retries)) {
      throw new Error(`strconv.ParseInt: parsing ${goQuote(v.retries)}: invalid syntax`);
    }
    const retries = Number(v.retries);
    if (retries < -(2 ** 31) || retries > 2 ** 31 - 1) {
      throw new Error(`strconv.ParseInt: parsing ${goQuote(v.retries)}: value out of range`);
    }
    if (retries < 0) throw new Error(`--retries cannot be negative (${retries})`);
    hc.retries = retries;
  }
  return hc;
}

/** A HEALTHCHECK duration in nanoseconds; undefined when not given; 0 stays 0; else >= 1ms. */
function interval(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (value === "") return 0;
  const d = parseGoDuration(value);
  if (d === 0) return 0;
  if (d < 1_000_000) throw new Error(`Interval ${goQuote(name)} cannot be less than 1ms`);
  return d;
}

function exactlyOne(args: string[], cmd: string) {
  if (args.length !== 1) throw new Error(`${cmd} requires exactly one argument`);
}

function atLeastOne(cmd: string): Error {
  return new Error(`${cmd} requires at least one argument`);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
