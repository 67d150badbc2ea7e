import { type AuthConfig, allCredentials } from "./registry-auth.ts";

/**
 * The credentials `docker build` sends in X-Registry-Config (docker/cli build.go:
 * `creds, _ := configFile.GetAllCredentials()`): every stored login, by its key, so the daemon
 * can pull any FROM image, whether config.json or a credential helper holds it. The build does
 * not know which registries it will need, and docker ignores credentials it cannot read, so this
 * never fails: an unreadable file or a failing credsStore helper gives none.
 */
export function allStoredAuths(env: Record<string, string | undefined>): Record<string, AuthConfig> {
  try {
    return allCredentials(env);
  } catch {
    return {};
  }
}
