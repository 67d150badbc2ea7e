import type { Engine } from "../engine/engine.ts";
import { invalid, notFound } from "../lib/errors.ts";
import { queryFilters } from "./request.ts";
import type { RouteContext, Router } from "./router.ts";

/**
 * Managed plugins (/plugins): kapsel cannot install them yet, so it answers as a Docker engine
 * with none installed: an empty list, "not found" for any name, and 501 for what would add
 * one (pull, create, upgrade, push, privileges). Legacy plugins (volume drivers found in
 * /run/docker/plugins) are not managed plugins: Docker does not list them here either.
 */
export function pluginRoutes(router: Router, engine: Engine): void {
  router.get("/plugins", (ctx) => {
    for (const key of queryFilters(ctx.query).keys())
      if (key !== "capability" && key !== "enable") throw invalid(`invalid filter '${key}'`);
    return [];
  });
  const notInstallable = () => {
    throw engine.notImplemented("installing engine plugins");
  };
  router.get("/plugins/privileges", notInstallable);
  router.post("/plugins/pull", notInstallable);
  router.post("/plugins/create", notInstallable);
  const missing = (ctx: RouteContext) => {
    throw notFound(`plugin "${ctx.params.name}" not found`);
  };
  router.get("/plugins/{name*}/json", missing);
  router.delete("/plugins/{name*}", missing);
  for (const action of ["enable", "disable", "upgrade", "push", "set"])
    router.post(`/plugins/{name*}/${action}`, missing);
}
