import { invalid } from "../lib/errors.ts";

/** Where the daemon listens when nothing else is said. */
export const DEFAULT_HOST = "unix:///run/kapsel/kapsel.sock";

/** A parsed daemon address: a unix socket path, or a plain-HTTP TCP host and port. */
export type DaemonAddress =
  | { kind: "unix"; url: string; socketPath: string }
  | { kind: "tcp"; url: string; host: string; port: number };

/**
 * The daemon host, in Docker's order: `-H/--host`, then KAPSEL_HOST, then DOCKER_HOST, then the
 * default. Empty values count as unset. Only one -H is allowed (as in docker).
 */
export function selectHost(flagHosts: readonly string[], env: Record<string, string | undefined>): string {
  if (flagHosts.length > 1) throw invalid("Specify only one -H");
  if (flagHosts.length === 1 && flagHosts[0] !== "") return flagHosts[0];
  if (env.KAPSEL_HOST) return env.KAPSEL_HOST;
  if (env.DOCKER_HOST) return env.DOCKER_HOST;
  return DEFAULT_HOST;
}

/**
 * Parses `unix:///path`, `/path` (a bare socket path), `tcp://host:port` or `http://host:port`.
 * TLS is not supported.
 */
export function parseHost(raw: string): DaemonAddress {
  const value = raw.trim();
  if (value.startsWith("/")) return { kind: "unix", url: `unix://${value}`, socketPath: value };
  const m = /^([a-z]+):\/\/(.*)$/.exec(value);
  if (!m) throw invalid(`unable to parse docker host \`${raw}\``);
  const [, proto, rest] = m;
  if (proto === "unix") {
    if (rest === "") throw invalid(`invalid bind address (${raw}): empty socket path`);
    return { kind: "unix", url: value, socketPath: rest };
  }
  if (proto === "tcp" || proto === "http") {
    const hostPort = rest.replace(/\/+$/, "");
    const hp = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(hostPort);
    if (!hp) throw invalid(`invalid bind address (${raw})`);
    const host = (hp[1] || "127.0.0.1").replace(/^\[|\]$/g, "");
    const port = hp[2] ? Number(hp[2]) : 2375;
    return { kind: "tcp", url: `tcp://${hp[1] || "127.0.0.1"}:${port}`, host, port };
  }
  throw invalid(`Invalid bind address format: ${raw}`);
}
