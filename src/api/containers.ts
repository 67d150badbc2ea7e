import type { Readable } from "node:stream";
import {
  type ContainerRecord,
  selectContainers,
  type UpdateRequest,
  type WaitCondition,
} from "../engine/containers/index.ts";
import type { Engine } from "../engine/engine.ts";
import { internal, invalid, messageOf } from "../lib/errors.ts";
import { attachContainer, streamLogs } from "./container-streams.ts";
import { containerInspect, containerSummary } from "./container-views.ts";
import { queryBool, queryFilters, queryInt, readJson } from "./request.ts";
import { sendJson, sendNoContent, sendStream } from "./respond.ts";
import type { RouteContext, Router } from "./router.ts";

/**
 * The names legacy links give containers, as moby's name registry lists them in Names:
 * web's link db:alias names db "/web/alias" too. Keyed by the linked container's name.
 */
function linkNames(all: ContainerRecord[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const parent of all) {
    for (const stored of parent.hostConfig.Links ?? []) {
      // stored as "/db:/web/alias"
      const [child, name] = stored.split(":");
      if (!child?.startsWith("/") || !name) continue;
      const key = child.slice(1);
      out.set(key, [...(out.get(key) ?? []), `/${parent.name}/${name.split("/").pop()}`]);
    }
  }
  return out;
}

/** Routes for /containers: thin handlers over the container service. */
export function containerRoutes(router: Router, engine: Engine): void {
  const { containers } = engine;

  router.post("/containers/create", async (ctx) => {
    const name = ctx.query.get("name") ?? undefined;
    const body = await readJson(ctx.req, {});
    // API 1.41 added the platform the image must be of
    const platform = (ctx.version >= 1.41 && ctx.query.get("platform")) || undefined;
    const created = await containers.create(body, name || undefined, { platform });
    sendJson(ctx.res, 201, created);
  });

  router.get("/containers/json", async (ctx) => {
    const limit = queryInt(ctx.query, "limit") ?? queryInt(ctx.query, "last") ?? undefined;
    const withSize = queryBool(ctx.query, "size");
    const recs = selectContainers(containers.store.all(), {
      all: queryBool(ctx.query, "all"),
      limit,
      filters: queryFilters(ctx.query),
      resolveImage: (ref) => {
        try {
          return engine.images.resolve(ref).id;
        } catch {
          return undefined;
        }
      },
      find: (ref) => containers.store.find(ref),
      networking: (rec) => containers.networkView(rec),
    });
    const links = linkNames(containers.store.all());
    return Promise.all(
      recs.map(async (rec) =>
        containerSummary(
          rec,
          containers.networkView(rec),
          withSize ? await engine.sizes(rec) : undefined,
          links.get(rec.name),
        ),
      ),
    );
  });

  router.get("/containers/{id}/json", async (ctx) => {
    const rec = containers.store.get(ctx.params.id);
    const size = queryBool(ctx.query, "size") ? await engine.sizes(rec) : undefined;
    const view = containerInspect(
      rec,
      engine.execs.idsFor(rec.id),
      engine.graphDriver(rec),
      containers.networkView(rec),
      size,
    );
    // before API 1.45 a user network's aliases listed the container's short ID too (moby keeps
    // that for older clients, e.g. docker-py's tests at 1.44)
    if (ctx.version < 1.45) {
      for (const [name, ep] of Object.entries(view.NetworkSettings.Networks)) {
        if (["bridge", "host", "none", "default"].includes(name)) continue;
        const aliases = (ep.Aliases as string[] | null) ?? [];
        const short = rec.id.slice(0, 12);
        if (!aliases.includes(short)) ep.Aliases = [...aliases, short];
      }
    }
    return view;
  });

  router.post("/containers/{id}/start", async (ctx) => {
    if (ctx.query.get("checkpoint")) throw invalid("checkpoints are not supported");
    await containers.start(ctx.params.id);
    sendNoContent(ctx.res);
  });

  router.post("/containers/{id}/stop", async (ctx) => {
    await containers.stop(ctx.params.id, {
      timeout: queryInt(ctx.query, "t"),
      signal: ctx.query.get("signal") ?? undefined,
    });
    sendNoContent(ctx.res);
  });

  router.post("/containers/{id}/restart", async (ctx) => {
    await containers.restart(ctx.params.id, {
      timeout: queryInt(ctx.query, "t"),
      signal: ctx.query.get("signal") ?? undefined,
    });
    sendNoContent(ctx.res);
  });

  router.post("/containers/{id}/kill", async (ctx) => {
    await containers.kill(ctx.params.id, ctx.query.get("signal") ?? undefined);
    sendNoContent(ctx.res);
  });

  router.post("/containers/{id}/pause", async (ctx) => {
    await containers.pause(ctx.params.id);
    sendNoContent(ctx.res);
  });

  router.post("/containers/{id}/unpause", async (ctx) => {
    await containers.unpause(ctx.params.id);
    sendNoContent(ctx.res);
  });

  router.post("/containers/{id}/rename", async (ctx) => {
    await containers.rename(ctx.params.id, ctx.query.get("name") ?? "");
    sendNoContent(ctx.res);
  });

  router.post("/containers/{id}/resize", async (ctx) => {
    const { h, w } = resizeQuery(ctx);
    await containers.resize(ctx.params.id, h, w);
    ctx.res.writeHead(200, { "Content-Type": "text/plain" });
    ctx.res.end();
  });

  router.post("/containers/{id}/update", async (ctx) =>
    containers.update(ctx.params.id, await readJson<UpdateRequest>(ctx.req, {})),
  );

  router.post("/containers/{id}/wait", async (ctx) => {
    const condition = (ctx.query.get("condition") || "not-running") as WaitCondition;
    if (!["not-running", "next-exit", "removed"].includes(condition)) {
      throw invalid(`invalid condition: "${condition}"`);
    }
    const abort = new AbortController();
    ctx.res.on("close", () => abort.abort());
    // an unknown container throws here, before the headers go out: a 404, as Docker answers
    const result = containers.wait(ctx.params.id, condition, abort.signal);
    // Docker flushes the headers once the wait is registered: `docker run` waits for them
    // before it starts the container, so a fast exit is never missed.
    ctx.res.writeHead(200, { "Content-Type": "application/json" });
    ctx.res.flushHeaders();
    try {
      ctx.res.end(`${JSON.stringify(await result)}\n`);
    } catch (err) {
      if (!abort.signal.aborted)
        ctx.res.end(`${JSON.stringify({ StatusCode: -1, Error: { Message: messageOf(err) } })}\n`);
    }
  });

  router.delete("/containers/{id}", async (ctx) => {
    if (queryBool(ctx.query, "link"))
      throw internal("Conflict, cannot remove the default link name of the container");
    await containers.remove(ctx.params.id, {
      force: queryBool(ctx.query, "force"),
      volumes: queryBool(ctx.query, "v"),
    });
    sendNoContent(ctx.res);
  });

  // a legacy link's name, "web/db": with link=1 web drops the link, else db itself is removed
  router.delete("/containers/{parent}/{alias}", async (ctx) => {
    const { parent, alias } = ctx.params;
    if (queryBool(ctx.query, "link")) await containers.removeLink(parent, alias);
    else {
      await containers.remove(containers.linkTarget(parent, alias).id, {
        force: queryBool(ctx.query, "force"),
        volumes: queryBool(ctx.query, "v"),
      });
    }
    sendNoContent(ctx.res);
  });

  router.post("/containers/prune", async (ctx) => containers.prune(queryFilters(ctx.query)));

  router.get("/containers/{id}/changes", async (ctx) => {
    const changes = await containers.changes(ctx.params.id);
    return changes.length > 0 ? changes : null;
  });

  router.get("/containers/{id}/export", async (ctx) => {
    const rec = containers.store.get(ctx.params.id);
    await sendStream(ctx.res, "application/x-tar", (await engine.exportContainer(rec)) as Readable);
  });

  router.get("/containers/{id}/top", (ctx) => containers.top(ctx.params.id, ctx.query.get("ps_args") ?? ""));

  router.get("/containers/{id}/logs", (ctx) => streamLogs(ctx, engine));
  router.post("/containers/{id}/attach", (ctx) => attachContainer(ctx, engine));
  router.get("/containers/{id}/attach/ws", (ctx) => attachContainer(ctx, engine, { websocket: true }));
}

export function resizeQuery(ctx: RouteContext): { h: number; w: number } {
  const h = queryInt(ctx.query, "h") ?? 0;
  const w = queryInt(ctx.query, "w") ?? 0;
  if (h < 0 || w < 0 || h > 65535 || w > 65535) throw invalid("invalid terminal size");
  return { h, w };
}
