import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { ApiRequest } from "./request.ts";

/**
 * A hijacked connection (attach, exec start): present when the client asked to upgrade.
 * `head` holds bytes the client already sent after its headers (the body, then stdin).
 */
export interface Upgrade {
  socket: Duplex;
  head: Buffer;
}

export interface RouteContext extends ApiRequest {
  res: ServerResponse;
  upgrade?: Upgrade;
}

/** A handler returns a value to send as JSON (200), or undefined when it answered itself. */
export type Handler = (ctx: RouteContext) => Promise<unknown> | unknown;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

/**
 * Method + path routing. `{id}` matches one segment; `{name*}` matches the rest up to a fixed
 * suffix, because image names contain slashes (/images/localhost:5000/a/b/json).
 */
export class Router {
  #routes: Route[] = [];

  add(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path
      .replace(/[.]/g, "\\.")
      .replace(/\{(\w+)(\*?)\}/g, (_m, name: string, greedy: string) => {
        names.push(name);
        return greedy ? "(.+)" : "([^/]+)";
      });
    this.#routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  get(path: string, h: Handler): this {
    return this.add("GET", path, h);
  }
  post(path: string, h: Handler): this {
    return this.add("POST", path, h);
  }
  put(path: string, h: Handler): this {
    return this.add("PUT", path, h);
  }
  delete(path: string, h: Handler): this {
    return this.add("DELETE", path, h);
  }
  head(path: string, h: Handler): this {
    return this.add("HEAD", path, h);
  }

  /** The handler and params for a request, or why none matches (404 path, 405 method). */
  match(
    method: string,
    path: string,
  ): { handler: Handler; params: Record<string, string> } | "no-route" | "bad-method" {
    let pathMatched = false;
    for (const route of this.#routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]);
      });
      return { handler: route.handler, params };
    }
    return pathMatched ? "bad-method" : "no-route";
  }
}

export type { IncomingMessage };
