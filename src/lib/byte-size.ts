/**
 * docker/go-units v0.5.0 size parsing: `-m 512m` (RAMInBytes, binary: k = 1024) and
 * FromHumanSize (decimal: k = 1000). Suffixes are case-insensitive: "b", "k", "kb", "kib".
 */
import { parseGoFloat } from "./go-strconv.ts";

const DECIMAL: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };
const BINARY: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** Go's int64(size): truncates, and -0 becomes 0. */
const toInt64 = (size: number) => Math.trunc(size) + 0;

function parseSize(sizeStr: string, units: Record<string, number>): number {
  let sep = -1;
  for (let i = sizeStr.length - 1; i >= 0; i--) {
    if ("01234567890. ".includes(sizeStr[i])) {
      sep = i;
      break;
    }
  }
  if (sep === -1) throw new Error(`invalid size: '${sizeStr}'`);
  const num = sizeStr[sep] === " " ? sizeStr.slice(0, sep) : sizeStr.slice(0, sep + 1);
  let sfx = sizeStr.slice(sep + 1);
  let size = parseGoFloat(num);
  if (size < 0) throw new Error(`invalid size: '${sizeStr}'`);
  if (sfx.length === 0) return toInt64(size);
  const bad = () => new Error(`invalid suffix: '${sfx}'`);
  if (sfx.length > 3) throw bad();
  sfx = sfx.toLowerCase();
  if (sfx[0] === "b") {
    if (sfx.length > 1) throw bad();
    return toInt64(size);
  }
  const mul = units[sfx[0]];
  if (mul === undefined) throw bad();
  size *= mul;
  if ((sfx.length === 2 && sfx[1] !== "b") || (sfx.length === 3 && sfx.slice(1) !== "ib")) throw bad();
  return toInt64(size);
}

/** units.RAMInBytes: "512m" → 536870912. Throws "invalid size: 'x'" / "invalid suffix: 'x'". */
export function ramInBytes(size: string): number {
  return parseSize(size, BINARY);
}

/** units.FromHumanSize: "1.5kB" → 1500. */
export function fromHumanSize(size: string): number {
  return parseSize(size, DECIMAL);
}

/** docker's MemSwapBytes: like ramInBytes, and "-1" means unlimited. */
export function memorySwapBytes(size: string): number {
  return size === "-1" ? -1 : ramInBytes(size);
}
