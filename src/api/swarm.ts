import type { Engine } from "../engine/engine.ts";
import { unavailable } from "../lib/errors.ts";
import type { Router } from "./router.ts";

/** moby's daemon/cluster errors for a node that never joined a swarm (both 503 Unavailable). */
const NO_SWARM = "This node is not part of a swarm";
const NO_MANAGER =
  'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';

/**
 * Swarm-mode routes as a Docker node outside any swarm answers them: kapsel has no swarm mode,
 * so it is always that node. Clients rely on these answers: `leave --force` treats 503 as "not
 * in a swarm" (docker-py, compose), and the manager-only lists fail with Docker's 503, not 404.
 * Only creating or joining a swarm is missing (501).
 */
export function swarmRoutes(router: Router, engine: Engine): void {
  const noManager = () => {
    throw unavailable(NO_MANAGER);
  };
  router.get("/swarm", noManager);
  router.get("/swarm/unlockkey", noManager);
  router.post("/swarm/update", noManager);
  router.post("/swarm/unlock", noManager);
  router.post("/swarm/leave", () => {
    throw unavailable(NO_SWARM);
  });
  router.post("/swarm/init", () => {
    throw engine.notImplemented("swarm mode");
  });
  router.post("/swarm/join", () => {
    throw engine.notImplemented("swarm mode");
  });
  for (const area of ["nodes", "services", "tasks", "secrets", "configs"]) {
    router.get(`/${area}`, noManager);
    router.get(`/${area}/{id}`, noManager);
    router.delete(`/${area}/{id}`, noManager);
    router.post(`/${area}/{id}/update`, noManager);
  }
  router.post("/services/create", noManager);
  router.post("/secrets/create", noManager);
  router.post("/configs/create", noManager);
  router.get("/services/{id}/logs", noManager);
  router.get("/tasks/{id}/logs", noManager);
}
