import { isIPv6 } from "node:net";

/**
 * IPv6 addresses as 128-bit numbers, and prefixes: what IPv6 IPAM and the link plans need.
 * Text out is RFC 5952's canonical form (lower case, the longest run of zero groups as "::"),
 * which is also what Go's net.IP prints, so inspect shows what Docker shows.
 */

export interface Prefix6 {
  base: bigint;
  bits: number;
}

const ALL = (1n << 128n) - 1n;

export function parseIPv6(text: string): bigint | undefined {
  if (!isIPv6(text) || text.includes("%")) return undefined;
  let s = text;
  // a dotted IPv4 tail (::ffff:10.0.0.1) is the last two groups
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number);
    s = `${s.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.split("::");
  const left = head ? head.split(":") : [];
  const right = tail === undefined ? [] : tail ? tail.split(":") : [];
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return groups.reduce((n, g) => (n << 16n) | BigInt(`0x${g}`), 0n);
}

export function formatIPv6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  // the longest run of two or more zero groups (the first of equals) becomes "::"
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

/** An address in RFC 5952's form ("FD00:0::1" → "fd00::1"); unparsable text as it is. */
export function canonicalIPv6(text: string): string {
  const n = parseIPv6(text);
  return n === undefined ? text : formatIPv6(n);
}

/** "fd00:1::/64" as written (base may have host bits; see prefixOf6). */
export function parseCidr6(text: string): { addr: bigint; bits: number } | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const addr = parseIPv6(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  const bits = Number(bitsText);
  if (addr === undefined || !/^\d{1,3}$/.test(bitsText) || bits > 128) return undefined;
  return { addr, bits };
}

export function prefixOf6(addr: bigint, bits: number): Prefix6 {
  return { base: addr & maskOf(bits), bits };
}

export function formatPrefix6(p: Prefix6): string {
  return `${formatIPv6(p.base)}/${p.bits}`;
}

export function contains6(p: Prefix6, addr: bigint): boolean {
  return (addr & maskOf(p.bits)) === p.base;
}

export function overlaps6(a: Prefix6, b: Prefix6): boolean {
  const bits = Math.min(a.bits, b.bits);
  return (a.base & maskOf(bits)) === (b.base & maskOf(bits));
}

/** The last address of the prefix. */
export function lastOf6(p: Prefix6): bigint {
  return p.base | (ALL ^ maskOf(p.bits));
}

function maskOf(bits: number): bigint {
  return bits === 0 ? 0n : (ALL << BigInt(128 - bits)) & ALL;
}
