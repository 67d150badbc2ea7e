/**
 * The little of RFC 1035 the embedded DNS server needs: read a query's header and first
 * question, and write an answer with A, AAAA or PTR records. Everything else is forwarded as bytes.
 */
import { formatIPv6, parseIPv6 } from "../../lib/ipv6.ts";

export const DNS_TYPE = { A: 1, PTR: 12, MX: 15, AAAA: 28, SRV: 33 } as const;
export const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

export interface DnsQuery {
  id: number;
  flags: number;
  /** as asked (case kept), without the trailing dot */
  name: string;
  type: number;
  class: number;
  /** the question section's bytes, echoed in the answer */
  question: Buffer;
}

export interface DnsAnswer {
  type: typeof DNS_TYPE.A | typeof DNS_TYPE.AAAA | typeof DNS_TYPE.PTR;
  ttl: number;
  /** an IPv4 address (A), an IPv6 address (AAAA) or a domain name (PTR) */
  data: string;
}

/** undefined for anything that is not a query with one question. */
export function parseQuery(msg: Buffer): DnsQuery | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000 || msg.readUInt16BE(4) < 1) return undefined;
  const name = readName(msg, 12);
  if (!name || name.end + 4 > msg.length) return undefined;
  return {
    id: msg.readUInt16BE(0),
    flags,
    name: name.labels.join("."),
    type: msg.readUInt16BE(name.end),
    class: msg.readUInt16BE(name.end + 2),
    question: msg.subarray(12, name.end + 4),
  };
}

function readName(msg: Buffer, start: number): { labels: string[]; end: number } | undefined {
  const labels: string[] = [];
  let pos = start;
  let end = -1;
  for (let hops = 0; hops < 64; hops++) {
    if (pos >= msg.length) return undefined;
    const len = msg[pos];
    if (len === 0) return { labels, end: end < 0 ? pos + 1 : end };
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= msg.length) return undefined;
      if (end < 0) end = pos + 2;
      pos = ((len & 0x3f) << 8) | msg[pos + 1];
      continue;
    }
    if (pos + 1 + len > msg.length) return undefined;
    labels.push(msg.toString("latin1", pos + 1, pos + 1 + len));
    pos += 1 + len;
  }
  return undefined;
}

export function encodeName(name: string): Buffer {
  const parts = name.split(".").filter(Boolean);
  const bufs = parts.map((p) => {
    const b = Buffer.from(p, "latin1");
    return Buffer.concat([Buffer.from([Math.min(b.length, 63)]), b.subarray(0, 63)]);
  });
  return Buffer.concat([...bufs, Buffer.from([0])]);
}

/** A response to `q` (question echoed, answers naming it by a pointer to offset 12). */
export function buildResponse(q: DnsQuery, rcode: number, answers: readonly DnsAnswer[] = []): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  // QR, the query's opcode and RD, AA (the names are ours) and RA
  header.writeUInt16BE(0x8000 | (q.flags & 0x7900) | 0x0400 | 0x0080 | (rcode & 0xf), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  const records = answers.map((a) => {
    const data =
      a.type === DNS_TYPE.A
        ? Buffer.from(a.data.split(".").map(Number))
        : a.type === DNS_TYPE.AAAA
          ? ipv6Bytes(a.data)
          : encodeName(a.data);
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(a.type, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(a.ttl, 6);
    rr.writeUInt16BE(data.length, 10);
    return Buffer.concat([rr, data]);
  });
  return Buffer.concat([header, q.question, ...records]);
}

/** A query for `name` (tests and health checks). */
export function buildQuery(id: number, name: string, type: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2); // RD
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([header, encodeName(name), tail]);
}

function ipv6Bytes(text: string): Buffer {
  return Buffer.from((parseIPv6(text) ?? 0n).toString(16).padStart(32, "0"), "hex");
}

/** Reads the answers of a response (A, AAAA and PTR only), for tests. */
export function parseResponse(msg: Buffer): { id: number; rcode: number; answers: DnsAnswer[] } {
  const id = msg.readUInt16BE(0);
  const rcode = msg.readUInt16BE(2) & 0xf;
  const qd = msg.readUInt16BE(4);
  const an = msg.readUInt16BE(6);
  let pos = 12;
  for (let i = 0; i < qd; i++) pos = readName(msg, pos)!.end + 4;
  const answers: DnsAnswer[] = [];
  for (let i = 0; i < an; i++) {
    pos = readName(msg, pos)!.end;
    const type = msg.readUInt16BE(pos);
    const ttl = msg.readUInt32BE(pos + 4);
    const len = msg.readUInt16BE(pos + 8);
    const data = msg.subarray(pos + 10, pos + 10 + len);
    if (type === DNS_TYPE.A) answers.push({ type, ttl, data: [...data].join(".") });
    else if (type === DNS_TYPE.AAAA)
      answers.push({ type, ttl, data: formatIPv6(BigInt(`0x${data.toString("hex")}`)) });
    else if (type === DNS_TYPE.PTR)
      answers.push({ type, ttl, data: readName(msg, pos + 10)!.labels.join(".") });
    pos += 10 + len;
  }
  return { id, rcode, answers };
}
