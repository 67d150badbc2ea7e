/**
 * docker's --since/--until values (moby api/types/time GetTimestamp): a Go duration ("10m",
 * "1h30m") counts back from now; RFC 3339 timestamps, with or without zone, seconds, or time
 * (a missing zone means the client's local zone); or Unix seconds with an optional fraction
 * ("1700000000.5"), passed on as written. The result is what the Engine API's `since`/`until`
 * query parameters take: "seconds" or "seconds.nanoseconds".
 */

import { parseGoDuration } from "../../lib/go-duration.ts";
import { goQuote } from "../../lib/go-quote.ts";

const RFC3339_NANO = "2006-01-02T15:04:05.999999999Z07:00";

/**
 * GetTimestamp; throws Go's time.Parse error or `failed to parse value as time or duration: "x"`.
 * A value without a zone is read in the zone `utcOffsetMinutes` east of UTC: by default the
 * host's offset at `reference`, as Go's time.FixedZone(reference.Zone()).
 */
export function getTimestamp(
  value: string,
  reference: Date = new Date(),
  utcOffsetMinutes: number = -reference.getTimezoneOffset(),
): string {
  if (value !== "0") {
    try {
      const d = parseGoDuration(value);
      return String(Math.floor((reference.getTime() - d / 1e6) / 1000));
    } catch {
      // not a duration
    }
  }
  const parseInLocation = !/[zZ+]/.test(value) && (value.match(/-/g)?.length ?? 0) !== 3;
  let layout: string;
  if (value.includes(".")) layout = parseInLocation ? "2006-01-02T15:04:05.999999999" : RFC3339_NANO;
  else if (value.includes("T")) {
    let tcolons = value.match(/:/g)?.length ?? 0;
    if (!parseInLocation && !/[zZ]/.test(value) && tcolons > 0) tcolons--; // the zone's colon
    const time = tcolons === 0 ? "15" : tcolons === 1 ? "15:04" : "15:04:05";
    layout = `2006-01-02T${time}${parseInLocation ? "" : "Z07:00"}`;
  } else layout = parseInLocation ? "2006-01-02" : "2006-01-02Z07:00";

  let parsed: { ms: number; nanos: number };
  try {
    parsed = parseGoTime(layout, value, utcOffsetMinutes);
  } catch (err) {
    if (value.includes("-")) throw err; // an RFC 3339-like value the parser rejected
    if (!isUnixTimestamp(value)) {
      throw new Error(`failed to parse value as time or duration: ${goQuote(value)}`);
    }
    return value; // Unix seconds, already what the API takes
  }
  const secs = Math.floor(parsed.ms / 1000);
  return `${secs}.${String(parsed.nanos).padStart(9, "0")}`;
}

/** parseTimestamp's acceptance: strconv.ParseInt of the seconds and of the fraction digits. */
function isUnixTimestamp(value: string): boolean {
  const [s, n] = value.split(".", 2);
  const ok = (x: string) => /^[+-]?\d+$/.test(x) && BigInt(x) <= 2n ** 63n - 1n && BigInt(x) >= -(2n ** 63n);
  return ok(s) && (n === undefined || ok(n));
}

const CHUNKS = ["2006", "01", "02", "15", "04", "05", ".999999999", "Z07:00"];

function daysIn(month: number, year: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Go's time.Parse for the layouts above, with its error messages:
 * `parsing time "2020-13-01" as "2006-01-02": month out of range` (Go: `parsing time "x": ...`),
 * `parsing time "2020-1-01" as "2006-01-02": cannot parse "1-01" as "01"`.
 */
function parseGoTime(layout: string, value: string, localOffsetMin: number): { ms: number; nanos: number } {
  const badElem = (rest: string, elem: string) =>
    new Error(
      `parsing time ${goQuote(value)} as ${goQuote(layout)}: cannot parse ${goQuote(rest)} as ${goQuote(elem)}`,
    );
  const range = (what: string) => new Error(`parsing time ${goQuote(value)}: ${what} out of range`);
  let v = value;
  let lay = layout;
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let min = 0;
  let sec = 0;
  let nanos = 0;
  let offsetMin: number | undefined;
  const num = (fixed: boolean, elem: string): number => {
    if (!/^\d/.test(v)) throw badElem(v, elem);
    const n = /^\d\d/.test(v) ? 2 : fixed ? 0 : 1;
    if (n === 0) throw badElem(v, elem);
    const x = Number(v.slice(0, n));
    v = v.slice(n);
    return x;
  };
  const fraction = () => {
    let n = 1;
    while (n < v.length && v[n] >= "0" && v[n] <= "9") n++;
    const digits = v.slice(1, n);
    nanos = Number(digits.slice(0, 9).padEnd(9, "0"));
    v = v.slice(n);
  };
  while (lay.length > 0) {
    const chunk = CHUNKS.find((c) => lay.startsWith(c));
    if (!chunk) {
      // A literal: must match byte for byte.
      if (v[0] !== lay[0]) throw badElem(v, literalPrefix(lay));
      v = v.slice(1);
      lay = lay.slice(1);
      continue;
    }
    lay = lay.slice(chunk.length);
    switch (chunk) {
      case "2006":
        if (!/^\d{4}/.test(v)) throw badElem(v, chunk);
        year = Number(v.slice(0, 4));
        v = v.slice(4);
        break;
      case "01":
        month = num(true, chunk);
        if (month < 1 || month > 12) throw range("month");
        break;
      case "02":
        day = num(true, chunk);
        break;
      case "15":
        hour = num(false, chunk);
        if (hour > 23) throw range("hour");
        break;
      case "04":
        min = num(true, chunk);
        if (min > 59) throw range("minute");
        break;
      case "05":
        sec = num(true, chunk);
        if (sec > 59) throw range("second");
        // A fraction is accepted even where the layout has none.
        if (!lay.startsWith(".999999999") && /^[.,]\d/.test(v)) fraction();
        break;
      case ".999999999":
        if (/^[.,]\d/.test(v)) fraction();
        break;
      case "Z07:00": {
        if (v[0] === "Z") {
          offsetMin = 0;
          v = v.slice(1);
          break;
        }
        const m = /^([+-])(\d\d):(\d\d)/.exec(v);
        if (!m) throw badElem(v, chunk);
        const [hh, mm] = [Number(m[2]), Number(m[3])];
        if (hh > 24) throw range("time zone offset hour");
        if (mm > 60) throw range("time zone offset minute");
        offsetMin = (m[1] === "-" ? -1 : 1) * (hh * 60 + mm);
        v = v.slice(6);
        break;
      }
    }
  }
  if (v.length > 0) throw new Error(`parsing time ${goQuote(value)}: extra text: ${goQuote(v)}`);
  if (day < 1 || day > daysIn(month, year)) throw range("day");
  const utc = Date.UTC(year, month - 1, day, hour, min, sec);
  const fixedYear = new Date(utc);
  fixedYear.setUTCFullYear(year); // Date.UTC maps years 0-99 to 1900-1999
  return { ms: fixedYear.getTime() - (offsetMin ?? localOffsetMin) * 60_000, nanos };
}

function literalPrefix(lay: string): string {
  let i = 0;
  while (i < lay.length && !CHUNKS.some((c) => lay.startsWith(c, i))) i++;
  return lay.slice(0, i);
}
