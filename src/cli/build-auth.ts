import { readFileSync } from "node:fs";
import { type AuthConfig, configPath, storedAuth } from "./registry-auth.ts";

/**
 * The credentials `docker build` sends in X-Registry-Config (docker/cli build.go:
 * `configFile.GetAllCredentials()`): every stored login, by its `auths` key, so the daemon can
 * pull any FROM image. The build does not know which registries it will need, and docker
 * ignores a config it cannot read, so this never fails: an unreadable file or entry is left out.
 */
export function allStoredAuths(env: Record<string, string | undefined>): Record<string, AuthConfig> {
  let keys: string[];
  try {
    const config = JSON.parse(readFileSync(configPath(env), "utf8")) as { auths?: object };
    keys = Object.keys(config.auths ?? {});
  } catch {
    return {};
  }
  const out: Record<string, AuthConfig> = {};
  for (const key of keys.sort()) {
    try {
      const auth = storedAuth(env, key);
      // Go's omitempty: empty fields are not sent
      if (auth) out[key] = Object.fromEntries(Object.entries(auth).filter(([, v]) => v)) as AuthConfig;
    } catch {}
  }
  return out;
}
