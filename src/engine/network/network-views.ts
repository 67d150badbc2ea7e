import { invalid } from "../../lib/errors.ts";
import { parseTimestamp } from "../../lib/timestamp.ts";
import type { EndpointRecord, NetworkRecord, SandboxRecord } from "./network-store.ts";

/**
 * Docker's shapes for networks and endpoints (moby's network.Inspect and EndpointSettings),
 * made from the records in one place, and Docker's list and prune filters over them.
 */

export interface NetworkContainer {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

export interface NetworkResource {
  Name: string;
  Id: string;
  Created: string;
  Scope: "local";
  Driver: string;
  EnableIPv4: boolean;
  EnableIPv6: boolean;
  IPAM: {
    Driver: string;
    Options: Record<string, string> | null;
    Config:
      | { Subnet?: string; Gateway?: string; IPRange?: string; AuxiliaryAddresses?: Record<string, string> }[]
      | null;
  };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<string, NetworkContainer>;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

export interface EndpointSettings {
  IPAMConfig: { IPv4Address?: string; IPv6Address?: string; LinkLocalIPs?: string[] } | null;
  Links: string[] | null;
  MacAddress: string;
  Aliases: string[] | null;
  DriverOpts: Record<string, string> | null;
  GwPriority: number;
  NetworkID: string;
  EndpointID: string;
  Gateway: string;
  IPAddress: string;
  IPPrefixLen: number;
  IPv6Gateway: string;
  GlobalIPv6Address: string;
  GlobalIPv6PrefixLen: number;
  DNSNames: string[] | null;
}

/** Docker's NetworkSettings.Ports: every exposed port, null when it is not published. */
export type PortMap = Record<string, { HostIp: string; HostPort: string }[] | null>;

export function networkResource(
  net: NetworkRecord,
  sandboxes: Iterable<SandboxRecord>,
  withContainers: boolean,
): NetworkResource {
  const containers: Record<string, NetworkContainer> = {};
  if (withContainers) {
    for (const sb of sandboxes) {
      for (const ep of sb.endpoints) {
        if (ep.networkId !== net.id) continue;
        containers[sb.containerId] = {
          Name: ep.name,
          EndpointID: ep.id,
          MacAddress: ep.mac,
          IPv4Address: `${ep.ip}/${ep.prefixLen}`,
          IPv6Address: ep.ip6 ? `${ep.ip6}/${ep.prefixLen6 ?? 64}` : "",
        };
      }
    }
  }
  const a = net.addressing;
  const a6 = net.addressing6;
  return {
    Name: net.name,
    Id: net.id,
    Created: net.created,
    Scope: "local",
    Driver: net.driver,
    EnableIPv4: net.driver === "bridge",
    EnableIPv6: net.addressing6 !== undefined,
    IPAM: {
      Driver: "default",
      Options: net.predefined ? null : net.ipamOptions,
      Config: a
        ? [
            {
              Subnet: a.subnet,
              Gateway: a.gateway,
              ...(a.ipRange ? { IPRange: a.ipRange } : {}),
              ...(a.auxAddresses ? { AuxiliaryAddresses: a.auxAddresses } : {}),
            },
            ...(a6
              ? [{ Subnet: a6.subnet, Gateway: a6.gateway, ...(a6.ipRange ? { IPRange: a6.ipRange } : {}) }]
              : (net.ipv6Configs ?? [])),
          ]
        : net.predefined
          ? null
          : [],
    },
    Internal: net.internal,
    Attachable: net.attachable,
    Ingress: false,
    ConfigFrom: { Network: "" },
    ConfigOnly: false,
    Containers: containers,
    Options: net.options,
    Labels: net.labels,
  };
}

export function endpointSettings(ep: EndpointRecord, userDefined: boolean): EndpointSettings {
  return {
    IPAMConfig:
      ep.requestedIp || ep.requestedIp6 || ep.linkLocalIps
        ? {
            ...(ep.requestedIp ? { IPv4Address: ep.requestedIp } : {}),
            ...(ep.requestedIp6 ? { IPv6Address: ep.requestedIp6 } : {}),
            ...(ep.linkLocalIps ? { LinkLocalIPs: ep.linkLocalIps } : {}),
          }
        : null,
    Links: ep.links.length > 0 ? ep.links.map((l) => `${l.name}:${l.alias}`) : null,
    MacAddress: ep.mac,
    Aliases: ep.aliases.length > 0 ? ep.aliases : null,
    DriverOpts: null,
    GwPriority: ep.gwPriority ?? 0,
    NetworkID: ep.networkId,
    EndpointID: ep.id,
    Gateway: ep.gateway,
    IPAddress: ep.ip,
    IPPrefixLen: ep.prefixLen,
    IPv6Gateway: ep.gateway6 ?? "",
    GlobalIPv6Address: ep.ip6 ?? "",
    GlobalIPv6PrefixLen: ep.ip6 ? (ep.prefixLen6 ?? 64) : 0,
    DNSNames: userDefined ? ep.dnsNames : null,
  };
}

export function portMap(endpoints: readonly EndpointRecord[]): PortMap {
  const out: PortMap = {};
  for (const ep of endpoints) for (const key of ep.exposed) out[key] ??= null;
  for (const ep of endpoints) {
    for (const m of ep.ports) {
      const key = `${m.containerPort}/${m.proto}`;
      (out[key] ??= []).push({ HostIp: m.hostIp, HostPort: String(m.hostPort) });
    }
  }
  return out;
}

const LIST_FILTERS = ["dangling", "driver", "id", "label", "name", "scope", "type"];

/** Docker's `network ls` filters (moby daemon/network/filter.go). */
export function listFilter(
  filters: Map<string, string[]>,
): (net: NetworkRecord, hasEndpoints: boolean) => boolean {
  for (const key of filters.keys()) if (!LIST_FILTERS.includes(key)) throw invalid(`invalid filter '${key}'`);
  const dangling = filters.get("dangling") ?? [];
  if (dangling.length > 1) throw invalid(`got more than one value for filter key "dangling"`);
  if (dangling.length === 1 && !["0", "1", "true", "false"].includes(dangling[0]))
    throw invalid(`invalid value for filter 'dangling', must be "true" (or "1"), or "false" (or "0")`);
  for (const t of filters.get("type") ?? []) {
    if (t !== "custom" && t !== "builtin") throw invalid(`invalid filter: 'type'='${t}'`);
  }
  const some = (key: string, test: (v: string) => boolean) => {
    const values = filters.get(key) ?? [];
    return values.length === 0 || values.some(test);
  };
  return (net, hasEndpoints) =>
    some("driver", (v) => v === net.driver) &&
    some("name", (v) => v === net.name || regexMatch(v, net.name)) &&
    some("id", (v) => v === net.id || regexMatch(v, net.id)) &&
    (filters.get("label") ?? []).every((v) => hasLabel(net.labels, v)) &&
    some("scope", (v) => v === "local") &&
    some("type", (v) => (v === "builtin") === net.predefined) &&
    (dangling.length === 0 ||
      (["1", "true"].includes(dangling[0])
        ? !net.predefined && !hasEndpoints
        : net.predefined || hasEndpoints));
}

/** Docker's `network prune` filters: until, label, label!. */
export function pruneFilter(filters: Map<string, string[]>): (net: NetworkRecord) => boolean {
  for (const key of filters.keys()) {
    if (!["until", "label", "label!"].includes(key)) throw invalid(`invalid filter '${key}'`);
  }
  const until = filters.get("until") ?? [];
  if (until.length > 1) throw invalid("more than one until filter specified");
  const limit = until.length === 1 ? untilTime(until[0]) : undefined;
  const not = filters.get("label!") ?? [];
  return (net) =>
    (limit === undefined || Date.parse(net.created) < limit) &&
    (filters.get("label") ?? []).every((v) => hasLabel(net.labels, v)) &&
    !(not.length > 0 && not.every((v) => hasLabel(net.labels, v)));
}

function hasLabel(labels: Record<string, string>, v: string): boolean {
  const eq = v.indexOf("=");
  return eq < 0 ? v in labels : labels[v.slice(0, eq)] === v.slice(eq + 1);
}

/** moby's filters.Args.Match: the value is also a regular expression. */
function regexMatch(pattern: string, s: string): boolean {
  try {
    return new RegExp(pattern).test(s);
  } catch {
    return false;
  }
}

/** `until`: a timestamp, unix seconds, or a Go duration ago (10m, 1h30m). */
function untilTime(v: string): number {
  const d = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(v);
  if (d && v !== "" && !/^\d+(\.\d+)?$/.test(v)) {
    const secs = Number(d[1] ?? 0) * 3600 + Number(d[2] ?? 0) * 60 + Number(d[3] ?? 0);
    return Date.now() - secs * 1000;
  }
  return parseTimestamp(v).getTime();
}
