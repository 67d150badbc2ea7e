import { posix } from "node:path";
import { invalid } from "../../lib/errors.ts";
import type { ContainerConfig, HealthConfig } from "./image-config.ts";
import { processWord, processWords } from "./shell-words.ts";

/**
 * `docker import --change` and `docker commit --change`: Dockerfile lines applied to an image's
 * config, as Docker's BuildFromConfig does. Only the instructions that change the config are
 * allowed; anything else fails with Docker's "<instr> is not a valid change command".
 */
const ALLOWED = new Set([
  "cmd",
  "entrypoint",
  "healthcheck",
  "env",
  "expose",
  "label",
  "onbuild",
  "stopsignal",
  "user",
  "volume",
  "workdir",
]);

const DEFAULT_SHELL = ["/bin/sh", "-c"];

export interface ChangeLine {
  instruction: string; // lower case
  rest: string; // the original text after the instruction, trimmed
}

/** Splits change strings into instructions (a trailing backslash continues a line; # comments skipped). */
export function parseChangeLines(changes: readonly string[]): ChangeLine[] {
  const text = changes.join("\n").replace(/\\\r?\n/g, "");
  const out: ChangeLine[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(\S+)\s*(.*)$/s.exec(line)!;
    out.push({ instruction: m[1].toLowerCase(), rest: m[2].trim() });
  }
  return out;
}

/** Returns a new config with the changes applied; the input is not modified. */
export function applyChanges(base: ContainerConfig, changes: readonly string[]): ContainerConfig {
  const cfg: ContainerConfig = structuredClone(base);
  let cmdSet = false;
  for (const { instruction, rest } of parseChangeLines(changes)) {
    if (!ALLOWED.has(instruction)) throw invalid(`${instruction} is not a valid change command`);
    const env = envMap(cfg.Env);
    switch (instruction) {
      case "cmd":
        cfg.Cmd = commandForm(rest, cfg.Shell);
        cmdSet = true;
        break;
      case "entrypoint":
        cfg.Entrypoint = commandForm(rest, cfg.Shell);
        if (!cmdSet) cfg.Cmd = null;
        break;
      case "env":
        for (const [k, v] of keyValues(rest, env, "ENV")) setEnv(cfg, k, v);
        break;
      case "label":
        cfg.Labels = { ...(cfg.Labels ?? {}) };
        for (const [k, v] of keyValues(rest, env, "LABEL")) cfg.Labels[k] = v;
        break;
      case "expose":
        cfg.ExposedPorts = { ...(cfg.ExposedPorts ?? {}) };
        for (const word of processWords(rest, env))
          for (const p of exposedPorts(word)) cfg.ExposedPorts[p] = {};
        break;
      case "user":
        cfg.User = processWord(rest, env);
        break;
      case "workdir": {
        const dir = processWord(rest, env);
        cfg.WorkingDir = posix.normalize(
          posix.isAbsolute(dir) ? dir : posix.join(cfg.WorkingDir || "/", dir),
        );
        break;
      }
      case "volume": {
        cfg.Volumes = { ...(cfg.Volumes ?? {}) };
        const list = jsonArray(rest) ?? processWords(rest, env);
        if (list.length === 0) throw invalid("VOLUME requires at least one argument");
        for (const v of list) {
          if (v.trim() === "") throw invalid("VOLUME specified can not be an empty string");
          cfg.Volumes[v] = {};
        }
        break;
      }
      case "stopsignal": {
        const sig = processWord(rest, env);
        if (!/^(SIG)?[A-Z][A-Z0-9+-]*$|^\d+$/i.test(sig)) throw invalid(`Invalid signal: ${sig}`);
        cfg.StopSignal = sig;
        break;
      }
      case "onbuild": {
        const trigger = /^(\S+)/.exec(rest)?.[1]?.toUpperCase() ?? "";
        if (trigger === "") throw invalid("ONBUILD requires at least one argument");
        if (trigger === "ONBUILD") throw invalid("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
        if (trigger === "FROM" || trigger === "MAINTAINER")
          throw invalid(`${trigger} isn't allowed as an ONBUILD trigger`);
        cfg.OnBuild = [...(cfg.OnBuild ?? []), rest];
        break;
      }
      case "healthcheck":
        cfg.Healthcheck = healthcheck(rest);
        break;
    }
  }
  return cfg;
}

function envMap(list: readonly string[] | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of list ?? []) {
    const eq = kv.indexOf("=");
    if (eq > 0) env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

function setEnv(cfg: ContainerConfig, key: string, value: string): void {
  const list = [...(cfg.Env ?? [])];
  const i = list.findIndex((kv) => kv === key || kv.startsWith(`${key}=`));
  if (i >= 0) list[i] = `${key}=${value}`;
  else list.push(`${key}=${value}`);
  cfg.Env = list;
}

/** A JSON array of strings, or undefined when the text is not one (then it is shell form). */
function jsonArray(rest: string): string[] | undefined {
  if (!rest.startsWith("[")) return undefined;
  try {
    const v: unknown = JSON.parse(rest);
    if (Array.isArray(v) && v.every((x) => typeof x === "string")) return v as string[];
  } catch {
    // shell form that happens to start with "["
  }
  return undefined;
}

function commandForm(rest: string, shell: string[] | undefined): string[] | null {
  const json = jsonArray(rest);
  if (json) return json;
  if (rest === "") return null;
  return [...(shell ?? DEFAULT_SHELL), rest];
}

/** ENV/LABEL arguments: `k=v k2="v 2"`, or the legacy `k value with spaces`. */
function keyValues(rest: string, env: Record<string, string>, name: string): Array<[string, string]> {
  const words = processWords(rest, env);
  if (words.length === 0) throw invalid(`${name} requires at least one argument`);
  const first = /^(\S+)/.exec(rest)?.[1] ?? "";
  if (!first.includes("=")) {
    // legacy form: the first word is the key, the rest of the line the value
    const m = /^(\S+)\s+(.*)$/s.exec(rest);
    if (!m) throw invalid(`${name} must have two arguments`);
    return [[processWord(m[1], env), processWord(m[2], env)]];
  }
  return words.map((w) => {
    const eq = w.indexOf("=");
    if (eq <= 0) throw invalid(`${name} names can not be blank`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** "80", "80/tcp", "8000-8002/udp" → ["8000/udp", "8001/udp", "8002/udp"] */
export function exposedPorts(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/([a-zA-Z]+))?$/.exec(spec);
  if (!m) throw invalid(`invalid containerPort: ${spec.split("/")[0]}`);
  const proto = (m[3] ?? "tcp").toLowerCase();
  if (!["tcp", "udp", "sctp"].includes(proto)) throw invalid(`invalid proto: ${proto}`);
  const start = Number(m[1]);
  const end = m[2] ? Number(m[2]) : start;
  if (start > 65535 || end > 65535 || end < start)
    throw invalid(`invalid range format for --expose: ${spec}`);
  const out: string[] = [];
  for (let p = start; p <= end; p++) out.push(`${p}/${proto}`);
  return out;
}

/** HEALTHCHECK [--interval=..] [--timeout=..] [--start-period=..] [--start-interval=..] [--retries=N] CMD ... | NONE */
function healthcheck(rest: string): HealthConfig {
  if (/^none$/i.test(rest)) return { Test: ["NONE"] };
  const hc: HealthConfig = {};
  let s = rest;
  for (;;) {
    const m = /^--([a-z-]+)=(\S+)\s*/.exec(s);
    if (!m) break;
    s = s.slice(m[0].length);
    const [, flag, value] = m;
    if (flag === "retries") {
      if (!/^\d+$/.test(value)) throw invalid(`invalid retries value ${value}`);
      hc.Retries = Number(value);
    } else if (flag === "interval") hc.Interval = goDuration(value);
    else if (flag === "timeout") hc.Timeout = goDuration(value);
    else if (flag === "start-period") hc.StartPeriod = goDuration(value);
    else if (flag === "start-interval") hc.StartInterval = goDuration(value);
    else throw invalid(`Unknown flag: ${flag}`);
  }
  const m = /^(\S+)\s*(.*)$/s.exec(s);
  if (m?.[1].toUpperCase() !== "CMD")
    throw invalid(`Unknown type "${m?.[1] ?? ""}" in HEALTHCHECK (try CMD)`);
  const json = jsonArray(m[2]);
  hc.Test = json ? ["CMD", ...json] : ["CMD-SHELL", m[2]];
  return hc;
}

/** Go's time.ParseDuration, in nanoseconds. */
export function goDuration(s: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  if (s === "0") return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * units[m[2]];
    pos = re.lastIndex;
  }
  if (pos !== s.length || pos === 0) throw invalid(`time: invalid duration "${s}"`);
  return Math.round(total);
}
