import { constants } from "node:os";
import { invalid } from "./errors.ts";

const SIGNALS = constants.signals as Record<string, number>;

/** Docker's signal syntax: "SIGTERM", "TERM", "term", "15", "SIGRTMIN+3". */
export function parseSignal(value: string | number): number {
  if (typeof value === "number") return value;
  const v = value.trim().toUpperCase();
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n < 1 || n > 64) throw invalid(`Invalid signal: ${value}`);
    return n;
  }
  const name = v.startsWith("SIG") ? v : `SIG${v}`;
  const rt = /^SIGRTM(IN|AX)([+-]\d+)?$/.exec(name);
  if (rt) {
    const base = rt[1] === "IN" ? 34 : 64;
    return base + Number(rt[2] ?? 0);
  }
  const n = SIGNALS[name];
  if (n === undefined) throw invalid(`Invalid signal: ${value}`);
  return n;
}

export function signalName(n: number): string {
  for (const [name, num] of Object.entries(SIGNALS)) if (num === n) return name;
  return String(n);
}
