import { mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../lib/atomic-file.ts";

/**
 * The client's registry credentials, kept as docker keeps them (docker/cli cli/config): a
 * config.json in ~/.docker (or $DOCKER_CONFIG) whose `auths` map a registry to base64
 * "user:pass" (plus an identity token when the registry gave one). Other keys are kept as they
 * are. Credential helpers (credsStore) are not supported: the file store only.
 */

/** Docker Hub's key in `auths` (registry.IndexServer). */
export const INDEX_SERVER = "https://index.docker.io/v1/";

/** The AuthConfig sent in X-Registry-Auth and to POST /auth (Go's field names, empty ones left out). */
export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  email?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

interface ConfigFile {
  auths?: Record<string, { auth?: string; identitytoken?: string; email?: string }>;
  [key: string]: unknown;
}

export function configDir(env: Record<string, string | undefined>): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), ".docker");
}

export function configPath(env: Record<string, string | undefined>): string {
  return join(configDir(env), "config.json");
}

function readConfig(env: Record<string, string | undefined>): ConfigFile {
  let text: string;
  try {
    text = readFileSync(configPath(env), "utf8");
  } catch {
    return {};
  }
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as ConfigFile;
  } catch (err) {
    throw new Error(`loading config file: ${configPath(env)}: ${(err as Error).message}`);
  }
}

/** credentials.ConvertToHostname: "https://host:5000/v2/" is "host:5000". */
export function convertToHostname(address: string): string {
  let s = address;
  if (s.startsWith("http://")) s = s.slice(7);
  else if (s.startsWith("https://")) s = s.slice(8);
  return s.split("/")[0];
}

/** The `auths` key for an image's registry domain (docker.io is the index server). */
export function registryKey(domain: string): string {
  return domain === "docker.io" ? INDEX_SERVER : domain;
}

/** The stored credentials for a registry (by key, else by hostname), or none. */
export function storedAuth(env: Record<string, string | undefined>, server: string): AuthConfig | undefined {
  const auths = readConfig(env).auths ?? {};
  let key = Object.hasOwn(auths, server) ? server : undefined;
  key ??= Object.keys(auths).find((k) => convertToHostname(k) === convertToHostname(server));
  if (key === undefined) return undefined;
  const entry = auths[key];
  const out: AuthConfig = { serveraddress: key };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) throw new Error("invalid auth configuration file");
    out.username = decoded.slice(0, colon);
    out.password = decoded.slice(colon + 1).replace(/\0+$/, "");
  }
  if (entry.identitytoken) out.identitytoken = entry.identitytoken;
  if (entry.email) out.email = entry.email;
  return out;
}

/** As docker saves it: tab-indented JSON, readable by its owner only (it holds passwords). */
function writeConfig(env: Record<string, string | undefined>, config: ConfigFile): void {
  writeFileAtomic(configPath(env), JSON.stringify(config, null, "\t"), 0o600);
}

/** registrytypes.EncodeAuthConfig: base64url JSON, for X-Registry-Auth. */
export function encodeAuth(auth: AuthConfig | undefined): string {
  const clean = Object.fromEntries(Object.entries(auth ?? {}).filter(([, v]) => v !== undefined && v !== ""));
  return Buffer.from(JSON.stringify(clean)).toString("base64url");
}

/** Stores a login as docker's file store does: base64 "user:pass", or "user:" with an identity token. */
export function storeAuth(env: Record<string, string | undefined>, auth: AuthConfig): void {
  const config = readConfig(env);
  const server = auth.serveraddress ?? INDEX_SERVER;
  const password = auth.identitytoken ? "" : (auth.password ?? "");
  config.auths = {
    ...config.auths,
    [server]: {
      auth: Buffer.from(`${auth.username ?? ""}:${password}`).toString("base64"),
      ...(auth.identitytoken ? { identitytoken: auth.identitytoken } : {}),
    },
  };
  mkdirSync(configDir(env), { recursive: true, mode: 0o700 });
  writeConfig(env, config);
}

/** Removes the entries for these keys; true when one was there. */
export function eraseAuth(env: Record<string, string | undefined>, servers: string[]): boolean {
  const config = readConfig(env);
  const auths = config.auths ?? {};
  const present = servers.filter((s) => Object.hasOwn(auths, s));
  if (present.length === 0) return false;
  for (const s of present) delete auths[s];
  writeConfig(env, config);
  return true;
}
