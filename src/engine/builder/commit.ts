import type { ContainerConfig } from "../images/index.ts";
import { type BuildJob, imageExists, type StageState } from "./build-job.ts";
import { stepKey } from "./cache.ts";

/** The keys an image keeps of a config, in the order Docker's container.Config marshals them. */
const IMAGE_KEYS = [
  "User",
  "ExposedPorts",
  "Env",
  "Cmd",
  "Healthcheck",
  "ArgsEscaped",
  "Volumes",
  "WorkingDir",
  "Entrypoint",
  "OnBuild",
  "Labels",
  "StopSignal",
  "Shell",
] as const;

/** The stage's config as its image keeps it: empty fields left out, keys in a fixed order. */
export function imageConfigOf(c: ContainerConfig): ContainerConfig {
  const out: ContainerConfig = {};
  for (const k of IMAGE_KEYS) {
    const v = c[k];
    if (v === undefined || v === null || v === "" || v === false) continue;
    if (Array.isArray(v) ? v.length === 0 : typeof v === "object" && Object.keys(v).length === 0) continue;
    (out as Record<string, unknown>)[k] = structuredClone(v);
  }
  return out;
}

/** RFC 3339 of SOURCE_DATE_EPOCH, or undefined (the image store then uses now). */
export function createdTime(job: BuildJob): string | undefined {
  return job.epoch === undefined
    ? undefined
    : new Date(job.epoch * 1000).toISOString().replace(/\.000Z$/, "Z");
}

/** The cache key of a step of this stage, from its history text (see cache.ts). */
export function keyOf(job: BuildJob, state: StageState, step: string): string {
  return stepKey({
    parent: state.imageId,
    step,
    config: imageConfigOf(state.config),
    author: state.maintainer,
    epoch: job.epoch,
    platform: job.platform,
  });
}

/**
 * Docker's probeCache: with a cached image for the key (and no --no-cache), the stage moves to
 * it and " ---> Using cache" is printed. Returns whether it hit.
 */
export function probeCache(job: BuildJob, state: StageState, key: string): boolean {
  if (job.options.noCache) return false;
  const sources = job.cacheSources;
  const hit = job.cache.get(
    key,
    (id) => imageExists(job.deps.images, id),
    sources ? (id) => sources.has(id) : undefined,
  );
  if (!hit) return false;
  state.out.usingCache();
  state.imageId = hit;
  return true;
}

/**
 * Makes the step's image: the stage's config, the parent's history plus this step's entry
 * (created_by, empty_layer without a layer), and the layer if given; remembers it under `key`.
 */
export async function commitImage(
  job: BuildJob,
  state: StageState,
  o: { key: string; createdBy: string; layer?: NodeJS.ReadableStream },
): Promise<void> {
  const id = await job.deps.images.createImage({
    parent: state.imageId,
    layer: o.layer,
    config: {
      config: imageConfigOf(state.config),
      created: createdTime(job),
      architecture: state.architecture,
      os: state.os,
      ...(state.variant ? { variant: state.variant } : {}),
    },
    author: state.maintainer,
    createdBy: o.createdBy,
  });
  job.cache.set(o.key, id);
  state.imageId = id;
}

/** A metadata step (ENV, LABEL, CMD, ...): the config changed; probe the cache, else commit. */
export async function commitMetadata(job: BuildJob, state: StageState, createdBy: string): Promise<void> {
  const key = keyOf(job, state, createdBy);
  if (probeCache(job, state, key)) return;
  await commitImage(job, state, { key, createdBy });
}
