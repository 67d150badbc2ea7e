/**
 * IPv4 addresses and CIDR prefixes as unsigned 32-bit numbers: the arithmetic IPAM, the
 * firewall planner and the DNS server share (IPv6's counterpart: ipv6.ts).
 */

export interface Prefix {
  /** the network address (host bits cleared) */
  base: number;
  bits: number;
}

export function parseIPv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p, i) => p > 255 || (m[i + 1].length > 1 && m[i + 1].startsWith("0")))) return undefined;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export function maskOf(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** "10.1.2.3/24" → the address and its prefix length, host bits kept (for --bip). */
export function parseCidr(text: string): { addr: number; bits: number } | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const addr = parseIPv4(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (addr === undefined || !/^\d{1,2}$/.test(bitsText) || Number(bitsText) > 32) return undefined;
  return { addr, bits: Number(bitsText) };
}

export function prefixOf(addr: number, bits: number): Prefix {
  return { base: (addr & maskOf(bits)) >>> 0, bits };
}

export function formatPrefix(p: Prefix): string {
  return `${formatIPv4(p.base)}/${p.bits}`;
}

/** The last address of the prefix (its broadcast address). */
export function lastOf(p: Prefix): number {
  return (p.base | ~maskOf(p.bits)) >>> 0;
}

export function contains(p: Prefix, addr: number): boolean {
  return (addr & maskOf(p.bits)) >>> 0 === p.base;
}

export function overlaps(a: Prefix, b: Prefix): boolean {
  return contains(a, b.base) || contains(b, a.base);
}

/** Parses "a.b.c.d/n" into its prefix (host bits dropped; callers that must refuse them compare). */
export function parsePrefix(text: string): Prefix | undefined {
  const c = parseCidr(text);
  return c ? prefixOf(c.addr, c.bits) : undefined;
}
