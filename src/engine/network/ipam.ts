import { invalid, KapselError, unavailable } from "../../lib/errors.ts";
import {
  contains,
  formatIPv4,
  formatPrefix,
  lastOf,
  overlaps,
  type Prefix,
  parseCidr,
  parseIPv4,
  prefixOf,
} from "./ipv4.ts";

/**
 * IP address management, pure: which subnet a new network gets, whether a create request's
 * IPAM config is valid (Docker's messages), and which address an endpoint gets. The caller
 * keeps the set of used addresses (the persisted sandboxes) and decides under its lock.
 */

/** dockerd's `default-address-pools` entry: split `base` into subnets of `size` bits. */
export interface AddressPool {
  base: string;
  size: number;
}

/** moby's localScopeDefaultNetworks (ipamutils): 172.17-31 as /16s, then 192.168 as /20s. */
export const DEFAULT_ADDRESS_POOLS: readonly AddressPool[] = [
  { base: "172.17.0.0/16", size: 16 },
  { base: "172.18.0.0/16", size: 16 },
  { base: "172.19.0.0/16", size: 16 },
  { base: "172.20.0.0/14", size: 16 },
  { base: "172.24.0.0/14", size: 16 },
  { base: "172.28.0.0/14", size: 16 },
  { base: "192.168.0.0/16", size: 20 },
];

export function* poolSubnets(pools: readonly AddressPool[]): Generator<Prefix> {
  for (const pool of pools) {
    const base = parseCidr(pool.base);
    if (!base || pool.size < base.bits || pool.size > 30)
      throw invalid(`invalid default address pool: ${pool.base} (size ${pool.size})`);
    const whole = prefixOf(base.addr, base.bits);
    const step = 2 ** (32 - pool.size);
    for (let addr = whole.base; addr <= lastOf(whole); addr += step) yield { base: addr, bits: pool.size };
  }
}

/** The first pool subnet that overlaps none of `taken` (other networks, the host's routes). */
export function chooseSubnet(pools: readonly AddressPool[], taken: readonly Prefix[]): Prefix {
  for (const candidate of poolSubnets(pools)) {
    if (!taken.some((t) => overlaps(t, candidate))) return candidate;
  }
  throw invalid("all predefined address pools have been fully subnetted");
}

/** Docker's IPAMConfig as the API sends it. */
export interface IpamConfigInput {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

/** A network's IPv4 addressing, as stored. */
export interface Addressing {
  subnet: string;
  gateway: string;
  ipRange?: string;
  /** the subnet came from the user (then --ip is allowed, as in Docker) */
  userSubnet: boolean;
  /** --aux-address name=ip: addresses kept out of allocation (for hosts outside Docker) */
  auxAddresses?: Record<string, string>;
}

/**
 * Checks a create request's IPAM config the way moby's validateIpamConfig does and returns the
 * addressing; undefined when the request names no subnet (the caller picks one from the pools).
 */
export const isIPv6Config = (c: IpamConfigInput) => (c.Subnet ?? "").includes(":");

export function addressingFromConfig(configs: readonly IpamConfigInput[]): Addressing | undefined {
  const v4 = configs.filter((c) => !isIPv6Config(c));
  if (v4.length === 0) return undefined;
  if (v4.length > 1) throw new KapselError("not_implemented", "kapsel supports one IPv4 subnet per network");
  const c = v4[0];
  const errs: string[] = [];
  if (!c.Subnet) {
    if (c.Gateway || c.IPRange) errs.push("every ip-range or gateway must have a corresponding subnet");
    if (errs.length > 0) throw invalidConfig(errs);
    return undefined;
  }
  const cidr = parseCidr(c.Subnet);
  if (!cidr) throw invalid(`invalid network config:\ninvalid subnet ${c.Subnet}: invalid CIDR address`);
  const subnet = prefixOf(cidr.addr, cidr.bits);
  if (subnet.base !== cidr.addr)
    errs.push(`invalid subnet ${c.Subnet}: it should be ${formatPrefix(subnet)}`);
  if (subnet.bits > 30)
    errs.push(`invalid subnet ${c.Subnet}: a /${subnet.bits} leaves no room for containers`);
  let range: Prefix | undefined;
  if (c.IPRange) {
    const r = parseCidr(c.IPRange);
    if (!r) errs.push(`invalid ip-range ${c.IPRange}: invalid CIDR address`);
    else {
      range = prefixOf(r.addr, r.bits);
      if (r.bits < subnet.bits)
        errs.push(`invalid ip-range ${c.IPRange}: CIDR block is bigger than its parent subnet ${c.Subnet}`);
      if (range.base !== r.addr)
        errs.push(`invalid ip-range ${c.IPRange}: it should be ${formatPrefix(range)}`);
      if (!overlaps(range, subnet))
        errs.push(`invalid ip-range ${c.IPRange}: parent subnet ${c.Subnet} doesn't contain ip-range`);
    }
  }
  let gateway: number | undefined;
  if (c.Gateway) {
    gateway = parseIPv4(c.Gateway);
    if (gateway === undefined) errs.push(`invalid gateway ${c.Gateway}: invalid IP address`);
    else if (!contains(subnet, gateway))
      errs.push(`invalid gateway ${c.Gateway}: parent subnet ${c.Subnet} doesn't contain this address`);
  }
  for (const [name, addr] of Object.entries(c.AuxiliaryAddresses ?? {})) {
    const a = parseIPv4(addr);
    if (a === undefined || !contains(subnet, a))
      errs.push(`invalid auxiliary address ${name}: parent subnet ${c.Subnet} doesn't contain this address`);
  }
  if (errs.length > 0) throw invalidConfig(errs);
  return {
    subnet: formatPrefix(subnet),
    gateway: formatIPv4(gateway ?? subnet.base + 1),
    ipRange: range ? formatPrefix(range) : undefined,
    userSubnet: true,
    ...(Object.keys(c.AuxiliaryAddresses ?? {}).length > 0
      ? { auxAddresses: { ...c.AuxiliaryAddresses } }
      : {}),
  };
}

export function invalidConfig(errs: string[]) {
  const joined = errs.length === 1 ? errs[0] : `* ${errs.join("\n* ")}`;
  return invalid(`invalid network config:\n${joined}`);
}

/** Addressing for a subnet chosen from the pools: the gateway is its first address. */
export function addressingForSubnet(subnet: Prefix): Addressing {
  return { subnet: formatPrefix(subnet), gateway: formatIPv4(subnet.base + 1), userSubnet: false };
}

/** Addressing from dockerd's --bip "10.1.0.1/24": the address given is the gateway. */
export function addressingFromBip(bip: string): Addressing {
  const c = parseCidr(bip);
  if (!c || c.bits > 30) throw invalid(`invalid --bip: ${bip}`);
  const subnet = prefixOf(c.addr, c.bits);
  if (c.addr === subnet.base || c.addr === lastOf(subnet))
    throw invalid(`invalid --bip: ${bip}: the gateway cannot be the network or broadcast address`);
  return { subnet: formatPrefix(subnet), gateway: formatIPv4(c.addr), userSubnet: false };
}

/**
 * An endpoint's address: the requested one, or the lowest free one in the ip-range (else the
 * subnet), never the network, broadcast or gateway address.
 */
export function allocateAddress(o: {
  addressing: Addressing;
  used: ReadonlySet<string>;
  requested?: string;
}): string {
  const subnet = parseCidr(o.addressing.subnet)!;
  const net = prefixOf(subnet.addr, subnet.bits);
  const reserved = (a: number) =>
    a === net.base ||
    a === lastOf(net) ||
    formatIPv4(a) === o.addressing.gateway ||
    Object.values(o.addressing.auxAddresses ?? {}).includes(formatIPv4(a)) ||
    o.used.has(formatIPv4(a));
  if (o.requested) {
    const a = parseIPv4(o.requested);
    if (a === undefined) throw invalid(`invalid endpoint settings:\ninvalid IPv4 address: ${o.requested}`);
    if (!contains(net, a))
      throw invalid(`invalid endpoint settings:\nno configured subnet contains IP address ${o.requested}`);
    if (reserved(a)) throw new KapselError("forbidden", "Address already in use");
    return o.requested;
  }
  const range = o.addressing.ipRange ? parseCidr(o.addressing.ipRange)! : subnet;
  const pool = prefixOf(range.addr, range.bits);
  for (let a = pool.base; a <= lastOf(pool); a++) {
    if (contains(net, a) && !reserved(a)) return formatIPv4(a);
  }
  throw unavailable("no available addresses on this pool");
}

export function prefixLength(addressing: Addressing): number {
  return parseCidr(addressing.subnet)!.bits;
}

/** Docker's classic MAC for an address: 02:42 and the four address bytes. */
export function macForAddress(ip: string): string {
  const n = parseIPv4(ip)!;
  const bytes = [0x02, 0x42, n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}
