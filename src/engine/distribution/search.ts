import type { IncomingMessage } from "node:http";
import { invalid, KapselError, messageOf } from "../../lib/errors.ts";
import { resolveCredentials } from "./credentials.ts";
import { DOCKER_HUB, type EndpointConfig, isInsecure } from "./endpoints.ts";
import { readBody, send, transportError } from "./http-transport.ts";
import type { RegistryCredentials } from "./index.ts";
import { RegistryClient } from "./registry-client.ts";

/**
 * `docker search`: the registry's v1 search API (GET /v1/search?q=&n=), the only search API
 * there is, as moby 28 calls it (registry/search.go, search_session.go, search_endpoint_v1.go).
 * A term names its registry the way an image name does (127.0.0.1:5000/busy searches that
 * registry for "busy"; a bare word searches Docker Hub). Other registries are first pinged at
 * /v1/_ping: https, then plain http when the registry is insecure (127.0.0.0/8 and
 * insecure-registries). Filters (stars, is-official, is-automated) are applied here, on what
 * the registry returned, as Docker does.
 */

/** One repository the registry found (the engine's view of Docker's registry.SearchResult). */
export interface SearchResult {
  name: string;
  description: string;
  starCount: number;
  isOfficial: boolean;
  /** deprecated by Docker Hub: always false in what this returns */
  isAutomated: boolean;
}

export interface SearchOptions {
  term: string;
  /** 1 to 100; 0 or none means 25 */
  limit?: number;
  /** Docker's search filters: stars=N, is-official=bool, is-automated=bool */
  filters: Map<string, string[]>;
  auth?: RegistryCredentials;
  signal?: AbortSignal;
}

/** What a search needs of the distribution settings (a subset of DistributionContext). */
export interface SearchConfig {
  endpoints: EndpointConfig;
  authFile?: string;
  idleTimeout?: number;
}

/** registry.IndexServer: Docker Hub's search endpoint, never pinged. */
const INDEX_SERVER = "https://index.docker.io/v1/";
const DEFAULT_LIMIT = 25;
const FILTERS = ["is-automated", "is-official", "stars"];

/** What the filters ask for, checked before any registry is asked. */
export interface SearchFilter {
  /** the is-official value, when the filter is present */
  official?: boolean;
  /** the highest stars=N given (0 without the filter) */
  minStars: number;
  /** is-automated=true: nothing can match (Docker Hub dropped automated builds) */
  automatedOnly: boolean;
}

/** Docker's checks of search filters, in its order and words (invalid filter 'x'). */
export function parseSearchFilters(filters: Map<string, string[]>): SearchFilter {
  for (const key of filters.keys()) if (!FILTERS.includes(key)) throw invalid(`invalid filter '${key}'`);
  // Docker answers is-automated=true before looking at the other filters' values
  if (filterBool(filters, "is-automated")) return { minStars: 0, automatedOnly: true };
  const official = filterBool(filters, "is-official");
  let minStars = 0;
  for (const v of filters.get("stars") ?? []) {
    const n = atoi(v);
    if (typeof n === "string") throw invalid(`invalid filter 'stars=${v}': ${n}`);
    minStars = Math.max(minStars, n);
  }
  return { official, minStars, automatedOnly: false };
}

/** filters.Args.GetBoolOrDefault: exactly one of 1/true or 0/false, else the filter is invalid. */
function filterBool(filters: Map<string, string[]>, key: string): boolean | undefined {
  const values = filters.get(key);
  if (values === undefined) return undefined;
  if (values.length === 0) throw invalid(`invalid filter '${key}'`);
  const isFalse = values.includes("0") || values.includes("false");
  const isTrue = values.includes("1") || values.includes("true");
  if (isFalse === isTrue) throw invalid(`invalid filter '${key}=[${values.join(" ")}]'`);
  return isTrue;
}

/** Go's strconv.Atoi on a 64-bit host: the number, or the error's text. */
export function atoi(s: string): number | string {
  if (!/^[+-]?\d+$/.test(s)) return `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`;
  const n = BigInt(s);
  if (n > 9223372036854775807n || n < -9223372036854775808n)
    return `strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`;
  return Number(n);
}

/** The results the filter keeps, is_automated cleared (Docker Hub's value is not to be trusted). */
export function filterResults(results: SearchResult[], f: SearchFilter): SearchResult[] {
  return results
    .filter((r) => (f.official === undefined || r.isOfficial === f.official) && r.starCount >= f.minStars)
    .map((r) => ({ ...r, isAutomated: false }));
}

/**
 * splitReposSearchTerm: the registry a term names and what to search it for. The part before
 * the first "/" is a registry when it has a "." or a ":" or is "localhost"; otherwise the
 * whole term is searched on Docker Hub, where "library/x" is searched as "x".
 */
export function splitSearchTerm(term: string): { index: string; remote: string; official: boolean } {
  const slash = term.indexOf("/");
  const first = slash < 0 ? "" : term.slice(0, slash);
  if (slash < 0 || (!first.includes(".") && !first.includes(":") && first !== "localhost")) {
    return { index: DOCKER_HUB, remote: term.replace(/^library\//, ""), official: true };
  }
  // normalizeIndexName: index.docker.io is Docker Hub too
  if (first === "index.docker.io" || first === DOCKER_HUB) {
    return { index: DOCKER_HUB, remote: term.slice(slash + 1).replace(/^library\//, ""), official: true };
  }
  return { index: first, remote: term.slice(slash + 1), official: false };
}

/** Searches the registry a term names; errors in Docker's words and kinds (see index.ts). */
export async function searchRegistry(cfg: SearchConfig, o: SearchOptions): Promise<SearchResult[]> {
  const filter = parseSearchFilters(o.filters);
  if (filter.automatedOnly) return [];
  if (o.term.includes("://"))
    throw invalid(`invalid repository name: repository name (${o.term}) should not have a scheme`);
  const { index, remote, official } = splitSearchTerm(o.term);
  const creds = searchCredentials(index, o.auth, cfg.authFile);
  const endpoint = official
    ? { base: INDEX_SERVER.slice(0, -"/v1/".length), tlsVerify: true, standalone: false }
    : await v1Endpoint(cfg, index, o.signal);

  const limit = o.limit || DEFAULT_LIMIT;
  if (limit < 1 || limit > 100) throw invalid(`limit ${limit} is outside the range of [1, 100]`);
  const path = `/v1/search?q=${goQueryEscape(remote)}&n=${limit}`;

  let res: IncomingMessage;
  try {
    if (creds.identitytoken && creds.username) {
      // an OAuth2 refresh token: a v2 bearer token for the registry:catalog:search scope
      const e = { url: new URL(endpoint.base), tlsVerify: endpoint.tlsVerify, mirror: false };
      const client = new RegistryClient(index, [e], creds, cfg);
      await client.ping(e, o.signal);
      res = await client.request("GET", path, {
        scopes: ["registry:catalog:search"],
        ok: () => true,
        signal: o.signal,
      });
    } else {
      // moby's v1 authTransport: Basic auth always for a standalone https registry, else
      // only when there is a user name (the request carries X-Docker-Token: true)
      const basic = endpoint.standalone || creds.username;
      const auth = Buffer.from(`${creds.username ?? ""}:${creds.password ?? ""}`).toString("base64");
      res = await get(new URL(endpoint.base + path), {
        headers: { "X-Docker-Token": "true", ...(basic ? { Authorization: `Basic ${auth}` } : {}) },
        tlsVerify: endpoint.tlsVerify,
        idleTimeout: cfg.idleTimeout,
        signal: o.signal,
      });
    }
  } catch (err) {
    throw systemError(err);
  }
  if (res.statusCode !== 200) {
    res.resume();
    // moby: errUnknown (HTTP 500), the registry's body left unread
    throw new KapselError("internal", `Unexpected status code ${res.statusCode}`);
  }
  let body: Buffer;
  try {
    body = await readBody(res);
  } catch (err) {
    throw systemError(err);
  }
  return filterResults(decodeResults(body.toString("utf8")), filter);
}

interface V1Endpoint {
  /** scheme://host[:port], as Go prints it */
  base: string;
  tlsVerify: boolean;
  /** X-Docker-Registry-Standalone (or the ping's JSON) said so, over https */
  standalone: boolean;
}

/**
 * newV1Endpoint: pings https://<index>/v1/_ping; a secure registry that fails it is an error
 * naming --insecure-registry, an insecure one is pinged again over plain http. Any HTTP answer
 * counts (a v2-only registry's 404 too: its search then fails with the status).
 */
async function v1Endpoint(cfg: SearchConfig, index: string, signal?: AbortSignal): Promise<V1Endpoint> {
  const port = /:([^:\]]*)$/.exec(index)?.[1];
  if (port !== undefined && !/^\d*$/.test(port))
    throw invalid(`parse "https://${index}": invalid port ":${port}" after host`);
  const secure = !(await isInsecure(index, cfg.endpoints.insecureRegistries));
  const https = `https://${index}`;
  try {
    const standalone = await ping(https, secure, cfg, signal);
    return { base: https, tlsVerify: secure, standalone };
  } catch (err) {
    if (signal?.aborted) throw err;
    if (secure) {
      throw invalid(
        `invalid registry endpoint ${https}/v1/: ${messageOf(err)}. If this private registry supports only HTTP or HTTPS with an unknown CA certificate, please add \`--insecure-registry ${index}\` to the daemon's arguments. In the case of HTTPS, if you have access to the registry's CA certificate, no need for the flag; simply place the CA certificate at /etc/docker/certs.d/${index}/ca.crt`,
      );
    }
    const http = `http://${index}`;
    try {
      await ping(http, false, cfg, signal);
    } catch (err2) {
      if (signal?.aborted) throw err2;
      throw invalid(
        `invalid registry endpoint "${http}/v1/". HTTPS attempt: ${messageOf(err)}. HTTP attempt: ${messageOf(err2)}`,
      );
    }
    // plain http: moby sends Basic auth there only with a user name
    return { base: http, tlsVerify: false, standalone: false };
  }
}

/** GET /v1/_ping: whether the registry says it is standalone (the default when it says nothing). */
async function ping(base: string, tlsVerify: boolean, cfg: SearchConfig, signal?: AbortSignal) {
  const res = await get(new URL(`${base}/v1/_ping`), { tlsVerify, idleTimeout: cfg.idleTimeout, signal });
  const header = res.headers["x-docker-registry-standalone"];
  if (typeof header === "string" && header !== "") {
    res.resume();
    return header === "1" || header.toLowerCase() === "true";
  }
  try {
    const info = JSON.parse((await readBody(res, 1024 * 1024)).toString("utf8")) as { standalone?: unknown };
    return typeof info?.standalone === "boolean" ? info.standalone : true;
  } catch {
    return true; // moby: "don't stop here. Just assume sane defaults"
  }
}

/**
 * A GET that follows redirects as Go's http.Client does (up to 10); the Authorization header
 * goes only to the host it was meant for.
 */
async function get(
  url: URL,
  o: { headers?: Record<string, string>; tlsVerify: boolean; idleTimeout?: number; signal?: AbortSignal },
): Promise<IncomingMessage> {
  let headers = o.headers ?? {};
  for (let hops = 0; ; hops++) {
    const res = await send({
      method: "GET",
      url,
      headers,
      tlsVerify: o.tlsVerify,
      idleTimeout: o.idleTimeout,
      signal: o.signal,
    });
    const location = res.headers.location;
    if (![301, 302, 303, 307, 308].includes(res.statusCode ?? 0) || !location) return res;
    res.resume();
    if (hops === 9) throw transportError("GET", url, new Error("stopped after 10 redirects"));
    const next = new URL(location, url);
    if (next.host !== url.host) {
      const { Authorization: _, ...rest } = headers;
      headers = rest;
    }
    url = next;
  }
}

/** url.QueryEscape: everything but letters, digits and -_.~ escaped, spaces as "+". */
export function goQueryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

/** The registry's answer ({num_results, query, results: [...]}) decoded as Go's json would. */
export function decodeResults(text: string): SearchResult[] {
  const fail = (why: string) => new KapselError("internal", `error decoding registry search results: ${why}`);
  const trimmed = text.trim();
  if (trimmed === "") throw fail("EOF");
  let v: unknown;
  try {
    v = JSON.parse(trimmed);
  } catch (err) {
    const c = trimmed[0];
    throw fail(
      /[[{"\-0-9tfn]/.test(c) ? messageOf(err) : `invalid character '${c}' looking for beginning of value`,
    );
  }
  if (v === null) return [];
  if (jsonKind(v) !== "object")
    throw fail(`json: cannot unmarshal ${jsonKind(v)} into Go value of type registry.SearchResults`);
  const results = (v as { results?: unknown }).results;
  if (results === null || results === undefined) return [];
  if (!Array.isArray(results))
    throw fail(
      `json: cannot unmarshal ${jsonKind(results)} into Go struct field SearchResults.results of type []registry.SearchResult`,
    );
  return results.map((r: unknown) => {
    const out: SearchResult = {
      name: "",
      description: "",
      starCount: 0,
      isOfficial: false,
      isAutomated: false,
    };
    if (r === null) return out;
    if (jsonKind(r) !== "object")
      throw fail(
        `json: cannot unmarshal ${jsonKind(r)} into Go struct field SearchResults.results of type registry.SearchResult`,
      );
    const o = r as Record<string, unknown>;
    const field = (key: string, type: string, ok: (x: unknown) => boolean) => {
      const x = o[key];
      if (x === null || x === undefined) return undefined;
      if (ok(x)) return x;
      const kind = typeof x === "number" ? `number ${x}` : jsonKind(x);
      throw fail(
        `json: cannot unmarshal ${kind} into Go struct field SearchResult.results.${key} of type ${type}`,
      );
    };
    out.name = (field("name", "string", (x) => typeof x === "string") as string) ?? "";
    out.description = (field("description", "string", (x) => typeof x === "string") as string) ?? "";
    out.starCount = (field("star_count", "int", (x) => Number.isSafeInteger(x)) as number) ?? 0;
    out.isOfficial = (field("is_official", "bool", (x) => typeof x === "boolean") as boolean) ?? false;
    out.isAutomated = (field("is_automated", "bool", (x) => typeof x === "boolean") as boolean) ?? false;
    return out;
  });
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "boolean") return "bool";
  return typeof v; // string, number, object
}

/** The request's credentials (else the daemon's auth file); moby ignores any it cannot read. */
function searchCredentials(index: string, given: RegistryCredentials | undefined, authFile?: string) {
  try {
    return resolveCredentials(index, given, authFile);
  } catch {
    return given ?? {};
  }
}

/** moby's systemErr: a failed exchange with the registry is the daemon's error (HTTP 500). */
function systemError(err: unknown): unknown {
  if (!(err instanceof KapselError) || err.kind === "internal") return err;
  return new KapselError("internal", err.message, { cause: err });
}
