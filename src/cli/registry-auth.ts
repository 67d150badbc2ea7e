import { mkdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../lib/atomic-file.ts";
import {
  CredentialsNotFoundError,
  helperErase,
  helperGet,
  helperList,
  helperStore,
} from "./credential-helper.ts";

/**
 * The client's registry credentials, kept as docker keeps them (docker/cli cli/config): a
 * config.json in ~/.docker (or $DOCKER_CONFIG). Without a helper, `auths` maps a registry to
 * base64 "user:pass" (plus an identity token when the registry gave one). With `credsStore`, or
 * a `credHelpers` entry for the registry (which wins), the secrets go to the external program
 * docker-credential-<name> (credential-helper.ts) and `auths` keeps an empty entry `{}` for the
 * registry (it would hold the email docker once kept). Other keys of the file are kept as they are.
 */

/** Docker Hub's key in `auths` (registry.IndexServer). */
export const INDEX_SERVER = "https://index.docker.io/v1/";

/** The username a helper stores an identity token under (credentials/native_store.go). */
const TOKEN_USERNAME = "<token>";

type Env = Record<string, string | undefined>;

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

type AuthEntry = { auth?: string; identitytoken?: string; email?: string; registrytoken?: string };

interface ConfigData {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

/** config.json as loaded for one command; the stores below read and save it. */
interface ConfigFile {
  env: Env;
  path: string;
  data: ConfigData;
}

/** Where a registry's credentials live: the file itself, or a helper program. */
interface CredentialStore {
  /** the credentials for a key; an empty AuthConfig when there are none */
  get(server: string): AuthConfig;
  getAll(): Record<string, AuthConfig>;
  /** true when the password was written into config.json itself (docker then warns) */
  store(auth: AuthConfig): boolean;
  erase(server: string): void;
}

export function configDir(env: Env): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), ".docker");
}

export function configPath(env: Env): string {
  return join(configDir(env), "config.json");
}

function loadConfig(env: Env): ConfigFile {
  const path = configPath(env);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return { env, path, data: {} };
  }
  if (text.trim() === "") return { env, path, data: {} };
  try {
    return { env, path, data: JSON.parse(text) as ConfigData };
  } catch (err) {
    throw new Error(`loading config file: ${path}: ${(err as Error).message}`);
  }
}

/** As docker saves it: `auths` first, tab-indented JSON, readable by its owner only (it may hold passwords). */
function saveConfig(config: ConfigFile): void {
  const { auths, ...rest } = config.data;
  mkdirSync(configDir(config.env), { recursive: true, mode: 0o700 });
  writeFileAtomic(config.path, JSON.stringify({ auths: auths ?? {}, ...rest }, null, "\t"), 0o600);
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
  return domain === "docker.io" || domain === "index.docker.io" ? INDEX_SERVER : domain;
}

/** configfile.decodeAuth: base64 "user:pass", the password's trailing NULs cut. */
function decodeEntry(key: string, entry: AuthEntry): AuthConfig {
  const out: AuthConfig = { serveraddress: key };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon <= 0) throw new Error("invalid auth configuration file");
    out.username = decoded.slice(0, colon);
    out.password = decoded.slice(colon + 1).replace(/\0+$/, "");
  }
  if (entry.email) out.email = entry.email;
  if (entry.identitytoken) out.identitytoken = entry.identitytoken;
  if (entry.registrytoken) out.registrytoken = entry.registrytoken;
  return out;
}

/** configfile.SaveToWriter's form of an entry: the user and password folded into `auth`. */
function encodeEntry(auth: AuthConfig): AuthEntry {
  const entry: AuthEntry = {};
  if (auth.username || auth.password) {
    entry.auth = Buffer.from(`${auth.username ?? ""}:${auth.password ?? ""}`).toString("base64");
  }
  if (auth.email) entry.email = auth.email;
  if (auth.identitytoken) entry.identitytoken = auth.identitytoken;
  if (auth.registrytoken) entry.registrytoken = auth.registrytoken;
  return entry;
}

function sameEntry(a: AuthEntry, b: AuthEntry): boolean {
  return (
    (a.auth ?? "") === (b.auth ?? "") &&
    (a.email ?? "") === (b.email ?? "") &&
    (a.identitytoken ?? "") === (b.identitytoken ?? "") &&
    (a.registrytoken ?? "") === (b.registrytoken ?? "")
  );
}

/** credentials/file_store.go: the passwords in config.json itself. */
function fileStore(config: ConfigFile): CredentialStore {
  const auths = () => (config.data.auths ??= {});
  return {
    get(server) {
      const all = auths();
      if (Object.hasOwn(all, server)) return decodeEntry(server, all[server]);
      // a legacy file may key a registry by its URL
      const key = Object.keys(all).find((k) => convertToHostname(k) === server);
      return key === undefined ? {} : decodeEntry(key, all[key]);
    },
    getAll() {
      return Object.fromEntries(Object.entries(auths()).map(([k, e]) => [k, decodeEntry(k, e)]));
    },
    store(auth) {
      const server = auth.serveraddress ?? "";
      const entry = encodeEntry(auth);
      const old = auths()[server];
      // unchanged credentials leave the file as it is, and warn nobody
      if (old !== undefined && sameEntry(old, entry)) return false;
      auths()[server] = entry;
      saveConfig(config);
      return (auth.password ?? "") !== "";
    },
    erase(server) {
      if (!Object.hasOwn(auths(), server)) return;
      delete auths()[server];
      saveConfig(config);
    },
  };
}

/** credentials/native_store.go: the secrets in a helper, an empty entry (for the email) in the file. */
function nativeStore(config: ConfigFile, helper: string): CredentialStore {
  const file = fileStore(config);
  const env = config.env;
  /** the helper's answer as an AuthConfig; empty when it has nothing for the server */
  const fromHelper = (server: string): AuthConfig => {
    let creds: ReturnType<typeof helperGet>;
    try {
      creds = helperGet(helper, server, env);
    } catch (err) {
      if (err instanceof CredentialsNotFoundError) return {};
      throw err;
    }
    return creds.Username === TOKEN_USERNAME
      ? { identitytoken: creds.Secret, serveraddress: server }
      : { username: creds.Username, password: creds.Secret, serveraddress: server };
  };
  const withEmail = (fromFile: AuthConfig, creds: AuthConfig): AuthConfig =>
    clean({ email: fromFile.email, ...creds });
  return {
    get(server) {
      let fromFile: AuthConfig = {};
      try {
        fromFile = file.get(server);
      } catch {}
      return withEmail(fromFile, fromHelper(server));
    },
    getAll() {
      const servers = helperList(helper, env);
      let fromFile: Record<string, AuthConfig> = {};
      try {
        fromFile = file.getAll();
      } catch {}
      const out: Record<string, AuthConfig> = {};
      for (const server of Object.keys(servers))
        out[server] = withEmail(fromFile[server] ?? {}, fromHelper(server));
      return out;
    },
    store(auth) {
      const token = (auth.identitytoken ?? "") !== "";
      helperStore(
        helper,
        {
          ServerURL: auth.serveraddress ?? "",
          Username: token ? TOKEN_USERNAME : (auth.username ?? ""),
          Secret: token ? (auth.identitytoken ?? "") : (auth.password ?? ""),
        },
        env,
      );
      file.store({ serveraddress: auth.serveraddress, email: auth.email, registrytoken: auth.registrytoken });
      return false;
    },
    erase(server) {
      helperErase(helper, server, env);
      file.erase(server);
    },
  };
}

/** GetCredentialsStore: the registry's credHelpers entry, else credsStore, else the file. */
function credentialStore(config: ConfigFile, hostname: string): CredentialStore {
  const key = registryKey(hostname);
  const helpers = config.data.credHelpers ?? {};
  const helper =
    (hostname !== "" && Object.hasOwn(helpers, key) ? helpers[key] : "") || config.data.credsStore;
  return helper ? nativeStore(config, helper) : fileStore(config);
}

/** Empty fields left out, as Go's omitempty does. */
function clean(auth: AuthConfig): AuthConfig {
  return Object.fromEntries(
    Object.entries(auth).filter(([, v]) => v !== undefined && v !== ""),
  ) as AuthConfig;
}

/**
 * configfile.GetAuthConfig: the stored credentials for a registry key (the index server or a
 * host[:port]), or undefined when there are none. A failing helper throws its error.
 */
export function retrieveAuth(env: Env, server: string): AuthConfig | undefined {
  const config = loadConfig(env);
  const key = registryKey(server);
  const auth = clean(credentialStore(config, key).get(key));
  return Object.keys(auth).length === 0 ? undefined : auth;
}

/**
 * command.ResolveAuthConfig, what pull, push and search send: as retrieveAuth, but a failing
 * helper means no credentials (its own stderr has told the user), and the registry decides.
 */
export function storedAuth(env: Env, server: string): AuthConfig | undefined {
  const config = loadConfig(env);
  const key = registryKey(server);
  try {
    const auth = clean(credentialStore(config, key).get(key));
    return Object.keys(auth).length === 0 ? undefined : auth;
  } catch (err) {
    if ((err as Error).message === "invalid auth configuration file") throw err;
    return undefined;
  }
}

/**
 * configfile.GetAllCredentials, what a build sends in X-Registry-Config: every login of the
 * default store (the file, or credsStore's helper), then each credHelpers registry's. An entry
 * the file cannot decode, or a credHelpers registry whose helper fails, is left out.
 * A failing credsStore helper throws.
 */
export function allCredentials(env: Env): Record<string, AuthConfig> {
  const config = loadConfig(env);
  const out: Record<string, AuthConfig> = {};
  const store = credentialStore(config, "");
  if (config.data.credsStore) Object.assign(out, store.getAll());
  else {
    for (const key of Object.keys(config.data.auths ?? {})) {
      try {
        out[key] = store.get(key);
      } catch {}
    }
  }
  for (const hostname of Object.keys(config.data.credHelpers ?? {})) {
    try {
      const key = registryKey(hostname);
      out[hostname] = credentialStore(config, key).get(key);
    } catch {}
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, clean(v)]));
}

/**
 * The logins `run --use-api-socket` hands the container (docker/cli's readCredentials): those of
 * DOCKER_AUTH_CONFIG (a config.json's text) when it holds any, else allCredentials.
 */
export function apiSocketCredentials(env: Env): Record<string, AuthConfig> {
  const inline = env.DOCKER_AUTH_CONFIG;
  if (inline) {
    let data: ConfigData;
    try {
      data = JSON.parse(inline) as ConfigData;
    } catch (err) {
      throw new Error(`failed to read credentials from DOCKER_AUTH_CONFIG: ${(err as Error).message}`);
    }
    const auths = Object.entries(data.auths ?? {});
    if (auths.length > 0) return Object.fromEntries(auths.map(([k, e]) => [k, clean(decodeEntry(k, e))]));
  }
  return allCredentials(env);
}

/** configfile.SaveToWriter of a config file that holds only these logins. */
export function configWithLogins(creds: Record<string, AuthConfig>): string {
  const auths = Object.fromEntries(Object.entries(creds).map(([k, a]) => [k, encodeEntry(a)]));
  return JSON.stringify({ auths }, null, "\t");
}

/** registrytypes.EncodeAuthConfig: base64url JSON, for X-Registry-Auth. */
export function encodeAuth(auth: AuthConfig | undefined): string {
  return Buffer.from(JSON.stringify(clean(auth ?? {}))).toString("base64url");
}

/**
 * Stores a login (its serveraddress is the key) in the registry's store: the helper's, or the
 * file's base64 "user:pass" ("user:" and identitytoken for a token). True when the password
 * went into config.json unencrypted, for the caller's warning.
 */
export function storeAuth(env: Env, auth: AuthConfig): boolean {
  const config = loadConfig(env);
  const server = auth.serveraddress ?? INDEX_SERVER;
  return credentialStore(config, server).store({ ...auth, serveraddress: server });
}

/**
 * Erases each key from its registry's store, as docker's logout does; the errors by key
 * (a helper's erase of a key it does not hold usually fails).
 */
export function eraseAuth(env: Env, servers: string[]): Map<string, Error> {
  const config = loadConfig(env);
  const errors = new Map<string, Error>();
  for (const server of servers) {
    try {
      credentialStore(config, server).erase(server);
    } catch (err) {
      errors.set(server, err as Error);
    }
  }
  return errors;
}
