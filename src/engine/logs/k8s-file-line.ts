/**
 * One line of conmon's k8s-file log (the CRI log format):
 *
 *   2024-05-01T10:20:30.123456789+02:00 stdout F hello world
 *   <RFC 3339 time, local offset>       <stream> <F = full line, P = partial> <content>
 *
 * conmon writes every read of the container's output as such lines: F lines lost their own
 * newline to the record's, P lines are pieces of a longer line (their record newline is not
 * content); the next F of the same stream completes it. Works on bytes in place: a log has
 * hundreds of thousands of lines and only their content is ever copied.
 */
export interface LogLine {
  /** ms since the epoch */
  ms: number;
  date: Date;
  /** nanoseconds within the second (0..999999999), for RFC3339Nano output */
  nanos: number;
  stream: "stdout" | "stderr";
  partial: boolean;
  /** where the content starts; it ends at the line's "\n" */
  contentStart: number;
}

const SPACE = 0x20;
const ZERO = 0x30;

/**
 * Parses the line in `buf` from `start` to `end` (the index of its "\n"). undefined when it is
 * not a k8s-file line. `cache` carries the last timestamp: conmon stamps all lines of one
 * read alike, so most lines skip the date arithmetic.
 */
export function parseLogLine(buf: Buffer, start: number, end: number, cache: TimeCache): LogLine | undefined {
  const sp = buf.indexOf(SPACE, start);
  if (sp < 0 || sp + 9 > end) return undefined;
  // "stdout" and "stderr" differ at their 4th byte
  const s3 = buf[sp + 4];
  const stream = s3 === 0x6f ? "stdout" : s3 === 0x65 ? "stderr" : undefined;
  if (!stream || buf[sp + 7] !== SPACE) return undefined;
  const tag = buf[sp + 8];
  if (tag !== 0x46 && tag !== 0x50) return undefined;
  // content follows "F " (absent only on a truncated line)
  const contentStart = Math.min(sp + 10, end);
  if (!cache.matches(buf, start, sp)) {
    const t = parseTimestamp(buf, start, sp);
    if (!t) return undefined;
    cache.set(buf, start, sp, t.ms, t.nanos);
  }
  return { ms: cache.ms, date: cache.date, nanos: cache.nanos, stream, partial: tag === 0x50, contentStart };
}

/** The last timestamp seen, by its bytes. */
export class TimeCache {
  #bytes = Buffer.alloc(64);
  #len = -1;
  ms = 0;
  nanos = 0;
  /** shared by the entries of one timestamp (readers must not mutate it) */
  date = new Date(0);

  matches(buf: Buffer, start: number, end: number): boolean {
    const len = end - start;
    if (len !== this.#len) return false;
    // a plain loop beats Buffer.compare's native call on 35 bytes; lines differ near the end
    const bytes = this.#bytes;
    for (let i = len - 1; i >= 0; i--) if (bytes[i] !== buf[start + i]) return false;
    return true;
  }

  set(buf: Buffer, start: number, end: number, ms: number, nanos: number): void {
    const len = end - start;
    if (len > this.#bytes.length) {
      this.#len = -1;
    } else {
      buf.copy(this.#bytes, 0, start, end);
      this.#len = len;
    }
    if (ms !== this.ms) this.date = new Date(ms);
    this.ms = ms;
    this.nanos = nanos;
  }
}

/** RFC 3339 with optional fraction, "Z" or ±hh:mm. */
export function parseTimestamp(
  buf: Buffer,
  start: number,
  end: number,
): { ms: number; nanos: number } | undefined {
  if (end - start < 20 || buf[start + 4] !== 0x2d || buf[start + 10] !== 0x54) return undefined;
  const num = (i: number, n: number) => {
    let v = 0;
    for (let k = 0; k < n; k++) {
      const d = buf[start + i + k] - ZERO;
      if (d < 0 || d > 9) return Number.NaN;
      v = v * 10 + d;
    }
    return v;
  };
  const year = num(0, 4);
  const month = num(5, 2);
  const day = num(8, 2);
  const hour = num(11, 2);
  const minute = num(14, 2);
  const second = num(17, 2);
  let i = start + 19;
  let nanos = 0;
  if (buf[i] === 0x2e) {
    i++;
    let digits = 0;
    while (i < end && buf[i] >= ZERO && buf[i] <= ZERO + 9) {
      if (digits < 9) nanos = nanos * 10 + (buf[i] - ZERO);
      digits++;
      i++;
    }
    for (; digits < 9; digits++) nanos *= 10;
  }
  let offsetMin = 0;
  const z = buf[i];
  if (z === 0x2b || z === 0x2d) {
    if (end - i < 6) return undefined;
    const oh = (buf[i + 1] - ZERO) * 10 + (buf[i + 2] - ZERO);
    const om = (buf[i + 4] - ZERO) * 10 + (buf[i + 5] - ZERO);
    offsetMin = (z === 0x2b ? 1 : -1) * (oh * 60 + om);
  } else if (z !== 0x5a && z !== 0x7a) {
    return undefined;
  }
  const ms =
    Date.UTC(year, month - 1, day, hour, minute, second) - offsetMin * 60_000 + Math.floor(nanos / 1e6);
  return Number.isNaN(ms) ? undefined : { ms, nanos };
}
