import type * as Http from "node:http";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { nodeHttp } from "../lib/node-http.ts";
import { ConnectionError, DaemonError, messageOfBody } from "./errors.ts";
import type { DaemonAddress } from "./host.ts";
import type { FilterArgs } from "./types.ts";

/** Query values: undefined and false are left out, true is sent as "1" (as Docker's client does). */

export type QueryValue = string | number | boolean | undefined | null | readonly string[];

export interface CallOptions {
  method: "GET" | "POST" | "PUT" | "DELETE" | "HEAD";
  path: string;
  query?: Record<string, QueryValue>;
  /** a plain object is sent as JSON; a Readable or Buffer is sent as is (with `contentType`) */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** leave out the /v1.xx prefix (Docker pings /_ping unversioned) */
  unversioned?: boolean;
}

/** A hijacked connection after `101 Switching Protocols`: a raw duplex socket. */
export interface HijackedConnection {
  /** bytes from the daemon: container output, multiplexed unless the session has a TTY */
  readonly socket: Socket;
  /** the Content-Type the daemon announced (raw-stream or multiplexed-stream) */
  readonly contentType: string;
  /** Docker's CloseWrite: send EOF for stdin while still reading output */
  closeWrite(): void;
  close(): void;
}

/** The HTTP layer: one per client. Knows the version prefix, encodes queries, maps errors. */
export class Transport {
  readonly address: DaemonAddress;
  readonly prefix: string;
  #agent: Http.Agent;

  constructor(address: DaemonAddress, apiVersion: string) {
    this.address = address;
    this.prefix = apiVersion ? `/v${apiVersion}` : "";
    this.#agent = new nodeHttp.Agent({ keepAlive: true });
  }

  /** Sends a request and resolves with the response once its headers arrive; status >= 400 rejects. */
  async request(opts: CallOptions): Promise<Http.IncomingMessage> {
    const req = nodeHttp.request(this.#requestOptions(opts, this.#agent));
    const responded = new Promise<Http.IncomingMessage>((resolve, reject) => {
      req.once("response", resolve);
      req.once("error", (err) => reject(this.#connectionError(err)));
    });
    this.#sendBody(req, opts);
    const res = await responded;
    if ((res.statusCode ?? 500) >= 400) throw await errorOf(res);
    return res;
  }

  /** A request whose JSON answer is returned; an empty body gives undefined. */
  async json<T>(opts: CallOptions): Promise<T> {
    const res = await this.request(opts);
    const text = await readText(res);
    return (text.trim() === "" ? undefined : JSON.parse(text)) as T;
  }

  /** A JSON answer both parsed and as the daemon's own text (inspect prints the text). */
  async jsonWithRaw<T>(opts: CallOptions): Promise<{ value: T; raw: string }> {
    const raw = await readText(await this.request(opts));
    return { value: JSON.parse(raw) as T, raw };
  }

  /** A request whose answer is ignored (204 and friends). */
  async call(opts: CallOptions): Promise<void> {
    const res = await this.request(opts);
    res.resume();
    await new Promise<void>((resolve) =>
      res.complete ? resolve() : res.once("end", resolve).once("close", resolve),
    );
  }

  /**
   * POSTs with `Upgrade: tcp` / `Connection: Upgrade` and returns the raw socket once the daemon
   * answers 101. Uses a connection of its own (never the keep-alive pool). Bytes the daemon sent
   * right behind its headers are pushed back so no output is lost.
   */
  async hijack(opts: CallOptions): Promise<HijackedConnection> {
    const reqOpts = this.#requestOptions(opts, false);
    reqOpts.headers = { ...reqOpts.headers, Connection: "Upgrade", Upgrade: "tcp" };
    const req = nodeHttp.request(reqOpts);
    const upgraded = new Promise<HijackedConnection>((resolve, reject) => {
      req.once("upgrade", (res, socket, head) => {
        if (head.length > 0) socket.unshift(head);
        const sock = socket as Socket;
        resolve({
          socket: sock,
          contentType: String(res.headers["content-type"] ?? ""),
          closeWrite: () => {
            if (!sock.writableEnded) sock.end();
          },
          close: () => sock.destroy(),
        });
      });
      req.once("response", (res) => {
        if ((res.statusCode ?? 500) >= 400) errorOf(res).then(reject, reject);
        else {
          res.resume();
          reject(new Error(`unable to upgrade to tcp, received ${res.statusCode}`));
        }
      });
      req.once("error", (err) => reject(this.#connectionError(err)));
    });
    this.#sendBody(req, opts);
    return upgraded;
  }

  /** Drops idle keep-alive connections so the process can exit. */
  close(): void {
    this.#agent.destroy();
  }

  #requestOptions(opts: CallOptions, agent: Http.Agent | false): Http.RequestOptions {
    const headers: Record<string, string> = { "User-Agent": "kapsel-cli", ...opts.headers };
    const isJson = opts.body !== undefined && !(opts.body instanceof Readable) && !Buffer.isBuffer(opts.body);
    if (isJson) headers["Content-Type"] = "application/json";
    else if (opts.contentType) headers["Content-Type"] = opts.contentType;
    const base: Http.RequestOptions = {
      method: opts.method,
      path: (opts.unversioned ? "" : this.prefix) + opts.path + encodeQuery(opts.query),
      headers,
      agent,
      signal: opts.signal,
    };
    // servername "": no TLS here, and the agent would otherwise test the host against isIP's
    // large regex, whose first compile costs ~3 ms per CLI run
    if (this.address.kind === "unix") {
      const unix: Http.RequestOptions & { servername: string } = {
        ...base,
        socketPath: this.address.socketPath,
        servername: "",
      };
      return unix;
    }
    return { ...base, host: this.address.host, port: this.address.port };
  }

  #sendBody(req: Http.ClientRequest, opts: CallOptions): void {
    const body = opts.body;
    if (body === undefined) req.end();
    else if (body instanceof Readable) {
      body.on("error", (err) => req.destroy(err));
      body.pipe(req);
    } else if (Buffer.isBuffer(body)) req.end(body);
    else req.end(JSON.stringify(body));
  }

  /** Failures before any response mean the daemon is not there: Docker's "Cannot connect" error. */
  #connectionError(err: Error): Error {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ECONNREFUSED" || code === "EACCES" || code === "ENOTDIR") {
      return new ConnectionError(this.address.url, err);
    }
    return err;
  }
}

export function encodeQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === false) continue;
    if (value === true) params.append(key, "1");
    else if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

/** Docker's `filters` parameter: {"name":{"value":true}}; undefined when there is nothing to filter. */
export function filtersParam(filters: FilterArgs | undefined): string | undefined {
  if (!filters || filters.size === 0) return undefined;
  const obj: Record<string, Record<string, boolean>> = {};
  for (const [key, values] of filters) {
    obj[key] ??= {};
    for (const v of values) obj[key][v] = true;
  }
  return JSON.stringify(obj);
}

export async function readText(res: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

async function errorOf(res: Http.IncomingMessage): Promise<DaemonError> {
  const status = res.statusCode ?? 500;
  let body = "";
  try {
    body = await readText(res);
  } catch {
    // the body is only for the message; the status alone still tells the kind
  }
  return new DaemonError(status, messageOfBody(status, body));
}
