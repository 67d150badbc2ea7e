/**
 * Go's time.ParseDuration and Duration.String: docker's duration flags (--health-interval,
 * --stop-timeout of some commands) and relative --since/--until ("10m", "1h30m", "1.5s").
 * Durations are nanoseconds, as in Go and the Engine API.
 */
import { goQuote } from "./go-quote.ts";

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  "\u00b5s": 1000n, // micro sign
  "\u03bcs": 1000n, // Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const MAX = 2n ** 63n - 1n;

/** time.ParseDuration; returns nanoseconds, throws Go's "time: invalid duration ..." errors. */
export function parseGoDuration(value: string): number {
  const invalid = () => new Error(`time: invalid duration ${goQuote(value)}`);
  let s = value;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return 0;
  if (s === "") throw invalid();
  let d = 0n;
  while (s !== "") {
    if (!(s[0] === "." || (s[0] >= "0" && s[0] <= "9"))) throw invalid();
    const intPart = /^[0-9]*/.exec(s)![0];
    s = s.slice(intPart.length);
    let v = intPart === "" ? 0n : BigInt(intPart);
    if (v > MAX) throw invalid();
    let frac = "";
    let post = false;
    if (s[0] === ".") {
      s = s.slice(1);
      frac = /^[0-9]*/.exec(s)![0];
      s = s.slice(frac.length);
      post = frac !== "";
    }
    if (intPart === "" && !post) throw invalid(); // "." alone
    let i = 0;
    while (i < s.length && (s[i] === "." || !(s[i] >= "0" && s[i] <= "9"))) i++;
    if (i === 0) throw new Error(`time: missing unit in duration ${goQuote(value)}`);
    const u = s.slice(0, i);
    s = s.slice(i);
    const unit = UNITS[u];
    if (unit === undefined) throw new Error(`time: unknown unit ${goQuote(u)} in duration ${goQuote(value)}`);
    if (v > MAX / unit) throw invalid();
    v *= unit;
    if (frac !== "") {
      // As Go: the fraction's digits as an integer f (until it would overflow) over its scale,
      // multiplied in floating point.
      let f = 0n;
      let scale = 1;
      for (const c of frac) {
        if (f > MAX / 10n) break;
        f = f * 10n + BigInt(c);
        scale *= 10;
      }
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX) throw invalid();
    }
    d += v;
    if (d > MAX) throw invalid();
  }
  return Number(neg ? -d : d);
}

function fmtFrac(v: bigint, prec: number): [string, bigint] {
  let out = "";
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print = print || digit !== 0n;
    if (print) out = digit.toString() + out;
    v /= 10n;
  }
  return [print ? `.${out}` : "", v];
}

/** Duration.String: "1h30m0s", "1.5s", "500ms", "0s". */
export function formatGoDuration(ns: number | bigint): string {
  let u = BigInt(ns);
  const neg = u < 0n;
  if (neg) u = -u;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u === 0n) return "0s";
    let prec: number;
    let unit: string;
    if (u < 1000n) {
      prec = 0;
      unit = "ns";
    } else if (u < 1_000_000n) {
      prec = 3;
      unit = "\u00b5s";
    } else {
      prec = 6;
      unit = "ms";
    }
    const [frac, rest] = fmtFrac(u, prec);
    out = `${rest}${frac}${unit}`;
  } else {
    const [frac, secs] = fmtFrac(u, 9);
    out = `${secs % 60n}${frac}s`;
    let mins = secs / 60n;
    if (mins > 0n) {
      out = `${mins % 60n}m${out}`;
      const hours = mins / 60n;
      if (hours > 0n) out = `${hours}h${out}`;
      mins = 0n;
    }
  }
  return neg ? `-${out}` : out;
}
