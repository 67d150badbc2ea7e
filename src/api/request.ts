import type { IncomingMessage } from "node:http";
import { invalid } from "../lib/errors.ts";
import type { RouteContext } from "./router.ts";

/** What a route handler gets: the parsed path parameters, query and the raw request. */
export interface ApiRequest {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  /** the negotiated API version, e.g. 1.50 */
  version: number;
}

const MAX_JSON_BODY = 16 * 1024 * 1024;

/** Reads a JSON body; an empty body gives `fallback`. Malformed JSON is the client's mistake (400). */
export async function readJson<T>(req: IncomingMessage, fallback: T): Promise<T> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_JSON_BODY) throw invalid("request body is too large");
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return fallback;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw invalid(`invalid JSON: ${(err as Error).message}`);
  }
}

/**
 * Go's JSON decoding matches field names case-insensitively, so clients may send "detachKeys"
 * for DetachKeys (docker-py does): renames such top-level keys of `body` to `names`' spelling.
 */
export function canonicalFields<T>(body: T, names: readonly string[]): T {
  if (!body || typeof body !== "object" || Array.isArray(body)) return body;
  const byLower = new Map(names.map((n) => [n.toLowerCase(), n]));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const name = byLower.get(key.toLowerCase()) ?? key;
    // an exact spelling wins over a differently cased duplicate
    if (name in out && key !== name) continue;
    out[name] = value;
  }
  return out as T;
}

/** Docker's boolean query values: 1/true/True are true; 0/false/empty are false. */
export function queryBool(q: URLSearchParams, name: string, fallback = false): boolean {
  const v = q.get(name);
  if (v === null) return fallback;
  const lower = v.toLowerCase();
  if (lower === "" || lower === "0" || lower === "false" || lower === "no") return false;
  return true;
}

export function queryInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw invalid(`invalid value for ${name}: ${JSON.stringify(v)}`);
  return n;
}

/** Docker's `filters` query: JSON of {name: [values]} or the legacy {name: {value: true}}. */
export function queryFilters(q: URLSearchParams): Map<string, string[]> {
  const raw = q.get("filters");
  const out = new Map<string, string[]>();
  if (!raw) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid(`invalid filter: ${raw}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw invalid(`invalid filter: ${raw}`);
  for (const [key, value] of Object.entries(parsed)) {
    if (Array.isArray(value)) out.set(key, value.map(String));
    else if (typeof value === "object" && value !== null) out.set(key, Object.keys(value));
    else throw invalid(`invalid filter: ${raw}`);
  }
  return out;
}

/** Rejects filter names a list endpoint does not know, with Docker's wording. */
export function checkFilterNames(filters: Map<string, string[]>, allowed: readonly string[]): void {
  for (const key of filters.keys()) {
    if (!allowed.includes(key)) throw invalid(`invalid filter '${key}'`);
  }
}

/** A request header's value (the first, when it came more than once). */
export function header(ctx: RouteContext, name: string): string | undefined {
  const v = ctx.req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Aborted when the client goes away, so that a hung registry is not waited for. */
export function closeSignal(ctx: RouteContext): AbortSignal {
  const abort = new AbortController();
  ctx.res.on("close", () => abort.abort());
  return abort.signal;
}
