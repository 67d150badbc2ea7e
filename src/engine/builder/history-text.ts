/**
 * The texts the classic builder records as a step's history `created_by` (moby
 * daemon/builder/dockerfile/dispatchers.go and internals.go), so `docker history` of a kapsel
 * image reads like Docker's: metadata steps as `<shell> #(nop)  ENV a=b` (two spaces: Docker
 * joins "#(nop) " and the comment with one), COPY/ADD/WORKDIR as `<shell> #(nop) COPY ...`,
 * RUN as its command. Go's fmt verbs are reproduced where Docker uses them (%q, %v, %+v).
 */

import { goQuote } from "../../lib/go-quote.ts";
import type { HealthConfig } from "../images/index.ts";

/** Docker's default shell on Linux. */
export const DEFAULT_SHELL: readonly string[] = ["/bin/sh", "-c"];

/** withCmdComment: a metadata step. */
export function nopComment(shell: readonly string[], comment: string): string {
  return [...shell, "#(nop) ", comment].join(" ");
}

/** withCmdCommentString: COPY, ADD and WORKDIR (one argument, one space). */
export function nopCommentString(shell: readonly string[], comment: string): string {
  return [...shell, `#(nop) ${comment}`].join(" ");
}

/** Go's %q of a []string: `["a" "b"]`. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(" ")}]`;
}

/** Go's %v of a []string: `[a b]`. */
export function goList(list: readonly string[]): string {
  return `[${list.join(" ")}]`;
}

/** Go's %+v of a *container.HealthConfig, as `HEALTHCHECK %+v` prints it. */
export function goHealth(h: HealthConfig): string {
  return (
    `&{Test:${goList(h.Test ?? [])} Interval:${goDuration(h.Interval ?? 0)} ` +
    `Timeout:${goDuration(h.Timeout ?? 0)} StartPeriod:${goDuration(h.StartPeriod ?? 0)} ` +
    `StartInterval:${goDuration(h.StartInterval ?? 0)} Retries:${h.Retries ?? 0}}`
  );
}

/** Go's time.Duration.String for a count of nanoseconds: 0s, 500ms, 1.5s, 1m30s, 2h0m0s. */
export function goDuration(ns: number): string {
  if (ns === 0) return "0s";
  const sign = ns < 0 ? "-" : "";
  let u = Math.abs(ns);
  if (u < 1e3) return `${sign}${u}ns`;
  if (u < 1e6) return `${sign}${fraction(u, 1e3)}µs`;
  if (u < 1e9) return `${sign}${fraction(u, 1e6)}ms`;
  const h = Math.floor(u / 3.6e12);
  u -= h * 3.6e12;
  const m = Math.floor(u / 6e10);
  u -= m * 6e10;
  const s = `${fraction(u, 1e9)}s`;
  if (h > 0) return `${sign}${h}h${m}m${s}`;
  if (m > 0) return `${sign}${m}m${s}`;
  return `${sign}${s}`;
}

function fraction(v: number, unit: number): string {
  const whole = Math.floor(v / unit);
  const rest = v - whole * unit;
  if (rest === 0) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, "0").replace(/0+$/, "")}`;
}
