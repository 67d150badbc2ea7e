import { posix } from "node:path";
import { invalid } from "../errors.ts";

/**
 * Cleans a tar entry name into a path relative to the extraction root: no leading `/` or `./`,
 * no trailing `/`, `.` and `..` resolved. Returns "" for the root itself. An entry that climbs
 * out of the root (`../x`, `a/../../x`) is refused, as Docker refuses a "breakout".
 */
export function cleanEntryPath(name: string): string {
  if (name.includes("\0")) throw invalid(`invalid tar entry name ${JSON.stringify(name)}`);
  const rel = posix.normalize(name.replace(/^\/+/, "")).replace(/\/+$/, "");
  if (rel === "." || rel === "") return "";
  if (rel === ".." || rel.startsWith("../"))
    throw invalid(`invalid tar entry "${name}": it is outside of the root`);
  return rel;
}
