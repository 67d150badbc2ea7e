/**
 * docker/go-units' human formats: "About a minute ago" (over units.HumanDuration, which the
 * daemon's status texts share from src/lib) and sizes ("1.86MB" with 3 significant digits in
 * `docker images`/`ps -s`, "1.5GiB" in `stats`).
 */
import { humanDuration } from "../../lib/human-duration.ts";
import { goSprintf } from "./go-print.ts";

/** "5 seconds ago": docker's CREATED column, from a past instant (ms since the epoch). */
export function timeAgo(thenMs: number, nowMs: number = Date.now()): string {
  return `${humanDuration(nowMs - thenMs)} ago`;
}

const DECIMAL_UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
const BINARY_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

function sizeAndUnit(size: number, base: number, units: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i]];
}

/** units.CustomSize: format is a Go format taking the number and the unit ("%.4g%s"). */
export function customSize(format: string, size: number, base: number, units: string[]): string {
  const [n, unit] = sizeAndUnit(size, base, units);
  return goSprintf(format, [n, unit]);
}

/** units.HumanSizeWithPrecision: decimal units, `precision` significant digits ("1.86MB"). */
export function humanSizeWithPrecision(size: number, precision: number): string {
  const [n, unit] = sizeAndUnit(size, 1000, DECIMAL_UNITS);
  return goSprintf(`%.${precision}g%s`, [n, unit]);
}

/** units.HumanSize: 4 significant digits, decimal units ("1.862MB"). */
export function humanSize(size: number): string {
  return humanSizeWithPrecision(size, 4);
}

/** units.BytesSize: 4 significant digits, binary units ("1.5GiB"). */
export function bytesSize(size: number): string {
  const [n, unit] = sizeAndUnit(size, 1024, BINARY_UNITS);
  return goSprintf("%.4g%s", [n, unit]);
}
