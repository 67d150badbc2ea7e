import type { Readable } from "node:stream";
import type { Engine } from "../engine/engine.ts";
import { invalid } from "../lib/errors.ts";
import { queryBool } from "./request.ts";
import { sendNoContent, sendStream } from "./respond.ts";
import type { RouteContext, Router } from "./router.ts";

const STAT_HEADER = "X-Docker-Container-Path-Stat";
/** the archive domain and its tar code load with the first `docker cp`, not with the daemon */
const archive = () => import("../engine/archive/index.ts");

/**
 * /containers/{id}/archive (docker cp): stat (HEAD), read (GET) and write (PUT) paths inside a
 * container, running or not. The archive domain keeps every path inside the container.
 */
export function archiveRoutes(router: Router, engine: Engine): void {
  router.head("/containers/{id}/archive", async (ctx) => {
    const path = pathParam(ctx);
    const { encodePathStat, statPath } = await archive();
    const { fs, release } = await engine.containerFs(ctx.params.id);
    try {
      const stat = await statPath(fs, path, ctx.params.id);
      ctx.res.setHeader(STAT_HEADER, encodePathStat(stat));
      sendNoContent(ctx.res, 200);
    } finally {
      await release();
    }
  });

  router.get("/containers/{id}/archive", async (ctx) => {
    const path = pathParam(ctx);
    const { archivePath, encodePathStat } = await archive();
    const { fs, rec, release } = await engine.containerFs(ctx.params.id);
    let tar: Readable;
    try {
      const found = await archivePath(fs, path, ctx.params.id);
      tar = found.tar as Readable;
      ctx.res.setHeader(STAT_HEADER, encodePathStat(found.stat));
    } catch (err) {
      await release();
      throw err;
    }
    engine.events.publish("container", "archive-path", rec.id, { image: rec.image, name: rec.name });
    await sendStream(ctx.res, "application/x-tar", tar).finally(release);
  });

  router.put("/containers/{id}/archive", async (ctx) => {
    const path = pathParam(ctx);
    const { extractArchive } = await archive();
    const { fs, rec, release } = await engine.containerFs(ctx.params.id);
    try {
      await extractArchive(fs, path, ctx.req, {
        noOverwriteDirNonDir: queryBool(ctx.query, "noOverwriteDirNonDir"),
        copyUIDGID: queryBool(ctx.query, "copyUIDGID"),
        user: rec.config.User || undefined,
        containerRef: ctx.params.id,
      });
    } catch (err) {
      ctx.req.resume(); // what the extraction left unread
      throw err;
    } finally {
      await release();
    }
    engine.events.publish("container", "extract-to-dir", rec.id, { image: rec.image, name: rec.name });
    sendNoContent(ctx.res, 200);
  });
}

/** moby's ArchiveFormValues: the path is required. */
function pathParam(ctx: RouteContext): string {
  const path = ctx.query.get("path") ?? "";
  if (path === "") throw invalid("bad parameter: path cannot be empty");
  return path;
}
