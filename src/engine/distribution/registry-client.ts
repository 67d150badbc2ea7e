import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { type ErrorKind, KapselError } from "../../lib/errors.ts";
import { type Challenge, parseChallenges } from "./auth-challenge.ts";
import type { Endpoint } from "./endpoints.ts";
import {
  goUrlPrefix,
  type HttpRequest,
  isTlsMismatch,
  readBody,
  send,
  transportError,
} from "./http-transport.ts";
import type { RegistryCredentials } from "./index.ts";
import { RegistryError, registryError } from "./registry-errors.ts";

/**
 * One registry as seen by one pull, push or login: which endpoint answers (https or, for
 * insecure registries, plain http), how it wants us to authenticate (the challenge of
 * GET /v2/), and the tokens got for each set of scopes. Docker's v2 auth flow: anonymous,
 * Basic with the user's credentials, or a Bearer token from the challenge's realm (with the
 * credentials as Basic auth, or an identity token as an OAuth2 refresh token).
 */
export interface RequestOptions {
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** scopes the request needs, e.g. repository:library/busybox:pull */
  scopes?: string[];
  /** statuses that are not errors (default: 2xx) */
  ok?: (status: number) => boolean;
  signal?: AbortSignal;
  /** follow redirects (GET/HEAD of blobs) */
  redirect?: boolean;
  /** a full URL (an upload location) instead of a path under the endpoint */
  url?: URL;
}

interface Token {
  value: string;
  expires: number;
}

/** The endpoint that worked last for a registry, so later pulls skip a failing https attempt. */
const workingEndpoint = new Map<string, string>();

export class RegistryClient {
  readonly domain: string;
  readonly #endpoints: Endpoint[];
  readonly #creds: RegistryCredentials;
  readonly #idleTimeout?: number;
  #endpoint?: Endpoint;
  #challenge?: Challenge;
  readonly #tokens = new Map<string, Token>();
  /** an OAuth2 refresh token handed out at login (Docker's IdentityToken) */
  refreshToken?: string;

  constructor(
    domain: string,
    endpoints: Endpoint[],
    creds: RegistryCredentials,
    o: { idleTimeout?: number } = {},
  ) {
    this.domain = domain;
    this.#endpoints = endpoints;
    this.#creds = creds;
    this.#idleTimeout = o.idleTimeout;
  }

  get endpoint(): Endpoint {
    if (!this.#endpoint) throw new Error("registry client used before ping");
    return this.#endpoint;
  }

  /** Endpoints to try in order: the one that worked last time first. */
  candidates(): Endpoint[] {
    const last = workingEndpoint.get(this.domain);
    const list = [...this.#endpoints];
    const i = list.findIndex((e) => e.url.href === last);
    if (i > 0) list.unshift(...list.splice(i, 1));
    return list;
  }

  /**
   * GET /v2/ on an endpoint: whether it speaks the registry API, and its auth challenge.
   * Throws the transport error (the caller tries the next endpoint).
   */
  async ping(endpoint: Endpoint, signal?: AbortSignal): Promise<void> {
    const url = new URL("v2/", withSlash(endpoint.url));
    const res = await send({
      method: "GET",
      url,
      signal,
      tlsVerify: endpoint.tlsVerify,
      idleTimeout: this.#idleTimeout,
    });
    res.resume();
    if (res.statusCode !== 200 && res.statusCode !== 401) {
      throw new KapselError(
        "unavailable",
        `Get "${url.href}": received unexpected HTTP status: ${res.statusCode} ${res.statusMessage}`,
      );
    }
    const challenges = parseChallenges(res.headers["www-authenticate"]);
    this.#challenge =
      challenges.find((c) => c.scheme === "bearer") ?? challenges.find((c) => c.scheme === "basic");
    this.#endpoint = endpoint;
    workingEndpoint.set(this.domain, endpoint.url.href);
  }

  /** Pings the endpoints in turn until one answers; throws the last error. */
  async connect(signal?: AbortSignal, endpoints = this.candidates()): Promise<void> {
    let last: unknown;
    for (const e of endpoints) {
      try {
        await this.ping(e, signal);
        return;
      } catch (err) {
        last = err;
        if (signal?.aborted) break;
        // https refused by a plain-http registry: the http endpoint comes next
        if (!isTlsMismatch(err)) workingEndpoint.delete(this.domain);
      }
    }
    throw last;
  }

  /**
   * The Authorization header for a request needing scopes, fetching a token when the
   * challenge asks for one. Failures read as Go's url.Error of the request they were for
   * (`Get "…": no basic auth credentials`), as Docker's do.
   */
  async #authorization(
    method: string,
    url: URL,
    scopes: string[],
    force: boolean,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const c = this.#challenge;
    if (!c) return undefined;
    const { username, password } = this.#creds;
    if (c.scheme === "basic") {
      // a plain error in moby (HTTP 500): a 401 would make the docker CLI prompt for a login
      if (!username && !password)
        throw new KapselError("internal", `${goUrlPrefix(method, url)}: no basic auth credentials`);
      return `Basic ${Buffer.from(`${username ?? ""}:${password ?? ""}`).toString("base64")}`;
    }
    if (this.#creds.registrytoken) return `Bearer ${this.#creds.registrytoken}`;
    const key = [...new Set(scopes)].sort().join(" ");
    const cached = this.#tokens.get(key);
    if (!force && cached && cached.expires > Date.now()) return `Bearer ${cached.value}`;
    let token: Token;
    try {
      token = await this.#fetchToken(c, [...new Set(scopes)].sort(), false, signal);
    } catch (err) {
      throw wrapUrlError(method, url, err, "internal");
    }
    this.#tokens.set(key, token);
    return `Bearer ${token.value}`;
  }

  /**
   * A token from the realm. With an identity token: OAuth2 POST (grant_type=refresh_token);
   * otherwise GET with the credentials as Basic auth (none: an anonymous token). `offline`
   * asks for a refresh token too (login).
   */
  async #fetchToken(c: Challenge, scopes: string[], offline: boolean, signal?: AbortSignal): Promise<Token> {
    const realm = c.params.realm;
    if (!realm) throw new KapselError("internal", "no realm specified for token auth challenge");
    let realmUrl: URL;
    try {
      realmUrl = new URL(realm);
    } catch {
      throw new KapselError("internal", `invalid token auth challenge realm: ${realm}`);
    }
    const { username, password } = this.#creds;
    const refresh = this.#creds.identitytoken || this.refreshToken;
    const tlsVerify =
      realmUrl.protocol === "https:" && this.#endpoint?.url.host === realmUrl.host
        ? this.#endpoint.tlsVerify
        : true;
    let res: IncomingMessage;
    const req: HttpRequest = {
      method: "GET",
      url: realmUrl,
      signal,
      tlsVerify,
      idleTimeout: this.#idleTimeout,
    };
    if (refresh) {
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: refresh,
        client_id: "docker",
        ...(c.params.service ? { service: c.params.service } : {}),
        ...(scopes.length ? { scope: scopes.join(" ") } : {}),
        ...(offline ? { access_type: "offline" } : {}),
      });
      const body = Buffer.from(form.toString());
      res = await send({
        ...req,
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Content-Length": String(body.length),
        },
        body,
      });
    } else {
      const url = new URL(realmUrl);
      if (c.params.service) url.searchParams.set("service", c.params.service);
      for (const s of scopes) url.searchParams.append("scope", s);
      if (username) url.searchParams.set("account", username);
      if (offline) {
        url.searchParams.set("offline_token", "true");
        url.searchParams.set("client_id", "docker");
      }
      const headers: Record<string, string> =
        username || password
          ? {
              Authorization: `Basic ${Buffer.from(`${username ?? ""}:${password ?? ""}`).toString("base64")}`,
            }
          : {};
      res = await send({ ...req, url, headers });
    }
    const text = (await readBody(res)).toString("utf8");
    if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300)
      throw registryError(res.statusCode ?? 0, res.statusMessage ?? "", text);
    let body: { token?: string; access_token?: string; expires_in?: number; refresh_token?: string };
    try {
      body = JSON.parse(text);
    } catch {
      throw new KapselError("internal", "unable to decode token response: not JSON");
    }
    const value = body.access_token || body.token;
    if (!value)
      throw new KapselError("unauthorized", "authorization server did not include a token in the response");
    if (body.refresh_token) this.refreshToken = body.refresh_token;
    // tokens last at least 60 s (the spec's minimum); renew a little early
    const ttl = Math.max(body.expires_in ?? 60, 60) * 1000;
    return { value, expires: Date.now() + ttl - 5000 };
  }

  /**
   * Login (Docker's loginV2): GET /v2/ with the credentials, asking the token server for an
   * offline (refresh) token. Resolves with it, or "" when the registry gave none.
   */
  async login(signal?: AbortSignal): Promise<string> {
    const c = this.#challenge;
    const url = new URL("v2/", withSlash(this.endpoint.url));
    if (c?.scheme === "bearer" && !this.#creds.registrytoken) {
      try {
        this.#tokens.set("", await this.#fetchToken(c, [], true, signal));
      } catch (err) {
        throw wrapUrlError("GET", url, err);
      }
    }
    const res = await this.#send(
      "GET",
      url,
      {},
      await this.#authorization("GET", url, [], false, signal),
      signal,
    );
    res.resume();
    // moby's loginV2: a plain error (HTTP 500 from the daemon), whatever the registry's status
    if (res.statusCode !== 200) {
      throw new KapselError(
        "internal",
        `login attempt to ${url.href} failed with status: ${res.statusCode} ${res.statusMessage}`,
      );
    }
    return this.refreshToken ?? this.#creds.identitytoken ?? "";
  }

  #send(
    method: string,
    url: URL,
    o: RequestOptions,
    authorization: string | undefined,
    signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    return send({
      method,
      url,
      headers: { ...o.headers, ...(authorization ? { Authorization: authorization } : {}) },
      body: o.body,
      signal,
      tlsVerify: this.endpoint.tlsVerify,
      idleTimeout: this.#idleTimeout,
    });
  }

  /** A URL under the endpoint: path is like /v2/<name>/manifests/<ref>. */
  url(path: string): URL {
    return new URL(path.replace(/^\//, ""), withSlash(this.endpoint.url));
  }

  /**
   * Sends a request with the right credentials. A 401 with a cached token is retried once
   * with a fresh one (expired, or short of a scope). A status that `ok` refuses becomes the
   * registry's error (its body read); the caller reads or discards the body of the response.
   */
  async request(method: string, path: string, o: RequestOptions = {}): Promise<IncomingMessage> {
    let url = o.url ?? this.url(path);
    const ok = o.ok ?? ((s: number) => s >= 200 && s < 300);
    const retriable = o.body === undefined || Buffer.isBuffer(o.body);
    let auth = await this.#authorization(method, url, o.scopes ?? [], false, o.signal);
    let res: IncomingMessage;
    try {
      res = await this.#send(method, url, o, auth, o.signal);
      if (
        res.statusCode === 401 &&
        retriable &&
        this.#challenge?.scheme === "bearer" &&
        !this.#creds.registrytoken
      ) {
        res.resume();
        auth = await this.#authorization(method, url, o.scopes ?? [], true, o.signal);
        res = await this.#send(method, url, o, auth, o.signal);
      }
      for (let hops = 0; o.redirect && isRedirect(res.statusCode) && hops < 5; hops++) {
        res.resume();
        const next = new URL(String(res.headers.location), url);
        // credentials stay with the registry: a redirect to storage elsewhere gets none
        const sameOrigin = next.origin === this.endpoint.url.origin;
        url = next;
        res = await send({
          method,
          url,
          headers: { ...o.headers, ...(sameOrigin && auth ? { Authorization: auth } : {}) },
          signal: o.signal,
          tlsVerify: sameOrigin ? this.endpoint.tlsVerify : true,
          idleTimeout: this.#idleTimeout,
        });
      }
    } catch (err) {
      throw err instanceof KapselError ? err : transportError(method, url, err);
    }
    const status = res.statusCode ?? 0;
    if (ok(status)) return res;
    const text = method === "HEAD" ? "" : (await readBody(res).catch(() => Buffer.alloc(0))).toString("utf8");
    const bearer = parseChallenges(res.headers["www-authenticate"]).find((c) => c.scheme === "bearer");
    throw registryError(
      status,
      res.statusMessage ?? "",
      text,
      bearer?.params.error
        ? { error: bearer.params.error, description: bearer.params.error_description }
        : undefined,
    );
  }
}

/**
 * An error met while authorising a request, prefixed as Go's url.Error of that request. Its
 * kind: `kind` when given (moby treats such errors as unknown, HTTP 500, outside login), else
 * the cause's.
 */
function wrapUrlError(method: string, url: URL, err: unknown, kind?: ErrorKind): KapselError {
  if (err instanceof KapselError && err.message.startsWith(goUrlPrefix(method, url))) return err;
  kind ??= err instanceof KapselError ? err.kind : "internal";
  return new KapselError(
    kind,
    `${goUrlPrefix(method, url)}: ${err instanceof Error ? err.message : String(err)}`,
    {
      cause: err,
    },
  );
}

function isRedirect(status: number | undefined): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

function withSlash(u: URL): URL {
  return u.pathname.endsWith("/") ? u : new URL(`${u.href}/`);
}

export { RegistryError };
