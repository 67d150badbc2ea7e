import { posix } from "node:path";
import type { ContainerCreateRequest, EngineClient } from "../client/index.ts";
import { packStream } from "../lib/tar/pack-stream.ts";
import { type AuthConfig, apiSocketCredentials, configWithLogins } from "./registry-auth.ts";

/**
 * `run --use-api-socket` (docker/cli 28): the engine's socket at /var/run/docker.sock in the
 * container, and (unless the container sets DOCKER_CONFIG itself) the client's registry logins
 * in /run/secrets/docker/config.json, with DOCKER_CONFIG pointing there, so that a docker CLI
 * inside works as the one outside. The socket is the one this client talks to, which must be a
 * unix socket.
 */
const CONFIG_IN_CONTAINER = "/run/secrets/docker/config.json";

/** Adds the socket's mount (and DOCKER_CONFIG) to the request; returns the logins to copy in once created. */
export function useApiSocket(
  body: ContainerCreateRequest,
  client: EngineClient,
  env: Record<string, string | undefined>,
): Record<string, AuthConfig> | undefined {
  if (client.address.kind !== "unix")
    throw new Error(
      `flag --use-api-socket can only be used with unix sockets: docker endpoint ${client.address.url} incompatible`,
    );
  const socket = client.address.socketPath;
  const hostConfig = (body.HostConfig ??= {});
  (hostConfig.Mounts ??= []).push({
    Type: "bind",
    Source: socket,
    Target: "/var/run/docker.sock",
    BindOptions: {},
  });
  if ((body.Env ?? []).some((e) => e.startsWith("DOCKER_CONFIG="))) return undefined;
  let logins: Record<string, AuthConfig>;
  try {
    logins = apiSocketCredentials(env);
  } catch (err) {
    throw new Error(`resolving credentials failed: ${(err as Error).message}`);
  }
  if (Object.keys(logins).length === 0) return undefined;
  (body.Env ??= []).push(`DOCKER_CONFIG=${posix.dirname(CONFIG_IN_CONTAINER)}`);
  return logins;
}

/** copyDockerConfigIntoContainer: the warning to print when it failed. */
export async function copyLoginsIn(
  client: EngineClient,
  id: string,
  logins: Record<string, AuthConfig>,
): Promise<string | undefined> {
  const config = Buffer.from(configWithLogins(logins));
  const tar = packStream((add) =>
    add({ name: CONFIG_IN_CONTAINER, type: "file", mode: 0o600, size: config.length }, config),
  );
  try {
    await client.archive.put(id, "/", tar);
    return undefined;
  } catch (err) {
    return `injecting docker config.json into container failed: copying config.json into container failed: ${(err as Error).message}`;
  }
}
