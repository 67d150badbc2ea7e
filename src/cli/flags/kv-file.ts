/**
 * docker's env and label files (docker/cli pkg/kvfile): one KEY[=VALUE] per line, valid UTF-8;
 * a BOM, leading whitespace, blank lines and `#` comment lines are dropped; values are kept
 * as written (quotes and trailing spaces included). A bare KEY takes its value from `lookup`
 * (the local environment, for --env-file) and is left out when unset or without a lookup.
 */
import { readFileSync } from "node:fs";
import type { Lookup } from "./key-value.ts";

const MAX_LINE = 64 * 1024; // bufio.MaxScanTokenSize

/** Parses a file's content; throws "no variable name on line ..." and the like. */
export function parseKvText(content: string | Uint8Array, lookup?: Lookup): string[] {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : Buffer.from(content);
  const out: string[] = [];
  let lineNo = 0;
  let start = 0;
  const decoder = new TextDecoder("utf-8", { fatal: true });
  while (start < bytes.length) {
    let end = bytes.indexOf(10, start);
    if (end < 0) end = bytes.length;
    let raw = bytes.subarray(start, end);
    start = end + 1;
    lineNo++;
    if (raw.length > 0 && raw[raw.length - 1] === 13) raw = raw.subarray(0, raw.length - 1);
    if (raw.length >= MAX_LINE) throw new Error("bufio.Scanner: token too long");
    let text: string;
    try {
      text = decoder.decode(raw);
    } catch {
      throw new Error(`invalid utf8 bytes at line ${lineNo}: [${[...raw].join(" ")}]`);
    }
    if (lineNo === 1) text = text.replace(/^\uFEFF/, "");
    const line = text.replace(/^\s+/u, "");
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    const key = eq < 0 ? line : line.slice(0, eq);
    if (key === "") throw new Error(`no variable name on line '${line}'`);
    if (/[ \t]/.test(key)) throw new Error(`variable '${key}' contains whitespaces`);
    if (eq >= 0) {
      out.push(line);
      continue;
    }
    const value = lookup?.(line);
    if (value !== undefined) out.push(`${key}=${value}`);
  }
  return out;
}

/** kvfile.Parse: reads and parses a file; errors read "invalid env file (path): ...". */
export function readKvFile(filename: string, lookup?: Lookup): string[] {
  let content: Buffer;
  try {
    content = readFileSync(filename);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ENOENT") throw new Error(`open ${filename}: no such file or directory`);
    if (e.code === "EISDIR") throw new Error(`read ${filename}: is a directory`);
    if (e.code === "EACCES") throw new Error(`open ${filename}: permission denied`);
    throw err;
  }
  try {
    return parseKvText(content, lookup);
  } catch (err) {
    throw new Error(`invalid env file (${filename}): ${(err as Error).message}`);
  }
}

/** --env-file: bare keys take the local environment's value. */
export function readEnvFile(filename: string, lookup: Lookup = (k) => process.env[k]): string[] {
  return readKvFile(filename, lookup);
}

/** --label-file: bare keys are left out. */
export function readLabelFile(filename: string): string[] {
  return readKvFile(filename);
}
