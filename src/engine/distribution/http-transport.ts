import type { Agent, IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { KapselError } from "../../lib/errors.ts";
import { nodeHttp, nodeHttps } from "../../lib/node-http.ts";

/**
 * One HTTP exchange with a registry over node:http(s), with keep-alive connections shared by
 * every pull and push (layers go 3 at a time, so a few sockets per registry). Failures read
 * like Go's net/http ones (`Get "http://…/v2/": dial tcp …: connect: connection refused`),
 * because that is what Docker users see and search for.
 */
export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  /** a Buffer, or a stream the caller gives the length of in headers */
  body?: Buffer | Readable;
  signal?: AbortSignal;
  /** false for insecure registries: any certificate is accepted */
  tlsVerify?: boolean;
  /** ms without a byte either way before the exchange fails (a registry that hangs) */
  idleTimeout?: number;
}

const keepAlive = { keepAlive: true, maxSockets: 16 };
const httpAgent = new nodeHttp.Agent(keepAlive);
let httpsAgent: Agent | undefined;

export const DEFAULT_IDLE_TIMEOUT = 60_000;

/** Go's url.Error prefix: `Get "url"`. */
export function goUrlPrefix(method: string, url: URL): string {
  return `${method[0]}${method.slice(1).toLowerCase()} "${url.href}"`;
}

/** A network-level failure in Go's words. */
export function transportError(method: string, url: URL, err: unknown): KapselError {
  if (err instanceof KapselError) return err;
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const addr = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  let cause: string;
  switch (e?.code) {
    case "ECONNREFUSED":
      cause = `dial tcp ${addr}: connect: connection refused`;
      break;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      cause = `dial tcp: lookup ${host}: no such host`;
      break;
    case "ECONNRESET":
      cause = `read tcp ${addr}: read: connection reset by peer`;
      break;
    case "EHOSTUNREACH":
      cause = `dial tcp ${addr}: connect: no route to host`;
      break;
    case "ERR_SSL_WRONG_VERSION_NUMBER":
    case "ERR_SSL_PACKET_LENGTH_TOO_LONG":
      cause = "http: server gave HTTP response to HTTPS client";
      break;
    case "ABORT_ERR":
      cause = "context canceled";
      break;
    case "KAPSEL_IDLE_TIMEOUT":
      cause = e.message;
      break;
    default:
      cause = e?.message ?? String(err);
  }
  return new KapselError("unavailable", `${goUrlPrefix(method, url)}: ${cause}`, { cause: err });
}

/** True when an error is about the TLS handshake (a plain-HTTP registry answered an https request). */
export function isTlsMismatch(err: unknown): boolean {
  const cause = (err as { cause?: NodeJS.ErrnoException })?.cause ?? (err as NodeJS.ErrnoException);
  const code = cause?.code ?? "";
  return code.startsWith("ERR_SSL_") || code === "ECONNRESET" || code === "EPROTO";
}

/**
 * Sends a request and resolves with the response once its headers are in; the caller reads
 * or discards the body (`res.resume()`). Network errors reject, in Go's words; the body
 * stream errors the same way if the connection fails or goes idle later.
 */
export function send(r: HttpRequest): Promise<IncomingMessage> {
  const https = r.url.protocol === "https:";
  const idle = r.idleTimeout ?? DEFAULT_IDLE_TIMEOUT;
  return new Promise((resolve, reject) => {
    const req = (https ? nodeHttps().request : nodeHttp.request)(r.url, {
      method: r.method,
      headers: { "User-Agent": "kapsel (docker compatible)", ...r.headers },
      agent: https ? (httpsAgent ??= new (nodeHttps().Agent)(keepAlive)) : httpAgent,
      signal: r.signal,
      ...(https ? { rejectUnauthorized: r.tlsVerify !== false } : {}),
    });
    let response: IncomingMessage | undefined;
    req.setTimeout(idle, () => {
      const err = Object.assign(
        new Error(`net/http: timeout awaiting response (no data for ${idle / 1000} s)`),
        {
          code: "KAPSEL_IDLE_TIMEOUT",
        },
      );
      const wrapped = transportError(r.method, r.url, err);
      if (response) response.destroy(wrapped);
      else req.destroy(wrapped);
    });
    req.on("error", (err) => {
      const wrapped = transportError(r.method, r.url, err);
      if (response) response.destroy(wrapped);
      else reject(wrapped);
    });
    req.on("response", (res) => {
      response = res;
      // a connection that breaks mid-body ("aborted") becomes an error on the body stream
      // (Go reads such a body to io.ErrUnexpectedEOF, which is what Docker users see)
      res.on("aborted", () => res.destroy(new KapselError("unavailable", "unexpected EOF")));
      resolve(res);
    });
    if (r.body === undefined) req.end();
    else if (Buffer.isBuffer(r.body)) req.end(r.body);
    else {
      pipeline(r.body, req).catch((err) => req.destroy(err));
    }
  });
}

/**
 * An error met while reading a response body, as Go reports it: a connection that ends
 * before the body does is "unexpected EOF" (and worth a retry: kind unavailable).
 */
export function bodyError(err: unknown): unknown {
  if (err instanceof KapselError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === "ECONNRESET" || e?.message === "aborted" || e?.code === "ERR_STREAM_PREMATURE_CLOSE")
    return new KapselError("unavailable", "unexpected EOF", { cause: err });
  return err;
}

/** Reads a (small) response body whole: manifests, configs, tokens, errors. */
export async function readBody(res: IncomingMessage, limit = 16 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res) {
      size += (chunk as Buffer).length;
      if (size > limit) {
        res.destroy();
        throw new KapselError("invalid", `response body of more than ${limit} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    throw bodyError(err);
  }
  return Buffer.concat(chunks);
}
