import { posix } from "node:path";
import { type BuildJob, type StageState, shellOf } from "./build-job.ts";
import { commitImage, keyOf, probeCache } from "./commit.ts";
import type { WorkdirInstruction } from "./dockerfile/index.ts";
import { nopCommentString } from "./history-text.ts";
import { LayerPlan } from "./layer-plan.ts";
import { layerTar } from "./layer-tar.ts";
import { epochDate, tempLayer } from "./temp-layer.ts";

/**
 * WORKDIR (moby's dispatchWorkdir): sets the working directory (relative to the previous one)
 * and makes it, owned by root, 0755, as Docker's ContainerCreateWorkdir does. The step's image
 * has a layer only when the directory had to be made; otherwise its history entry is empty.
 */
export async function workdirStep(job: BuildJob, state: StageState, ins: WorkdirInstruction): Promise<void> {
  state.config.WorkingDir = normalizeWorkdir(state.config.WorkingDir ?? "", ins.path);
  const createdBy = nopCommentString(shellOf(state.config), `WORKDIR ${state.config.WorkingDir}`);
  const key = keyOf(job, state, createdBy);
  if (probeCache(job, state, key)) return;
  const layer = await tempLayer(job, state.imageId);
  try {
    const plan = new LayerPlan(layer.root, new Date());
    await plan.mkdirAll(state.config.WorkingDir, { uid: 0, gid: 0 });
    // only a directory that had to be made gives the step a layer
    const layerIfMade = plan.empty ? undefined : layerTar(plan, epochDate(job));
    await commitImage(job, state, { key, createdBy, layer: layerIfMade });
  } finally {
    await layer.release();
  }
}

/** moby's normalizeWorkdir (Linux): relative to the current one, cleaned. */
export function normalizeWorkdir(current: string, requested: string): string {
  const p = requested.startsWith("/") ? requested : posix.join("/", current, requested);
  const clean = posix.normalize(p);
  return clean.length > 1 ? clean.replace(/\/+$/, "") : clean;
}
