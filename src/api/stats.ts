import { cpus, totalmem } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { type ContainerRecord, cgroupPathOf } from "../engine/containers/index.ts";
import type { Engine } from "../engine/engine.ts";
import type { StatsSample } from "../engine/stats/index.ts";
import { queryBool } from "./request.ts";
import { jsonLines } from "./respond.ts";
import type { RouteContext, Router } from "./router.ts";

/** Docker's collector reads every second; a one-off read without one-shot waits this long for its "pre" sample. */
const INTERVAL_MS = 1000;
const NO_STREAM_WAIT_MS = 500;

/** GET /containers/{id}/stats: a stream of samples every second, or one (stream=false). */
export function statsRoutes(router: Router, engine: Engine): void {
  router.get("/containers/{id}/stats", (ctx) => containerStats(ctx, engine));
}

async function containerStats(ctx: RouteContext, engine: Engine): Promise<void> {
  const rec = engine.containers.store.get(ctx.params.id);
  // the stats code loads with the first request for it
  const { emptyStats, readSample, statsResponse } = await import("../engine/stats/index.ts");
  const stream = queryBool(ctx.query, "stream", true);
  const oneShot = queryBool(ctx.query, "one-shot");
  const opts = { hostMemory: totalmem(), onlineCpus: cpus().length };
  const running = () => {
    const now = engine.containers.store.find(rec.id);
    return now?.state.Running === true && !now.state.Restarting ? now : undefined;
  };
  const sample = (r: ContainerRecord) =>
    readSample({ cgroupsPath: cgroupPathOf(r.id, r.hostConfig.CgroupParent), pid: r.state.Pid }, opts);
  const out = jsonLines(ctx.res);
  if (!stream) {
    const r = running();
    if (!r) await out.write(emptyStats(rec));
    else if (oneShot) await out.write(statsResponse(rec, await sample(r), undefined));
    else {
      const first = await sample(r);
      await sleep(NO_STREAM_WAIT_MS);
      await out.write(statsResponse(rec, await sample(r), first));
    }
    out.end();
    return;
  }
  let previous: StatsSample | undefined;
  while (!out.signal.aborted && engine.containers.store.find(rec.id)) {
    const r = running();
    if (r) {
      const current = await sample(r);
      await out.write(statsResponse(rec, current, previous));
      previous = current;
    } else {
      previous = undefined;
      await out.write(emptyStats(rec));
    }
    await sleep(INTERVAL_MS, undefined, { signal: out.signal }).catch(() => {});
  }
  out.end();
}
