import { randomBytes } from "node:crypto";
import { isIP } from "node:net";
import { compareStrings } from "../../lib/compare.ts";
import { invalid, KapselError, notFound, notImplemented } from "../../lib/errors.ts";
import { shortId } from "../../lib/ids.ts";
import { canonicalIPv6 } from "../../lib/ipv6.ts";
import type { DnsEndpoint } from "./dns-records.ts";
import type { FirewallInput, FirewallMapping } from "./firewall-plan.ts";
import type { ConnectOptions, NetworkCreateRequest } from "./index.ts";
import { allocateAddress, macForAddress, prefixLength } from "./ipam.ts";
import { allocateAddress6, ipv6AddressError, prefixLength6 } from "./ipam6.ts";
import type { BridgeLink, EndpointLink } from "./link-plan.ts";
import type { EndpointRecord, NetworkRecord, SandboxRecord } from "./network-store.ts";

/**
 * From records to what the planners and the DNS take, and the pure steps of connect: all of
 * it without I/O, so the service keeps only the order of things and the kernel calls.
 */

/** Docker's driver options that kapsel acts on. */
export const OPT = {
  bridgeName: "com.docker.network.bridge.name",
  icc: "com.docker.network.bridge.enable_icc",
  masquerade: "com.docker.network.bridge.enable_ip_masquerade",
  hostBinding: "com.docker.network.bridge.host_binding_ipv4",
  mtu: "com.docker.network.driver.mtu",
  defaultBridge: "com.docker.network.bridge.default_bridge",
} as const;

const PREDEFINED = ["bridge", "host", "none", "default"];

export function newNetworkRecord(
  name: string,
  driver: NetworkRecord["driver"],
  o: { predefined: boolean },
): NetworkRecord {
  return {
    id: randomBytes(32).toString("hex"),
    name,
    driver,
    created: new Date().toISOString(),
    internal: false,
    attachable: false,
    labels: {},
    options: {},
    ipamOptions: {},
    predefined: o.predefined,
  };
}

/**
 * The record for POST /networks/create, checked as moby checks it (name uniqueness and the
 * addressing are the caller's: they need the other networks and the host's routes).
 */
export function networkFromRequest(req: NetworkCreateRequest): NetworkRecord {
  const name = req.Name ?? "";
  if (name === "") throw invalid("network name must not be empty");
  if (PREDEFINED.includes(name)) throw forbidden(`operation is not permitted on predefined ${name} network `);
  const driver = req.Driver || "bridge";
  if (driver === "host" || driver === "null" || driver === "none")
    throw forbidden(`only one instance of "${driver}" network is allowed`);
  // a node outside a swarm, as kapsel always is (moby's words; its swarm routes answer so too)
  if (driver === "overlay")
    throw forbidden(
      'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.',
    );
  if (["macvlan", "ipvlan"].includes(driver))
    throw notImplemented(`the ${driver} network driver is not supported by kapsel yet`);
  if (driver !== "bridge") throw notFound(`plugin "${driver}" not found`);
  if (req.EnableIPv4 === false) throw notImplemented("networks without IPv4 are not supported by kapsel yet");
  if (req.IPAM?.Driver && req.IPAM.Driver !== "default")
    throw notImplemented(`the ${req.IPAM.Driver} IPAM driver is not supported by kapsel`);
  const rec = newNetworkRecord(name, "bridge", { predefined: false });
  rec.internal = req.Internal === true;
  rec.attachable = req.Attachable === true;
  rec.labels = { ...(req.Labels ?? {}) };
  rec.options = { ...(req.Options ?? {}) };
  rec.ipamOptions = req.IPAM?.Options ? { ...req.IPAM.Options } : null;
  rec.bridge = rec.options[OPT.bridgeName] || `br-${rec.id.slice(0, 12)}`;
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(rec.bridge)) throw invalid(`invalid bridge name: ${rec.bridge}`);
  return rec;
}

export function forbidden(msg: string): KapselError {
  return new KapselError("forbidden", msg);
}

/** Docker's findUniqueNetwork: full ID, exact name, then a unique ID prefix. */
export function findNetwork(all: readonly NetworkRecord[], idOrName: string): NetworkRecord {
  const byId = all.find((n) => n.id === idOrName);
  if (byId) return byId;
  const byName = all.filter((n) => n.name === idOrName);
  if (byName.length === 1) return byName[0];
  if (byName.length > 1)
    throw invalid(`network ${idOrName} is ambiguous (${byName.length} matches found based on name)`);
  const byPrefix = idOrName === "" ? [] : all.filter((n) => n.id.startsWith(idOrName));
  if (byPrefix.length === 1) return byPrefix[0];
  if (byPrefix.length > 1)
    throw invalid(`network ${idOrName} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
  throw notFound(`network ${idOrName} not found`);
}

/** moby's validateEndpointSettings, for what kapsel supports. */
export function checkEndpointSettings(net: NetworkRecord, o: ConnectOptions): void {
  if (net.driver === "host")
    throw invalid(
      "cannot connect container to host network - container must be created in host network mode",
    );
  if (net.driver === "null")
    throw invalid(
      "container cannot be connected to multiple networks with one of the networks in private (none) mode",
    );
  const errs: string[] = [];
  if (net.predefined && (o.ipv4Address || o.ipv6Address))
    errs.push("user specified IP address is supported on user defined networks only");
  else if (o.ipv6Address) {
    const a6 = net.addressing6;
    // the user's IPv6 subnets: a network's own when it has IPv6, else the inert ones of its request
    const subnets = a6
      ? a6.userSubnet
        ? [{ Subnet: a6.subnet, IPRange: a6.ipRange }]
        : []
      : (net.ipv6Configs ?? []);
    const err = ipv6AddressError(o.ipv6Address, subnets);
    if (err) errs.push(err);
  }
  if (net.predefined && (o.aliases ?? []).length > 0)
    errs.push("network-scoped alias is supported only for containers in user defined networks");
  if (o.macAddress && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(o.macAddress))
    errs.push(`invalid MAC address: ${o.macAddress}`);
  // moby takes any address here (the kernel is the judge of it); an unparsable one is refused
  for (const ip of o.linkLocalIps ?? [])
    if (!isIP(ip) || ip === "0.0.0.0" || ip === "::") errs.push(`invalid link-local IP address: ${ip}`);
  // a name the kernel takes (IFNAMSIZ), and nothing an `ip -batch` line could misread
  if (
    o.ifName !== undefined &&
    (!/^[A-Za-z0-9_.-]{1,15}$/.test(o.ifName) || o.ifName === "." || o.ifName === "..")
  )
    errs.push(`invalid interface name: ${o.ifName}`);
  for (const sysctl of o.sysctls ?? []) {
    const parts = sysctl.split(".", 5);
    if (
      parts.length !== 5 ||
      !["ipv4", "ipv6", "mpls"].includes(parts[1]) ||
      !["IFNAME", "ifname"].includes(parts[3])
    )
      errs.push(
        `unrecognised network interface sysctl '${sysctl}'; represent 'net.X.Y.ethN.Z=V' as 'net.X.Y.IFNAME.Z=V', 'X' must be 'ipv4', 'ipv6' or 'mpls'`,
      );
  }
  if (errs.length > 0)
    throw invalid(`invalid endpoint settings:\n${errs.length === 1 ? errs[0] : `* ${errs.join("\n* ")}`}`);
}

/**
 * A new endpoint of `sb` on `net`: its address (lowest free, or the one asked for), interface
 * names, MAC, whether it carries the default route, its DNS names (user networks only).
 * Ports are left to the caller.
 */
export function planEndpoint(o: {
  net: NetworkRecord;
  sb: SandboxRecord;
  opts: ConnectOptions;
  used: ReadonlySet<string>;
  /** the network's IPv6 addresses in use (a network with IPv6) */
  used6?: ReadonlySet<string>;
}): EndpointRecord {
  const { net, sb, opts } = o;
  const addressing = net.addressing!;
  const ip = allocateAddress({ addressing, used: o.used, requested: opts.ipv4Address });
  const a6 = net.addressing6;
  const ip6 =
    a6 && allocateAddress6({ addressing: a6, used: o.used6 ?? new Set(), requested: opts.ipv6Address });
  const userDefined = !net.predefined;
  const names = [opts.name, ...(opts.aliases ?? []), shortId(sb.containerId), opts.hostname ?? ""];
  return {
    id: randomBytes(32).toString("hex"),
    networkId: net.id,
    ifName: opts.ifName || nextIfName(sb),
    hostVeth: `veth${randomBytes(4).toString("hex").slice(0, 7)}`,
    ip,
    prefixLen: prefixLength(addressing),
    gateway: net.internal ? "" : addressing.gateway,
    mac: opts.macAddress || macForAddress(ip),
    defaultRoute: false, // the caller picks the gateway endpoint (gatewayEndpoint) once this is in
    name: opts.name,
    aliases: userDefined ? [...(opts.aliases ?? [])] : [],
    dnsNames: userDefined ? [...new Set(names.filter(Boolean))] : [],
    links: [...(opts.links ?? [])],
    requestedIp: opts.ipv4Address || undefined,
    ...(opts.ipv6Address ? { requestedIp6: opts.ipv6Address } : {}),
    ...(a6 && ip6
      ? { ip6, prefixLen6: prefixLength6(a6), gateway6: net.internal ? "" : canonicalIPv6(a6.gateway) }
      : {}),
    ...(opts.linkLocalIps?.length ? { linkLocalIps: [...opts.linkLocalIps] } : {}),
    ...(opts.sysctls?.length ? { sysctls: [...opts.sysctls] } : {}),
    ...(opts.gwPriority ? { gwPriority: opts.gwPriority } : {}),
    ports: [],
    exposed: [],
  };
}

/**
 * The endpoint that gives the container its default route, in moby's Endpoint.Less order:
 * the highest GwPriority, then one with both IPv4 and IPv6 gateways, then the network whose
 * name sorts first. Endpoints of internal networks have no gateway and never give it.
 */
export function gatewayEndpoint(
  endpoints: readonly EndpointRecord[],
  networkName: (ep: EndpointRecord) => string,
): EndpointRecord | undefined {
  const gateways = (e: EndpointRecord) => (e.gateway ? 1 : 0) + (e.gateway6 ? 1 : 0);
  return endpoints
    .filter((e) => e.gateway !== "")
    .sort(
      (a, b) =>
        (b.gwPriority ?? 0) - (a.gwPriority ?? 0) ||
        gateways(b) - gateways(a) ||
        compareStrings(networkName(a), networkName(b)),
    )[0];
}

function nextIfName(sb: SandboxRecord): string {
  for (let i = 0; ; i++) if (!sb.endpoints.some((e) => e.ifName === `eth${i}`)) return `eth${i}`;
}

function mtuOf(net: NetworkRecord): number | undefined {
  const mtu = Number(net.options[OPT.mtu]);
  return Number.isInteger(mtu) && mtu >= 68 && mtu !== 1500 ? mtu : undefined;
}

export function bridgeLink(net: NetworkRecord): BridgeLink {
  const a = net.addressing!;
  const a6 = net.addressing6;
  return {
    name: net.bridge!,
    gateway: a.gateway,
    prefixLen: prefixLength(a),
    ...(a6 ? { ipv6: { gateway: a6.gateway, prefixLen: prefixLength6(a6) } } : {}),
    mtu: mtuOf(net),
  };
}

export function endpointLink(net: NetworkRecord, ep: EndpointRecord, sb: SandboxRecord): EndpointLink {
  return {
    bridge: net.bridge!,
    hostVeth: ep.hostVeth,
    ifName: ep.ifName,
    mac: ep.mac,
    ip: ep.ip,
    prefixLen: ep.prefixLen,
    gateway: ep.gateway,
    ...(ep.ip6 ? { ipv6: { ip: ep.ip6, prefixLen: ep.prefixLen6 ?? 64, gateway: ep.gateway6 ?? "" } } : {}),
    defaultRoute: ep.defaultRoute,
    netnsPath: sb.netnsPath,
    mtu: mtuOf(net),
    linkLocal: ep.linkLocalIps ?? [],
    ...(ep.sysctls?.length ? { sysctls: ep.sysctls } : {}),
  };
}

/** The firewall planner's input: bridge networks (in order) and the published ports of live endpoints. */
export function firewallInput(
  prefix: string,
  bridgeNetworks: readonly NetworkRecord[],
  networks: ReadonlyMap<string, NetworkRecord>,
  sandboxes: Iterable<SandboxRecord>,
): FirewallInput {
  const mappings: FirewallMapping[] = [];
  for (const sb of sandboxes) {
    for (const ep of sb.endpoints) {
      const net = networks.get(ep.networkId);
      if (!net?.bridge || net.internal) continue;
      for (const m of ep.ports) {
        // IPv6 host addresses are kapseld's proxy's (port-proxy.ts), not the kernel's
        if (!m.hostIp.includes(":")) mappings.push({ ...m, bridge: net.bridge, containerIp: ep.ip });
      }
    }
  }
  return {
    prefix,
    networks: bridgeNetworks.map((n) => ({
      bridge: n.bridge!,
      subnet: n.addressing!.subnet,
      gateway: n.addressing!.gateway,
      internal: n.internal,
      masquerade: n.options[OPT.masquerade] !== "false",
      icc: n.options[OPT.icc] !== "false",
      dns: !n.predefined,
      ipv6: n.addressing6 !== undefined,
    })),
    mappings,
  };
}

/** Every endpoint on a user network, as the DNS resolution sees it. */
export function dnsEndpoints(
  networks: ReadonlyMap<string, NetworkRecord>,
  sandboxes: Iterable<SandboxRecord>,
): DnsEndpoint[] {
  const out: DnsEndpoint[] = [];
  for (const sb of sandboxes) {
    for (const ep of sb.endpoints) {
      const net = networks.get(ep.networkId);
      if (!net || net.predefined) continue;
      out.push({
        containerId: sb.containerId,
        containerName: ep.name,
        networkId: net.id,
        networkName: net.name,
        ip: ep.ip,
        ...(ep.ip6 ? { ip6: ep.ip6 } : {}),
        names: ep.dnsNames,
        links: ep.links,
      });
    }
  }
  return out;
}
