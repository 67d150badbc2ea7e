import { readFileSync } from "node:fs";
import { compareStrings } from "../../lib/compare.ts";
import { invalid, notImplemented } from "../../lib/errors.ts";
import { formatIPv6, parseIPv6 } from "../../lib/ipv6.ts";
import { formatIPv4, parseIPv4 } from "./ipv4.ts";

/**
 * The engine's side of `-p`/`-P`: HostConfig.PortBindings and Config.ExposedPorts (as the CLI
 * sends them, ranges already expanded per container port) turned into what must be published,
 * as moby's buildPortsRelatedCreateEndpointOptions does.
 */

export type Proto = "tcp" | "udp" | "sctp";

export interface PortBindingInput {
  HostIp?: string;
  HostPort?: string;
}

/** One host port to find and map to a container port. */
export interface PortRequest {
  proto: Proto;
  containerPort: number;
  /**
   * The host addresses that get the same port: one, or "0.0.0.0" and "::" for every address
   * (an IPv6 address is served by kapseld's proxy, the IPv4 ones by the kernel's DNAT)
   */
  hostIps: string[];
  /** 0 and 0: any free port of the ephemeral range (-P, or an empty HostPort) */
  hostPortStart: number;
  hostPortEnd: number;
}

/** "80/tcp", "53/udp", "8080" (tcp) → number and protocol. */
export function parsePortKey(key: string): { port: number; proto: Proto } {
  const slash = key.indexOf("/");
  const portText = slash < 0 ? key : key.slice(0, slash);
  const proto = (slash < 0 ? "tcp" : key.slice(slash + 1).toLowerCase()) || "tcp";
  const port = parsePortNumber(portText);
  if (port === undefined || port === 0) throw invalid(`invalid port specification: "${key}"`);
  if (proto !== "tcp" && proto !== "udp" && proto !== "sctp") throw invalid(`invalid proto "${proto}"`);
  return { port, proto };
}

function parsePortNumber(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

/** A HostPort value: "" (any free port), "8080" or "8000-8010" (the first free one). */
export function parseHostPort(text: string): [number, number] {
  if (text === "" || text === "0") return [0, 0];
  const dash = text.indexOf("-");
  const start = parsePortNumber(dash < 0 ? text : text.slice(0, dash));
  const end = dash < 0 ? start : parsePortNumber(text.slice(dash + 1));
  if (start === undefined || end === undefined || start === 0 || end < start)
    throw invalid(`error parsing HostPort value(${text}):invalid port range: ${text}`);
  return [start, end];
}

export function portRequests(o: {
  portBindings?: Record<string, PortBindingInput[] | null> | null;
  exposedPorts?: Record<string, unknown> | null;
  publishAll?: boolean;
  /** the network's com.docker.network.bridge.host_binding_ipv4, default 0.0.0.0 */
  defaultHostIp?: string;
  /**
   * IPv6 host addresses can be published (dockerd's userland proxy, on a host with IPv6): as
   * in moby's addPortMappings, "every address" then means [::] too, on the same port.
   */
  ipv6?: boolean;
}): PortRequest[] {
  const defaultIp = o.defaultHostIp ? hostAddress(o.defaultHostIp) : "0.0.0.0";
  const ports: Record<string, PortBindingInput[] | null> = { ...(o.portBindings ?? {}) };
  if (o.publishAll) for (const key of Object.keys(o.exposedPorts ?? {})) ports[key] ??= null;
  const out: PortRequest[] = [];
  for (const [key, bindings] of Object.entries(ports)) {
    const { port, proto } = parsePortKey(key);
    const list = bindings && bindings.length > 0 ? bindings : o.publishAll ? [{}] : [];
    for (const b of list) {
      const [hostPortStart, hostPortEnd] = parseHostPort(b.HostPort ?? "");
      const given = b.HostIp ? hostAddress(b.HostIp) : undefined;
      const addresses = given ? [given] : defaultIp === "0.0.0.0" ? ["0.0.0.0", "::"] : [defaultIp];
      const hostIps = addresses.filter((ip) => !ip.includes(":") || (o.ipv6 && proto !== "sctp"));
      if (given?.includes(":") && o.ipv6 && proto === "sctp")
        throw notImplemented("IPv6 host addresses for sctp ports are not supported by kapsel");
      // else moby too leaves IPv6 out: no userland proxy, or a host without IPv6
      if (hostIps.length > 0) out.push({ proto, containerPort: port, hostIps, hostPortStart, hostPortEnd });
    }
  }
  return out.sort((a, b) => a.containerPort - b.containerPort || compareStrings(a.proto, b.proto));
}

/** A host address as Docker prints it (net.IP.String()): IPv4 dotted, IPv6 shortest, mapped IPv4 unmapped. */
export function hostAddress(text: string): string {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return formatIPv4(v4);
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const n = parseIPv6(bare);
  if (n === undefined) throw invalid(`invalid host IP address: ${text}`);
  return n >> 32n === 0xffffn ? formatIPv4(Number(n & 0xffffffffn)) : formatIPv6(n);
}

/** moby's IsV6Listenable: the host has IPv6, with its loopback address ::1. */
export function hostHasIPv6(): boolean {
  try {
    return /^0{31}1 /m.test(readFileSync("/proc/net/if_inet6", "utf8"));
  } catch {
    return false;
  }
}

/** Exposed and published container ports as keys ("80/tcp"), for Docker's Ports map with nulls. */
export function exposedKeys(o: {
  portBindings?: Record<string, unknown> | null;
  exposedPorts?: Record<string, unknown> | null;
}): string[] {
  const keys = new Set<string>();
  for (const key of [...Object.keys(o.exposedPorts ?? {}), ...Object.keys(o.portBindings ?? {})]) {
    const { port, proto } = parsePortKey(key);
    keys.add(`${port}/${proto}`);
  }
  return [...keys];
}
