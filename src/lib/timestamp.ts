import { invalid } from "./errors.ts";

/**
 * The API's since/until values: unix seconds with an optional fraction ("1700000000.5"), as the
 * docker CLI sends them; RFC 3339 is accepted too. Returns a Date plus the exact nanoseconds.
 */
export function parseTimestamp(value: string): Date & { nanos?: bigint } {
  const m = /^(-?\d+)(?:\.(\d{1,9}))?$/.exec(value.trim());
  if (m) {
    const nanos = BigInt(m[1]) * 1_000_000_000n + BigInt((m[2] ?? "").padEnd(9, "0") || "0");
    const d = new Date(Number(nanos / 1_000_000n)) as Date & { nanos?: bigint };
    d.nanos = nanos;
    return d;
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalid(`invalid timestamp: ${JSON.stringify(value)}`);
  const d = new Date(t) as Date & { nanos?: bigint };
  d.nanos = BigInt(t) * 1_000_000n;
  return d;
}
