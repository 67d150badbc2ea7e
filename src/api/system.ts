import type { Engine } from "../engine/engine.ts";
import { matchesEventFilters } from "../engine/events/index.ts";
import { invalid } from "../lib/errors.ts";
import { parseTimestamp } from "../lib/timestamp.ts";
import { containerSummary } from "./container-views.ts";
import { imageSummary } from "./images.ts";
import { pluginRoutes } from "./plugins.ts";
import { queryFilters } from "./request.ts";
import { jsonLines } from "./respond.ts";
import type { RouteContext, Router } from "./router.ts";
import { API_VERSION } from "./server.ts";
import { swarmRoutes } from "./swarm.ts";

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
  router.get("/system/df", (ctx) => diskUsage(engine, ctx.query.getAll("type")));
  // registered here because the daemon wires the route areas it knows (src/daemon/main.ts)
  swarmRoutes(router, engine);
  pluginRoutes(router, engine);
}

const DF_TYPES = ["container", "image", "volume", "build-cache"];

/**
 * GET /system/df: images with their container counts and shared sizes, containers with their
 * sizes, volumes with their usage. The classic builder's cache is images, so BuildCache (the
 * BuildKit cache records) is always empty.
 */
async function diskUsage(engine: Engine, types: string[]) {
  for (const t of types) if (!DF_TYPES.includes(t)) throw invalid(`unknown object type: ${t}`);
  const want = (t: string) => types.length === 0 || types.includes(t);
  const out: Record<string, unknown> = {};
  // newest first, as docker ps and docker images list them
  const records = engine.containers.store.all().sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
  if (want("image")) {
    const images = engine.images.list({});
    // layers counted over every image, intermediate ones too (Docker's layer store)
    const layerUsers = new Map<string, number>();
    for (const img of engine.images.list())
      for (const l of img.layers) layerUsers.set(l, (layerUsers.get(l) ?? 0) + 1);
    const layerSize = (l: string) => engine.storage.getLayer(l)?.size ?? 0;
    out.LayersSize = [...layerUsers.keys()].reduce((sum, l) => sum + layerSize(l), 0);
    out.Images = images.map((img) => ({
      ...imageSummary(img),
      Containers: records.filter((r) => r.imageId === img.id).length,
      SharedSize: img.layers
        .filter((l) => (layerUsers.get(l) ?? 0) > 1)
        .reduce((s, l) => s + layerSize(l), 0),
    }));
  }
  if (want("container")) {
    out.Containers = await Promise.all(
      records.map(async (rec) =>
        containerSummary(rec, engine.containers.networkView(rec), await engine.sizes(rec)),
      ),
    );
  }
  if (want("volume")) {
    // Docker counts the local driver's volumes only
    const { Volumes } = await engine.volumes.list(new Map([["driver", ["local"]]]));
    out.Volumes = await Promise.all(
      Volumes.map(async (v) => ({
        ...v,
        UsageData: {
          Size: await engine.volumes.usage(v.Name).catch(() => -1),
          RefCount: engine.containers.volumeUsers(v.Name).length,
        },
      })),
    );
  }
  if (want("build-cache")) out.BuildCache = [];
  return out;
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
