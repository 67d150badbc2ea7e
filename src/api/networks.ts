import type { EndpointConfig } from "../engine/containers/index.ts";
import type { Engine } from "../engine/engine.ts";
import type { NetworkCreateRequest } from "../engine/network/index.ts";
import { invalid } from "../lib/errors.ts";
import { queryFilters, readJson } from "./request.ts";
import { sendJson, sendNoContent } from "./respond.ts";
import type { Router } from "./router.ts";

/**
 * Routes for /networks: thin handlers over the network domain; connect and disconnect go
 * through the containers, which keep the networks a container joins in its record.
 */
export function networkRoutes(router: Router, engine: Engine): void {
  const { network, containers } = engine;

  router.get("/networks", (ctx) => network.list(queryFilters(ctx.query)));

  router.get("/networks/{id}", (ctx) => {
    const found = network.inspect(ctx.params.id);
    // host and none have no sandboxes: their endpoints are the containers' own
    if (found.Name === "host" || found.Name === "none")
      found.Containers = { ...found.Containers, ...containers.endpointsOn(found.Name) };
    return found;
  });

  router.post("/networks/create", async (ctx) => {
    const body = await readJson<NetworkCreateRequest | null>(ctx.req, null);
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw invalid("invalid JSON: expected an object");
    sendJson(ctx.res, 201, await network.create(body));
  });

  router.delete("/networks/{id}", async (ctx) => {
    await network.remove(ctx.params.id);
    sendNoContent(ctx.res);
  });

  router.post("/networks/{id}/connect", async (ctx) => {
    const body = await readJson<{ Container?: string; EndpointConfig?: EndpointConfig | null }>(ctx.req, {});
    await containers.connectNetwork(body.Container ?? "", ctx.params.id, body.EndpointConfig);
    sendNoContent(ctx.res, 200);
  });

  router.post("/networks/{id}/disconnect", async (ctx) => {
    const body = await readJson<{ Container?: string; Force?: boolean }>(ctx.req, {});
    await containers.disconnectNetwork(body.Container ?? "", ctx.params.id, body.Force === true);
    sendNoContent(ctx.res, 200);
  });

  router.post("/networks/prune", (ctx) => network.prune(queryFilters(ctx.query)));
}
