import { readFileSync } from "node:fs";
import { invalid } from "../../lib/errors.ts";
import { DOCKER_HUB } from "./endpoints.ts";
import type { RegistryCredentials } from "./index.ts";

/**
 * Credentials for a registry: those a request brought (X-Registry-Auth, POST /auth), else the
 * daemon's own auth file (a Docker config.json: {"auths": {"host": {"auth": "<base64 u:p>"}}}),
 * else none (anonymous). The CLI's credential stores are the CLI's business, not the daemon's.
 */
export function resolveCredentials(
  domain: string,
  given: RegistryCredentials | undefined,
  authFile?: string,
): RegistryCredentials {
  if (given && hasAny(given)) return expandAuth(given);
  if (authFile) {
    const fromFile = readAuthFile(authFile)[domain];
    if (fromFile) return expandAuth(fromFile);
  }
  return {};
}

function hasAny(c: RegistryCredentials): boolean {
  return Boolean(c.username || c.password || c.auth || c.identitytoken || c.registrytoken);
}

/** The `auth` field (base64 of user:password) filled into username and password. */
export function expandAuth(c: RegistryCredentials): RegistryCredentials {
  if (c.username || !c.auth) return c;
  const text = Buffer.from(c.auth, "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon < 0) throw invalid("invalid auth configuration: auth is not base64 of username:password");
  return { ...c, username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Docker's ConvertToHostname plus its names for Docker Hub: the registry a server address means. */
export function registryDomain(serverAddress: string | undefined): string {
  if (!serverAddress) return DOCKER_HUB;
  let s = serverAddress.replace(/^https?:\/\//, "");
  s = s.split("/")[0];
  if (s === "index.docker.io" || s === "registry-1.docker.io" || s === "docker.io") return DOCKER_HUB;
  return s;
}

function readAuthFile(path: string): Record<string, RegistryCredentials> {
  let data: { auths?: Record<string, RegistryCredentials> };
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return {};
  }
  const out: Record<string, RegistryCredentials> = {};
  for (const [key, value] of Object.entries(data.auths ?? {})) out[registryDomain(key)] = value;
  return out;
}

/**
 * X-Registry-Auth: base64url (or standard base64) JSON of an AuthConfig. Pulls ignore one that
 * does not decode, as Docker does; an empty header means none.
 */
export function decodeAuthHeader(header: string | undefined): RegistryCredentials | undefined {
  if (!header) return undefined;
  try {
    const json = Buffer.from(header.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8");
    const parsed = JSON.parse(json) as RegistryCredentials;
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}
