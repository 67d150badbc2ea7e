import { fromHumanSize, ramInBytes } from "../../lib/byte-size.ts";
import { invalid, notImplemented } from "../../lib/errors.ts";
import { parseGoBool } from "../../lib/go-bool.ts";

/**
 * --log-opt, checked as moby's ValidateLogOpts and its drivers check them. kapsel keeps every
 * driver's log as conmon's k8s-file, so what the options change is its size: `max-size` makes
 * conmon start the file anew when it would grow past it, and `max-file` keeps that many files
 * (src/engine/logs/rotation.ts), as Docker's json-file. Docker checks the values only when the
 * container starts; kapsel at create, so a bad one creates nothing.
 */

const KEYS: Record<string, { keys: string[]; unknown: (key: string) => string }> = {
  "json-file": {
    keys: ["max-file", "max-size", "compress", "labels", "labels-regex", "env", "env-regex", "tag"],
    unknown: (key) => `unknown log opt '${key}' for json-file log driver`,
  },
  local: {
    keys: ["max-file", "max-size", "compress"],
    unknown: (key) => `unknown log opt '${key}' for log driver local`,
  },
};
KEYS["k8s-file"] = KEYS["json-file"]!;

export interface LogConfig {
  Type: string;
  Config: Record<string, string>;
}

/** dockerd's own default: --log-driver json-file, no options */
export const DEFAULT_LOG: LogConfig = { Type: "json-file", Config: {} };

/** the log drivers built into Docker 28 */
const DOCKER_LOG_DRIVERS = [
  "none",
  "local",
  "json-file",
  "syslog",
  "journald",
  "gelf",
  "fluentd",
  "awslogs",
  "splunk",
  "etwlogs",
  "gcplogs",
  "logentries",
];

/**
 * The drivers whose logs kapsel keeps (all as conmon's k8s-file; "none" keeps none, and the
 * logs route refuses it, as Docker's). Any other name is a logging plugin to Docker, and none
 * is installed.
 */
export function checkLogDriver(driver: string): void {
  if (["json-file", "k8s-file", "local", "none"].includes(driver)) return;
  if (!DOCKER_LOG_DRIVERS.includes(driver))
    throw invalid(`error looking up logging plugin ${driver}: plugin "${driver}" not found`);
  throw notImplemented(`log driver ${driver} is not implemented`);
}

/**
 * moby's mergeAndVerifyLogConfig: the daemon's driver when the container names none, and the
 * daemon's options under the container's own when the driver is the daemon's.
 */
export function withDaemonLog(own: Partial<LogConfig> | undefined, daemon: LogConfig): LogConfig {
  const type = own?.Type || daemon.Type;
  const config = { ...(own?.Config ?? {}) };
  if (type === daemon.Type) for (const [k, v] of Object.entries(daemon.Config)) config[k] ??= v;
  return { Type: type, Config: config };
}

/** The local driver's defaults (moby's daemon/logger/local). */
const LOCAL_MAX_SIZE = 20 * 1024 * 1024;

export interface LogLimits {
  /** bytes the log may hold before it starts anew */
  sizeMax?: number;
  /** files kept, the one being written included (only with sizeMax) */
  maxFiles: number;
  /** what kapsel does not do of what was asked, for the create response */
  warnings: string[];
}

/** Checks the options of a driver kapsel stores; returns the size limit they set. */
export function logLimits(driver: string, config: Record<string, string>): LogLimits {
  if (driver === "none") return { maxFiles: 1, warnings: [] };
  const mode = config.mode ?? "";
  if (!["", "blocking", "non-blocking"].includes(mode))
    throw invalid(`logger: logging mode not supported: ${mode}`);
  if (config["max-buffer-size"] !== undefined) {
    if (mode !== "non-blocking")
      throw invalid("logger: max-buffer-size option is only supported with 'mode=non-blocking'");
    parsed(() => ramInBytes(config["max-buffer-size"]!), "error parsing option max-buffer-size: ");
  }
  const known = KEYS[driver];
  if (!known) return { maxFiles: 1, warnings: [] };
  for (const key of Object.keys(config))
    if (key !== "mode" && key !== "max-buffer-size" && !known.keys.includes(key))
      throw invalid(known.unknown(key));

  let sizeMax = driver === "local" ? LOCAL_MAX_SIZE : -1;
  const size = config["max-size"];
  if (size !== undefined) {
    sizeMax = parsed(() => (driver === "local" ? ramInBytes(size) : fromHumanSize(size)));
    if (sizeMax <= 0) throw invalid("max-size must be a positive number");
  }
  let maxFiles = driver === "local" ? 5 : 1;
  const files = config["max-file"];
  if (files !== undefined) {
    if (!/^[+-]?\d+$/.test(files)) throw invalid(`strconv.Atoi: parsing "${files}": invalid syntax`);
    maxFiles = Number(files);
    if (maxFiles < 1) throw invalid("max-file cannot be less than 1");
  }
  const compress = config.compress;
  if (compress !== undefined) {
    const on = parseGoBool(compress);
    if (on === undefined) throw invalid(`strconv.ParseBool: parsing "${compress}": invalid syntax`);
    if (on && (maxFiles === 1 || sizeMax === -1))
      throw invalid("compress cannot be true when max-file is less than 2 or max-size is not set");
  }
  const warnings: string[] = [];
  if (compress !== undefined && parseGoBool(compress))
    warnings.push("kapsel does not compress rotated log files: compress=true is not applied");
  if (sizeMax <= 0) return { maxFiles: 1, warnings };
  return { sizeMax, maxFiles, warnings };
}

/** The limits a container's options set; none for options an older kapsel took (checked at create). */
export function logRotation(config: LogConfig | undefined): { sizeMax?: number; maxFiles: number } {
  try {
    return logLimits(config?.Type ?? "json-file", config?.Config ?? {});
  } catch {
    return { maxFiles: 1 };
  }
}

function parsed(parse: () => number, prefix = ""): number {
  try {
    return parse();
  } catch (err) {
    throw invalid(`${prefix}${(err as Error).message}`);
  }
}
