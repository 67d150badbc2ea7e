import { randomBytes } from "node:crypto";
import { KapselError, notImplemented, unavailable } from "../../lib/errors.ts";
import {
  contains6,
  formatIPv6,
  formatPrefix6,
  lastOf6,
  overlaps6,
  type Prefix6,
  parseCidr6,
  parseIPv6,
  prefixOf6,
} from "../../lib/ipv6.ts";
import { type IpamConfigInput, invalidConfig, isIPv6Config } from "./ipam.ts";

/**
 * IPv6 address management, pure like ipam.ts: a network with IPv6 enabled gets one IPv6 subnet,
 * the one its create request names or a /64 of the daemon's own ULA /48 (as Docker 27+ derives
 * one when default-address-pools has no IPv6 entry); its endpoints get addresses from it.
 * A network without IPv6 keeps the IPv6 entries of its request inert: shown, never used.
 */

/** A network's IPv6 addressing, as stored. */
export interface Addressing6 {
  subnet: string;
  gateway: string;
  ipRange?: string;
  /** the subnet came from the user (then --ip6 is allowed, as in Docker) */
  userSubnet: boolean;
}

/**
 * The IPv6 entries of a create request's IPAM config for a network without IPv6: kept as given
 * and shown, as Docker does, never checked (ValidateIPAM skips them) nor allocated from.
 */
export function inertIPv6Configs(configs: readonly IpamConfigInput[]): IpamConfigInput[] {
  return configs.filter(isIPv6Config).map((c) => ({
    Subnet: c.Subnet,
    ...(c.IPRange ? { IPRange: c.IPRange } : {}),
    ...(c.Gateway ? { Gateway: c.Gateway } : {}),
    ...(c.AuxiliaryAddresses && Object.keys(c.AuxiliaryAddresses).length > 0
      ? { AuxiliaryAddresses: { ...c.AuxiliaryAddresses } }
      : {}),
  }));
}

/**
 * The IPv6 entry of a create request with IPv6 enabled, checked with moby's ValidateIPAM
 * messages; undefined when it names none (the caller takes a /64 of the ULA pool).
 */
export function addressing6FromConfig(configs: readonly IpamConfigInput[]): Addressing6 | undefined {
  const v6 = configs.filter(isIPv6Config);
  if (v6.length === 0) return undefined;
  if (v6.length > 1) throw notImplemented("kapsel supports one IPv6 subnet per network");
  const c = v6[0];
  const cidr = parseCidr6(c.Subnet ?? "");
  if (!cidr) throw invalidConfig([`invalid subnet ${c.Subnet}: invalid CIDR block notation`]);
  const subnet = prefixOf6(cidr.addr, cidr.bits);
  const errs: string[] = [];
  if (subnet.base !== cidr.addr)
    errs.push(`invalid subnet ${c.Subnet}: it should be ${formatPrefix6(subnet)}`);
  if (subnet.bits > 126)
    errs.push(`invalid subnet ${c.Subnet}: a /${subnet.bits} leaves no room for containers`);
  let range: Prefix6 | undefined;
  if (c.IPRange) {
    const r = parseCidr6(c.IPRange);
    if (!r) errs.push(`invalid ip-range ${c.IPRange}: invalid CIDR block notation`);
    else {
      range = prefixOf6(r.addr, r.bits);
      if (range.base !== r.addr)
        errs.push(`invalid ip-range ${c.IPRange}: it should be ${formatPrefix6(range)}`);
      if (r.bits < subnet.bits)
        errs.push(`invalid ip-range ${c.IPRange}: CIDR block is bigger than its parent subnet ${c.Subnet}`);
      else if (!contains6(subnet, range.base))
        errs.push(`invalid ip-range ${c.IPRange}: parent subnet ${c.Subnet} doesn't contain ip-range`);
    }
  }
  let gateway: bigint | undefined;
  if (c.Gateway) {
    gateway = parseIPv6(c.Gateway);
    if (gateway === undefined) errs.push(`invalid gateway ${c.Gateway}: invalid address`);
    else if (!contains6(subnet, gateway))
      errs.push(`invalid gateway ${c.Gateway}: parent subnet ${c.Subnet} doesn't contain this address`);
  }
  if (Object.keys(c.AuxiliaryAddresses ?? {}).length > 0)
    throw notImplemented("auxiliary addresses in IPv6 subnets are not supported by kapsel yet");
  if (errs.length > 0) throw invalidConfig(errs);
  // as the user wrote them, as Docker shows them (the addresses it configures are canonical)
  return {
    subnet: c.Subnet!,
    gateway: c.Gateway || formatIPv6(subnet.base + 1n),
    ...(range ? { ipRange: c.IPRange } : {}),
    userSubnet: true,
  };
}

/** A random ULA /48 (fd00::/8 plus 40 bits), the daemon's pool of IPv6 subnets. */
export function newUlaPool(): string {
  const gid = BigInt(`0x${randomBytes(5).toString("hex")}`);
  return formatPrefix6({ base: (0xfdn << 120n) | (gid << 80n), bits: 48 });
}

/** The first /64 of the pool that overlaps none of `taken`. */
export function chooseSubnet6(pool: string, taken: readonly string[]): Addressing6 {
  const p = parseCidr6(pool);
  if (!p) throw unavailable(`invalid IPv6 address pool: ${pool}`);
  const base = prefixOf6(p.addr, p.bits);
  const others = taken.map((t) => parseCidr6(t)).filter((t) => t !== undefined);
  const count = 1n << BigInt(64 - base.bits);
  for (let i = 0n; i < count && i < 65536n; i++) {
    const candidate = { base: base.base | (i << 64n), bits: 64 };
    if (!others.some((o) => overlaps6(prefixOf6(o.addr, o.bits), candidate)))
      return {
        subnet: formatPrefix6(candidate),
        gateway: formatIPv6(candidate.base + 1n),
        userSubnet: false,
      };
  }
  throw unavailable("all predefined IPv6 address pools have been fully subnetted");
}

/**
 * Docker's check of an endpoint's IPv6Address (EndpointIPAMConfig.IsInRange): inside one of the
 * network's user-given IPv6 subnets (or their ip-range), else refused.
 */
export function ipv6AddressError(addr: string, subnets: readonly IpamConfigInput[]): string | undefined {
  const a = parseIPv6(addr);
  if (a === undefined) return `invalid IPv6 address: ${addr}`;
  if (subnets.length === 0)
    return "user specified IP address is supported only when connecting to networks with user configured subnets";
  for (const c of subnets) {
    const p = parseCidr6(c.IPRange || c.Subnet || "");
    if (p && contains6(prefixOf6(p.addr, p.bits), a)) return undefined;
  }
  return `no configured subnet or ip-range contain the IP address ${addr}`;
}

/** An endpoint's IPv6 address: the one asked for, else the lowest free one of the range. */
export function allocateAddress6(o: {
  addressing: Addressing6;
  used: ReadonlySet<string>;
  requested?: string;
}): string {
  const s = parseCidr6(o.addressing.subnet)!;
  const subnet = prefixOf6(s.addr, s.bits);
  const gateway = parseIPv6(o.addressing.gateway);
  const used = new Set([...o.used].map((u) => parseIPv6(u)));
  const reserved = (a: bigint) => a === subnet.base || a === gateway || used.has(a);
  if (o.requested) {
    const a = parseIPv6(o.requested)!;
    if (reserved(a)) throw new KapselError("forbidden", "Address already in use");
    return formatIPv6(a);
  }
  const r = o.addressing.ipRange ? parseCidr6(o.addressing.ipRange)! : s;
  const range = prefixOf6(r.addr, r.bits);
  const last = lastOf6(range);
  // a /64 is never full in practice: look a bounded way
  for (let a = range.base, n = 0; a <= last && n < 1 << 20; a++, n++) if (!reserved(a)) return formatIPv6(a);
  throw unavailable("no available IPv6 addresses on this pool");
}

export function prefixLength6(addressing: Addressing6): number {
  return parseCidr6(addressing.subnet)!.bits;
}
