/**
 * Go's strconv.FormatFloat(x, fmt, prec, 64) for the 'e', 'E', 'f', 'g' and 'G' formats.
 *
 * Docker prints sizes with `%.3g` / `%.4g` ("1.86MB", and the famous "1e+03kB"), and Go
 * templates print float64 values with `%v` (shortest 'g'). JavaScript's toPrecision rounds
 * exact ties away from zero where Go rounds them to even (1.125 → "1.12"), so fixed
 * precisions round the exact binary value here, as Go's decimal type does.
 */

/** value = 0.d × 10^dp; `d` has no leading or trailing zeros ("" for zero). */
interface Decimal {
  d: string;
  dp: number;
}

export type FloatFormat = "e" | "E" | "f" | "g" | "G";

export function formatFloat(x: number, fmt: FloatFormat, prec = -1): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Number.POSITIVE_INFINITY) return "+Inf";
  if (x === Number.NEGATIVE_INFINITY) return "-Inf";
  const neg = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  const shortest = prec < 0;
  let digs: Decimal;
  if (shortest) {
    digs = shortestDigits(abs);
    if (fmt === "e" || fmt === "E") prec = Math.max(digs.d.length - 1, 0);
    else if (fmt === "f") prec = Math.max(digs.d.length - digs.dp, 0);
    else prec = digs.d.length;
  } else {
    digs = exactDigits(abs);
    if (fmt === "e" || fmt === "E") digs = round(digs, prec + 1);
    else if (fmt === "f") digs = round(digs, digs.dp + prec);
    else {
      if (prec === 0) prec = 1;
      digs = round(digs, prec);
    }
  }
  const sign = neg ? "-" : "";
  if (fmt === "e" || fmt === "E") return sign + fmtE(digs, prec, fmt);
  if (fmt === "f") return sign + fmtF(digs, prec);
  // %g: %e for large exponents, %f otherwise.
  const nd = digs.d.length;
  let eprec = prec;
  if (eprec > nd && nd >= digs.dp) eprec = nd;
  if (shortest) eprec = 6;
  const exp = digs.dp - 1;
  if (nd === 0 || !(exp < -4 || exp >= eprec)) {
    if (prec > digs.dp) prec = nd;
    return sign + fmtF(digs, Math.max(prec - digs.dp, 0));
  }
  if (prec > nd) prec = nd;
  return sign + fmtE(digs, prec - 1, fmt === "g" ? "e" : "E");
}

function fmtE(digs: Decimal, prec: number, e: "e" | "E"): string {
  const nd = digs.d.length;
  let out = nd === 0 ? "0" : digs.d[0];
  if (prec > 0) {
    out += ".";
    let i = 1;
    const m = Math.min(nd, prec + 1);
    if (i < m) {
      out += digs.d.slice(i, m);
      i = m;
    }
    for (; i <= prec; i++) out += "0";
  }
  let exp = nd === 0 ? 0 : digs.dp - 1;
  let esign = "+";
  if (exp < 0) {
    esign = "-";
    exp = -exp;
  }
  return `${out}${e}${esign}${exp < 10 ? "0" : ""}${exp}`;
}

function fmtF(digs: Decimal, prec: number): string {
  const nd = digs.d.length;
  let out = "";
  if (digs.dp > 0) {
    const m = Math.min(nd, digs.dp);
    out = digs.d.slice(0, m) + "0".repeat(digs.dp - m);
  } else out = "0";
  if (prec > 0) {
    out += ".";
    for (let i = 1; i <= prec; i++) {
      const j = digs.dp + i - 1;
      out += j >= 0 && j < nd ? digs.d[j] : "0";
    }
  }
  return out;
}

function trimZeros(d: string): string {
  let end = d.length;
  while (end > 0 && d[end - 1] === "0") end--;
  return d.slice(0, end);
}

/** The shortest digits that read back as x: what Go's %v and JavaScript's toString agree on. */
function shortestDigits(x: number): Decimal {
  if (x === 0) return { d: "", dp: 0 };
  const [mant, exp] = x.toExponential().split("e");
  return { d: trimZeros(mant.replace(".", "")), dp: Number(exp) + 1 };
}

/** The exact decimal expansion of a double (at most ~767 significant digits). */
function exactDigits(x: number): Decimal {
  if (x === 0) return { d: "", dp: 0 };
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e2: number;
  if (expBits === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = expBits - 1075;
  }
  let s: string;
  let dp: number;
  if (e2 >= 0) {
    s = (mant << BigInt(e2)).toString();
    dp = s.length;
  } else {
    // mant × 2^e2 = mant × 5^-e2 / 10^-e2
    s = (mant * 5n ** BigInt(-e2)).toString();
    dp = s.length + e2;
  }
  return { d: trimZeros(s), dp };
}

/** Go's decimal.Round: keep nd digits, ties to even (the expansion is exact, never truncated). */
function round(a: Decimal, nd: number): Decimal {
  if (nd < 0 || nd >= a.d.length) return a;
  const roundUp =
    a.d[nd] === "5" && nd + 1 === a.d.length ? nd > 0 && Number(a.d[nd - 1]) % 2 === 1 : a.d[nd] >= "5";
  if (!roundUp) return { d: trimZeros(a.d.slice(0, nd)), dp: a.dp };
  let i = nd - 1;
  while (i >= 0 && a.d[i] === "9") i--;
  if (i < 0) return { d: "1", dp: a.dp + 1 };
  return { d: a.d.slice(0, i) + String(Number(a.d[i]) + 1), dp: a.dp };
}
