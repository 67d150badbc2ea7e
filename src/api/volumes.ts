import type { Engine } from "../engine/engine.ts";
import { invalid } from "../lib/errors.ts";
import { queryBool, queryFilters, readJson } from "./request.ts";
import { sendJson, sendNoContent } from "./respond.ts";
import type { Router } from "./router.ts";

interface VolumeCreateBody {
  Name?: unknown;
  Driver?: unknown;
  DriverOpts?: unknown;
  Labels?: unknown;
  ClusterVolumeSpec?: unknown;
}

/** Routes for /volumes: thin handlers over the volumes domain. */
export function volumeRoutes(router: Router, engine: Engine): void {
  const { volumes } = engine;

  router.get("/volumes", (ctx) => volumes.list(queryFilters(ctx.query)));

  router.post("/volumes/create", async (ctx) => {
    const body = await readJson<VolumeCreateBody | null>(ctx.req, {});
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw invalid("invalid JSON: expected an object");
    if (body.ClusterVolumeSpec) throw engine.notImplemented("cluster volumes");
    sendJson(
      ctx.res,
      201,
      await volumes.create({
        Name: optionalString(body.Name, "Name"),
        Driver: optionalString(body.Driver, "Driver"),
        DriverOpts: stringMap(body.DriverOpts, "DriverOpts"),
        Labels: stringMap(body.Labels, "Labels"),
      }),
    );
  });

  router.post("/volumes/prune", (ctx) => volumes.prune(queryFilters(ctx.query)));

  router.get("/volumes/{name}", (ctx) => volumes.inspect(ctx.params.name));

  router.put("/volumes/{name}", () => {
    throw engine.notImplemented("updating cluster volumes");
  });

  router.delete("/volumes/{name}", async (ctx) => {
    await volumes.remove(ctx.params.name, { force: queryBool(ctx.query, "force") });
    sendNoContent(ctx.res);
  });
}

function optionalString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalid(`invalid JSON: ${field} must be a string`);
  return v;
}

function stringMap(v: unknown, field: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw invalid(`invalid JSON: ${field} must be an object`);
  for (const value of Object.values(v)) {
    if (typeof value !== "string") throw invalid(`invalid JSON: the values of ${field} must be strings`);
  }
  return v as Record<string, string>;
}
