import { chmodSync, existsSync, unlinkSync } from "node:fs";
import type { IncomingMessage, ServerResponse as Response, Server } from "node:http";
import type { Duplex } from "node:stream";
import { invalid, KapselError, notFound } from "../lib/errors.ts";
import { nodeHttp } from "../lib/node-http.ts";
import { API_VERSION, ENGINE_VERSION, MIN_API_VERSION } from "../lib/version.ts";
import { httpStatus, sendError } from "./errors.ts";
import { sendJson } from "./respond.ts";
import type { Router, Upgrade } from "./router.ts";

export { API_VERSION, ENGINE_VERSION, MIN_API_VERSION };

const { createServer, ServerResponse } = nodeHttp;

const VERSION_PREFIX = /^\/v(\d+\.\d+)(\/.*)$/;

export interface ApiServerOptions {
  router: Router;
  log: (level: "debug" | "info" | "warn" | "error", msg: string) => void;
}

/** Splits `/v1.45/containers/json` into version and path; rejects versions out of range. */
export function negotiate(rawPath: string): { version: number; path: string } {
  const m = VERSION_PREFIX.exec(rawPath);
  if (!m) return { version: Number(API_VERSION), path: rawPath };
  const requested = m[1];
  if (compareVersions(requested, API_VERSION) > 0) {
    throw invalid(`client version ${requested} is too new. Maximum supported API version is ${API_VERSION}`);
  }
  if (compareVersions(requested, MIN_API_VERSION) < 0) {
    throw invalid(
      `client version ${requested} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
  }
  return { version: Number(requested), path: m[2] };
}

function compareVersions(a: string, b: string): number {
  const [a1, a2] = a.split(".").map(Number);
  const [b1, b2] = b.split(".").map(Number);
  return a1 !== b1 ? a1 - b1 : a2 - b2;
}

function commonHeaders(res: Response): void {
  res.setHeader("Api-Version", API_VERSION);
  res.setHeader("Docker-Experimental", "false");
  res.setHeader("Ostype", "linux");
  res.setHeader("Server", `Docker/${ENGINE_VERSION} (linux)`);
}

/** The HTTP front of kapseld: version prefixes, routing, Docker's errors, hijacked connections. */
export function createApiServer(opts: ApiServerOptions): Server {
  const { router, log } = opts;

  async function dispatch(req: IncomingMessage, res: Response, upgrade?: Upgrade): Promise<void> {
    const url = new URL(req.url ?? "/", "http://kapsel");
    const started = Date.now();
    try {
      const { version, path } = negotiate(url.pathname);
      const found = router.match(req.method ?? "GET", path);
      if (found === "no-route") throw notFound("page not found");
      if (found === "bad-method") throw new KapselError("invalid", `${req.method} not allowed`);
      const result = await found.handler({
        req,
        res,
        params: found.params,
        query: url.searchParams,
        version,
        upgrade,
      });
      if (upgrade) {
        if (!upgrade.socket.destroyed && result !== undefined) writeRaw(upgrade.socket, 200, result);
      } else if (result !== undefined && !res.headersSent) sendJson(res, 200, result);
      else if (!res.headersSent) res.end();
    } catch (err) {
      const status = httpStatus(err);
      if (status >= 500) log("error", `${req.method} ${url.pathname}: ${(err as Error).stack ?? err}`);
      if (upgrade && !res.headersSent) writeRawError(upgrade.socket, err);
      else sendError(res, err);
    } finally {
      log("debug", `${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`);
    }
  }

  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    commonHeaders(res);
    void dispatch(req, res);
  });

  // Attach and exec start upgrade the connection to a raw stream (Docker's "hijack").
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A detached response object: hijack handlers write to the socket, not to it.
    const res = new ServerResponse(req);
    commonHeaders(res);
    void dispatch(req, res, { socket, head });
  });
  return server;
}

function writeRawError(socket: Duplex, err: unknown): void {
  writeRaw(socket, httpStatus(err), { message: err instanceof Error ? err.message : String(err) });
}

/** An ordinary JSON answer written by hand on a connection that asked to be upgraded. */
function writeRaw(socket: Duplex, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  socket.end(
    `HTTP/1.1 ${status} ${status === 200 ? "OK" : "Error"}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nApi-Version: ${API_VERSION}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Listens on a unix socket path with mode 0660, replacing a stale socket file. */
export async function listenUnix(server: Server, path: string): Promise<void> {
  if (existsSync(path)) unlinkSync(path);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  chmodSync(path, 0o660);
}
