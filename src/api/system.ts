import type { Engine } from "../engine/engine.ts";
import { matchesEventFilters } from "../engine/events/index.ts";
import { invalid } from "../lib/errors.ts";
import { parseTimestamp } from "../lib/timestamp.ts";
import { queryFilters } from "./request.ts";
import { jsonLines } from "./respond.ts";
import type { RouteContext, Router } from "./router.ts";
import { API_VERSION } from "./server.ts";

const EVENT_FILTERS = [
  "config",
  "container",
  "daemon",
  "event",
  "image",
  "label",
  "network",
  "node",
  "plugin",
  "scope",
  "secret",
  "service",
  "type",
  "volume",
];

export function systemRoutes(router: Router, engine: Engine): void {
  const ping = (ctx: RouteContext) => {
    ctx.res.writeHead(200, {
      "Content-Type": "text/plain; charset=utf-8",
      "Cache-Control": "no-cache, no-store, must-revalidate",
      Pragma: "no-cache",
      "Builder-Version": "1",
      Swarm: "inactive",
    });
    ctx.res.end(ctx.req.method === "HEAD" ? undefined : "OK");
  };
  router.get("/_ping", ping);
  router.head("/_ping", ping);
  router.get("/version", () => engine.version());
  router.get("/info", () => engine.info());
  router.get("/events", (ctx) => streamEvents(ctx, engine));
  router.get("/system/df", () => {
    throw engine.notImplemented("system df");
  });
}

/** GET /events: history since `since`, then live events until `until` or the client leaves. */
async function streamEvents(ctx: RouteContext, engine: Engine): Promise<void> {
  const filters = queryFilters(ctx.query);
  for (const key of filters.keys())
    if (!EVENT_FILTERS.includes(key)) throw invalid(`invalid filter '${key}'`);
  const since = ctx.query.get("since") ? parseTimestamp(ctx.query.get("since")!).nanos! : undefined;
  const until = ctx.query.get("until") ? parseTimestamp(ctx.query.get("until")!).nanos! : undefined;
  const now = BigInt(Date.now()) * 1_000_000n;
  if (since !== undefined && until !== undefined && until < since) {
    throw invalid("`since` time must be before `until`");
  }
  const out = jsonLines(ctx.res);
  const queue: unknown[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = engine.events.subscribe((e) => {
    if (!matchesEventFilters(e, filters)) return;
    if (until !== undefined && BigInt(e.timeNano) > until) return;
    queue.push(e);
    wake?.();
  });
  try {
    if (since !== undefined) {
      for (const e of engine.events.history(since, until ?? now)) {
        if (matchesEventFilters(e, filters)) await out.write(e);
      }
    }
    // until in the past: only history
    if (until !== undefined && until <= now) return;
    const timer =
      until !== undefined ? setTimeout(() => out.end(), Number((until - now) / 1_000_000n)) : undefined;
    try {
      while (!out.signal.aborted && !ctx.res.writableEnded) {
        if (queue.length === 0) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            out.signal.addEventListener("abort", () => resolve(), { once: true });
            ctx.res.once("finish", () => resolve());
          });
          wake = undefined;
          continue;
        }
        await out.write(queue.shift());
      }
    } finally {
      if (timer) clearTimeout(timer);
    }
  } finally {
    unsubscribe();
    out.end();
  }
}

export { API_VERSION };
