import { setTimeout as sleep } from "node:timers/promises";
import { internal, KapselError, notImplemented, unavailable } from "../../lib/errors.ts";
import { nodeHttp } from "../../lib/node-http.ts";

/** What Docker sends as Accept to plugins (moby pkg/plugins/transport/mimetype.go). */
export const PLUGIN_MIME = "application/vnd.docker.plugins.v1.2+json";
/** Docker's Host header for plugins on unix sockets. */
const DUMMY_HOST = "plugin.moby.localhost";

/** Connection errors worth another try: the plugin may still be starting (Docker retries too). */
const RETRY_CODES = new Set(["ECONNREFUSED", "ENOENT", "ECONNRESET", "EAGAIN"]);

type Target = { socketPath: string } | { host: string; port: number };

function parseAddr(addr: string): Target {
  const u = new URL(addr);
  if (u.protocol === "unix:") return { socketPath: decodeURIComponent(u.pathname || u.host) };
  if (u.protocol === "tcp:" || u.protocol === "http:")
    return { host: u.hostname, port: Number(u.port || 80) };
  if (u.protocol === "https:") throw notImplemented("volume plugins over TLS are not implemented");
  throw internal(`unsupported plugin address ${addr}`);
}

/**
 * A plugin's HTTP client (moby pkg/plugins/client.go): every call is a POST of a JSON body to
 * /<Method>, answered by JSON. A connection that fails is retried with backoff until
 * `waitMs` has passed (Docker waits up to 30 s; kapsel keeps it short). A non-200 answer
 * becomes "<Method>: <Err or body>", Docker's statusError. Connection failures throw
 * `unavailable`, everything else `internal`.
 */
export class PluginClient {
  readonly addr: string;
  #target: Target;
  #waitMs: number;

  constructor(addr: string, waitMs: number) {
    this.addr = addr;
    this.#target = parseAddr(addr);
    this.#waitMs = waitMs;
  }

  async call<T>(method: string, args: unknown, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + this.#waitMs;
    for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
      try {
        return (await this.#once(method, args, timeoutMs)) as T;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "";
        if (err instanceof KapselError || !RETRY_CODES.has(code)) throw this.#connError(method, err);
        if (Date.now() + delay >= deadline) throw this.#connError(method, err);
        await sleep(delay);
      }
    }
  }

  #connError(method: string, err: unknown): Error {
    if (err instanceof KapselError) return err;
    const where =
      "socketPath" in this.#target ? `dial unix ${this.#target.socketPath}` : `dial tcp ${this.addr}`;
    return unavailable(`Post "http://${DUMMY_HOST}/${method}": ${where}: ${(err as Error).message}`, err);
  }

  #once(method: string, args: unknown, timeoutMs: number): Promise<unknown> {
    const body = args === undefined ? "" : `${JSON.stringify(args)}\n`;
    return new Promise((resolve, reject) => {
      const req = nodeHttp.request(
        {
          ...this.#target,
          method: "POST",
          path: `/${method}`,
          agent: false,
          headers: {
            Host: "socketPath" in this.#target ? DUMMY_HOST : `${this.#target.host}:${this.#target.port}`,
            Accept: PLUGIN_MIME,
            "Content-Length": Buffer.byteLength(body),
          },
          signal: AbortSignal.timeout(timeoutMs),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString();
            if (res.statusCode !== 200) {
              let msg = text;
              try {
                const e = JSON.parse(text) as { Err?: string };
                if (e?.Err) msg = e.Err;
              } catch {}
              return reject(internal(`${method}: ${msg}`));
            }
            try {
              resolve(text.trim() === "" ? {} : JSON.parse(text));
            } catch (err) {
              reject(internal(`${method}: error reading plugin resp: ${(err as Error).message}`, err));
            }
          });
        },
      );
      req.on("error", (err) => {
        if (err.name === "AbortError" || err.name === "TimeoutError")
          reject(unavailable(`${method}: the plugin did not answer within ${timeoutMs / 1000} s`, err));
        else reject(err);
      });
      req.end(body);
    });
  }
}
