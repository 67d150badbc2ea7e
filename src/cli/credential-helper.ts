import { spawnSync } from "node:child_process";

/**
 * The client side of the credential helper protocol (github.com/docker/docker-credential-helpers,
 * client/client.go): `docker-credential-<name> <action>` found on PATH, the request on stdin, the
 * answer on stdout, the helper's stderr passed through to ours. Calls are synchronous as Go's
 * exec.Cmd.Output is: a CLI command waits for its credentials anyway. Error texts are the Go
 * client's, which users and scripts see ("error getting credentials - err: exit status 1, out: `...`").
 */

/** The helper's record: Go's credentials.Credentials. */
export interface HelperCredentials {
  ServerURL: string;
  Username: string;
  Secret: string;
}

/** The one answer a helper gives for "no credentials for this server" (credentials/error.go). */
export const NOT_FOUND_MESSAGE = "credentials not found in native keychain";
const MISSING_SERVER_URL = "no credentials server URL";
const MISSING_USERNAME = "no credentials username";

/** A `get` of a server the helper has nothing for: docker treats it as "not logged in". */
export class CredentialsNotFoundError extends Error {
  constructor() {
    super(NOT_FOUND_MESSAGE);
    this.name = "CredentialsNotFoundError";
  }
}

export const helperProgram = (name: string) => `docker-credential-${name}`;

interface HelperRun {
  out: string;
  /** Go's exec error text when the run failed: "exit status 1", `exec: "x": executable file not found in $PATH` */
  err?: string;
}

/** Go's names for the signals a helper may die of (os.Signal's String). */
const SIGNAL_NAMES: Record<string, string> = {
  SIGKILL: "killed",
  SIGTERM: "terminated",
  SIGINT: "interrupt",
  SIGHUP: "hangup",
  SIGSEGV: "segmentation fault",
  SIGABRT: "aborted",
  SIGPIPE: "broken pipe",
};

function run(
  name: string,
  action: string,
  input: string,
  env: Record<string, string | undefined>,
): HelperRun {
  const program = helperProgram(name);
  const r = spawnSync(program, [action], {
    input,
    env,
    stdio: ["pipe", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    // Go's LookPath skips files it may not execute, so both read as "not found"
    if (code === "ENOENT" || code === "EACCES")
      return { out: "", err: `exec: "${program}": executable file not found in $PATH` };
    return { out: r.stdout?.toString() ?? "", err: `fork/exec ${program}: ${r.error.message}` };
  }
  const out = r.stdout.toString();
  if (r.signal) return { out, err: `signal: ${SIGNAL_NAMES[r.signal] ?? r.signal}` };
  if (r.status !== 0) return { out, err: `exit status ${r.status}` };
  return { out };
}

/** isValidCredsMessage: the protocol's two input errors replace the exit status in the message. */
function failure(verb: string, r: HelperRun): Error {
  const out = r.out.trim();
  let err = r.err;
  if (out === MISSING_SERVER_URL || out === MISSING_USERNAME) err = out;
  return new Error(`error ${verb} credentials - err: ${err}, out: \`${out}\``);
}

/** Go's encoding/json matches field names case-insensitively; helpers differ in their casing. */
function field(obj: Record<string, unknown>, name: string): string {
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key === undefined ? undefined : obj[key];
  return typeof v === "string" ? v : "";
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error((err as Error).message);
  }
}

export function helperStore(
  name: string,
  creds: HelperCredentials,
  env: Record<string, string | undefined>,
): void {
  // json.Encoder's output: the record and a newline
  const r = run(name, "store", `${JSON.stringify(creds)}\n`, env);
  if (r.err !== undefined) throw failure("storing", r);
}

/** The helper's credentials for a server; CredentialsNotFoundError when it has none. */
export function helperGet(
  name: string,
  serverURL: string,
  env: Record<string, string | undefined>,
): HelperCredentials {
  const r = run(name, "get", serverURL, env);
  if (r.err !== undefined) {
    if (r.out.trim() === NOT_FOUND_MESSAGE) throw new CredentialsNotFoundError();
    throw failure("getting", r);
  }
  const parsed = parseJson(r.out);
  const obj = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  // the answer's ServerURL may be left out: the one asked for stands
  return {
    ServerURL: field(obj, "ServerURL") || serverURL,
    Username: field(obj, "Username"),
    Secret: field(obj, "Secret"),
  };
}

export function helperErase(name: string, serverURL: string, env: Record<string, string | undefined>): void {
  const r = run(name, "erase", serverURL, env);
  if (r.err !== undefined) throw failure("erasing", r);
}

/** Every server the helper holds credentials for, with its username. */
export function helperList(name: string, env: Record<string, string | undefined>): Record<string, string> {
  const r = run(name, "list", "unused", env);
  if (r.err !== undefined) throw failure("listing", r);
  const parsed = parseJson(r.out);
  if (typeof parsed !== "object" || parsed === null) return {};
  return Object.fromEntries(
    Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [k, typeof v === "string" ? v : ""]),
  );
}
