import { constants } from "node:os";
import { invalid } from "./errors.ts";

const SIGRTMIN = 34;
const SIGRTMAX = 64;

/**
 * A signal as Docker accepts it (`docker kill -s`): a number, or a name with or without "SIG"
 * in any case ("KILL", "sigterm"), or "RTMIN+n" / "RTMAX-n". Returns the Linux number.
 */
export function parseSignal(signal: number | string): number {
  if (typeof signal === "number") {
    if (Number.isInteger(signal) && signal > 0 && signal <= SIGRTMAX) return signal;
    throw invalid(`Invalid signal: ${signal}`);
  }
  const text = signal.trim().toUpperCase();
  if (/^\d+$/.test(text)) return parseSignal(Number(text));
  const name = text.startsWith("SIG") ? text.slice(3) : text;
  const rt = /^RT(MIN|MAX)([+-]\d+)?$/.exec(name);
  if (rt) {
    const n = (rt[1] === "MIN" ? SIGRTMIN : SIGRTMAX) + Number(rt[2] ?? 0);
    if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
  }
  const n = (constants.signals as Record<string, number>)[`SIG${name}`];
  if (n) return n;
  throw invalid(`Invalid signal: ${signal}`);
}
