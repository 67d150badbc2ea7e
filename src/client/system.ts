import { jsonLines } from "./json-stream.ts";
import { filtersParam, type Transport } from "./transport.ts";
import type { EventMessage, FilterArgs, PingResponse, SystemInfo, SystemVersion } from "./types.ts";

export interface EventsOptions {
  /** API form: Unix "seconds[.nanoseconds]" (the CLI converts "42m" and RFC 3339 first) */
  since?: string;
  until?: string;
  filters?: FilterArgs;
  signal?: AbortSignal;
}

/** /_ping, /version, /info and /events. */
export function systemApi(t: Transport) {
  return {
    ping: async (): Promise<PingResponse> => {
      const res = await t.request({ method: "GET", path: "/_ping", unversioned: true });
      res.resume();
      return {
        apiVersion: String(res.headers["api-version"] ?? ""),
        osType: String(res.headers.ostype ?? ""),
        experimental: res.headers["docker-experimental"] === "true",
      };
    },

    version: () => t.json<SystemVersion>({ method: "GET", path: "/version" }),

    info: () => t.json<SystemInfo>({ method: "GET", path: "/info" }),

    /** POST /auth: checks credentials with the registry (Docker's AuthConfig fields). */
    login: (auth: Record<string, string | undefined>) =>
      t.json<{ Status: string; IdentityToken?: string }>({ method: "POST", path: "/auth", body: auth }),

    /**
     * The event stream: resolves once the daemon has answered, then yields events as they come.
     * Without `until` it lasts until `signal` aborts or the daemon closes it.
     */
    events: async (opts: EventsOptions = {}): Promise<AsyncGenerator<EventMessage>> => {
      const res = await t.request({
        method: "GET",
        path: "/events",
        query: {
          since: opts.since || undefined,
          until: opts.until || undefined,
          filters: filtersParam(opts.filters),
        },
        signal: opts.signal,
      });
      return jsonLines<EventMessage>(res);
    },
  };
}

export type SystemApi = ReturnType<typeof systemApi>;
