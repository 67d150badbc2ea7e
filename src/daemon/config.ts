import { readFileSync } from "node:fs";
import { invalid } from "../lib/errors.ts";

/** kapseld's settings: dockerd's flag names, and the daemon.json keys they correspond to. */
export interface DaemonConfig {
  hosts: string[];
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  configFile?: string;
  logLevel: "debug" | "info" | "warn" | "error" | "fatal";
  defaultRuntime: string;
  /** "builtin" (Docker's default profile), "unconfined", or a profile file's path */
  seccompProfile: string;
  /** the log driver and options of containers that name none (dockerd's --log-driver, --log-opt) */
  logDriver: string;
  logOpts: Record<string, string>;
  storageDriver?: "overlay" | "copy";
  detachKeys?: string;
  insecureRegistries: string[];
  registryMirrors: string[];
  /** dockerd --bridge/-b: the default network's Linux bridge */
  bridge?: string;
  /** dockerd --bip: the default bridge's gateway and subnet, "10.213.0.1/24" */
  bip?: string;
  /** dockerd default-address-pools (daemon.json) or --default-address-pool base=...,size=... */
  defaultAddressPools?: { base: string; size: number }[];
  /** dockerd --userland-proxy: ports on host IPv6 addresses go through kapseld's proxy */
  userlandProxy: boolean;
}

const USAGE = `Usage:	kapseld [OPTIONS]

A self-sufficient runtime for containers, Docker-compatible.

Options:
  -b, --bridge string           Attach containers to a network bridge (default "kapsel0")
      --bip string              Specify default-bridge IPv4 network
      --config-file string      Daemon configuration file (default "/etc/kapsel/daemon.json")
      --data-root string        Root directory of persistent state (default "/var/lib/kapsel")
  -D, --debug                   Enable debug mode
      --default-address-pool pool-options
                                Default address pools for node specific local networks
      --default-runtime string  Default OCI runtime for containers (default "runc")
      --exec-root string        Root directory for execution state files (default "/run/kapsel")
  -H, --host list               Daemon socket(s) to connect to (default unix:///run/kapsel/kapsel.sock)
      --log-driver string       Default driver for container logs (default "json-file")
  -l, --log-level string        Set the logging level ("debug"|"info"|"warn"|"error"|"fatal") (default "info")
      --log-opt map             Default log driver options for containers (default map[])
  -p, --pidfile string          Path to use for daemon PID file (default "<exec-root>/kapseld.pid")
      --seccomp-profile string  Path to seccomp profile. Set to "unconfined" to disable the default
                                seccomp profile (default "builtin")
  -s, --storage-driver string   Storage driver to use ("overlay2"|"vfs")
      --userland-proxy          Use userland proxy for loopback traffic and IPv6 host addresses
                                (default true)
  -v, --version                 Print version information and quit
`;

export function daemonUsage(): string {
  return USAGE;
}

const FLAG_KEYS: Record<string, string> = {
  "-H": "hosts",
  "--host": "hosts",
  "--data-root": "data-root",
  "--exec-root": "exec-root",
  "-p": "pidfile",
  "--pidfile": "pidfile",
  "--config-file": "config-file",
  "-l": "log-level",
  "--log-level": "log-level",
  "--default-runtime": "default-runtime",
  "-s": "storage-driver",
  "--storage-driver": "storage-driver",
  "--insecure-registry": "insecure-registries",
  "--registry-mirror": "registry-mirrors",
  "-b": "bridge",
  "--bridge": "bridge",
  "--bip": "bip",
  "--default-address-pool": "default-address-pools",
  "--seccomp-profile": "seccomp-profile",
  "--log-driver": "log-driver",
  "--log-opt": "log-opts",
  "--userland-proxy": "userland-proxy",
};

/** Flags that are booleans: "--flag" is true, "--flag=false" is false, as Go's flag package. */
const BOOL_FLAGS = new Set(["userland-proxy"]);

/**
 * Flags over the config file over defaults, as dockerd (which refuses a setting given both
 * ways; kapsel lets the flag win and says nothing, which is friendlier for scripts).
 */
export function parseDaemonArgs(argv: string[]): DaemonConfig | "help" | "version" {
  const flags: Record<string, string | string[] | boolean | Record<string, string>> = {};
  const pools: { base: string; size: number }[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") return "help";
    if (arg === "-v" || arg === "--version") return "version";
    if (arg === "-D" || arg === "--debug") {
      flags["log-level"] = "debug";
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const key = FLAG_KEYS[name];
    if (!key) throw invalid(`unknown flag: ${name}`);
    if (BOOL_FLAGS.has(key)) {
      flags[key] = parseBool(name, arg.startsWith("--") && eq > 0 ? arg.slice(eq + 1) : "true");
      continue;
    }
    const value = arg.startsWith("--") && eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw invalid(`flag needs an argument: ${name}`);
    if (key === "default-address-pools") pools.push(parsePoolFlag(value));
    else if (key === "log-opts") {
      const eq = value.indexOf("=");
      if (eq < 1) throw invalid(`invalid key value pair format in log options: ${value}`);
      const opts = (flags[key] ??= {}) as Record<string, string>;
      opts[value.slice(0, eq)] = value.slice(eq + 1);
    } else if (key === "hosts" || key === "insecure-registries" || key === "registry-mirrors") {
      flags[key] = [...((flags[key] as string[] | undefined) ?? []), value];
    } else flags[key] = value;
  }
  const configFile = (flags["config-file"] as string | undefined) ?? "/etc/kapsel/daemon.json";
  const file = readConfigFile(configFile, flags["config-file"] !== undefined);
  const pick = <T>(key: string, fallback: T): T => (flags[key] ?? file[key] ?? fallback) as T;
  const execRoot = pick("exec-root", "/run/kapsel");
  const hosts = pick<string[]>("hosts", [`unix://${execRoot}/kapsel.sock`]);
  const logLevel = pick("log-level", "info");
  if (!["debug", "info", "warn", "error", "fatal"].includes(logLevel))
    throw invalid(`unable to parse logging level: ${logLevel}`);
  const driver = pick<string | undefined>("storage-driver", undefined);
  if (driver !== undefined && !["overlay", "overlay2", "copy", "vfs"].includes(driver))
    throw invalid(`unknown storage driver: ${driver}`);
  return {
    hosts,
    dataRoot: pick("data-root", "/var/lib/kapsel"),
    execRoot,
    pidfile: pick("pidfile", `${execRoot}/kapseld.pid`),
    configFile,
    logLevel: logLevel as DaemonConfig["logLevel"],
    defaultRuntime: pick("default-runtime", "runc"),
    seccompProfile: pick("seccomp-profile", "") || "builtin",
    logDriver: pick("log-driver", "") || "json-file",
    logOpts: checkLogOpts(pick<unknown>("log-opts", {})),
    storageDriver: driver === undefined ? undefined : driver.startsWith("overlay") ? "overlay" : "copy",
    detachKeys: file["detach-keys"] as string | undefined,
    insecureRegistries: pick("insecure-registries", []),
    registryMirrors: pick("registry-mirrors", []),
    bridge: pick<string | undefined>("bridge", undefined),
    bip: pick<string | undefined>("bip", undefined),
    defaultAddressPools: pools.length > 0 ? pools : checkPools(file["default-address-pools"]),
    userlandProxy: checkBool("userland-proxy", pick<unknown>("userland-proxy", true)),
  };
}

/** A bool flag's value as Go's strconv.ParseBool reads it. */
function parseBool(flag: string, text: string): boolean {
  if (["1", "t", "T", "true", "TRUE", "True"].includes(text)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(text)) return false;
  throw invalid(
    `invalid argument "${text}" for "${flag}" flag: strconv.ParseBool: parsing "${text}": invalid syntax`,
  );
}

function checkBool(key: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw invalid(`${key} must be true or false, not ${JSON.stringify(value)}`);
  return value;
}

/** daemon.json's log-opts: a map of strings, as dockerd reads it. */
function checkLogOpts(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw invalid("log-opts must be a JSON object of strings");
  for (const [k, v] of Object.entries(value))
    if (typeof v !== "string") throw invalid(`log-opts: the value of ${k} must be a string`);
  return value as Record<string, string>;
}

/** `--default-address-pool base=10.10.0.0/16,size=24` (dockerd's pool-options). */
function parsePoolFlag(value: string): { base: string; size: number } {
  const fields = Object.fromEntries(value.split(",").map((kv) => kv.split("=", 2) as [string, string]));
  const pool = { base: fields.base ?? "", size: Number(fields.size) };
  if (!pool.base || !Number.isInteger(pool.size)) throw invalid(`invalid default address pool: ${value}`);
  return pool;
}

function checkPools(v: unknown): { base: string; size: number }[] | undefined {
  if (v === undefined) return undefined;
  const ok = Array.isArray(v) && v.every((p) => typeof p?.base === "string" && Number.isInteger(p?.size));
  if (!ok) throw invalid(`invalid default-address-pools: ${JSON.stringify(v)}`);
  return v as { base: string; size: number }[];
}

function readConfigFile(path: string, required: boolean): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (required) throw invalid(`unable to read config file ${path}: ${(err as Error).message}`);
    return {};
  }
  if (text.trim() === "") return {};
  try {
    const parsed = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("not a JSON object");
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw invalid(`unable to configure the daemon with file ${path}: ${(err as Error).message}`);
  }
}
