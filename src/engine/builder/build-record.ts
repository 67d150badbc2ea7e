import { BUILTIN_ARGS } from "./build-args.ts";
import type { BuildJob } from "./build-job.ts";

/** What a kapsel image says of how it was built: the image config's "kapsel.build". */
export interface BuildRecord {
  /** the Dockerfile's text */
  dockerfile: string;
  /** --build-arg values given (the proxy variables left out: they may hold credentials) */
  buildArgs: Record<string, string>;
  /** --target, when given */
  target?: string;
}

export const BUILD_RECORD_KEY = "kapsel.build";

/**
 * The final image: the target stage's last image plus the build record in its config. Its
 * history stays the steps' own, as Docker's classic builder writes it (clients compare it);
 * `kapsel image inspect` shows the record as KapselBuild. Step images never carry the record,
 * so the step cache is shared by Dockerfiles that differ only further down (or in a comment);
 * the final image is deterministic (same inputs, same bytes), so an unchanged rebuild gives the
 * same id.
 */
export async function recordBuild(job: BuildJob, imageId: string): Promise<string> {
  const { images } = job.deps;
  const img = images.resolve(imageId);
  const buildArgs: Record<string, string> = {};
  for (const k of Object.keys(job.options.buildArgs ?? {}).sort()) {
    const v = job.options.buildArgs?.[k];
    if (typeof v === "string" && !BUILTIN_ARGS.has(k)) buildArgs[k] = v;
  }
  const record: BuildRecord = {
    dockerfile: job.context.dockerfile.text,
    buildArgs,
    ...(job.options.target ? { target: job.options.target } : {}),
  };
  const { [BUILD_RECORD_KEY]: _old, ...config } = img.config;
  return images.createImage({ parent: img.id, config: { ...config, [BUILD_RECORD_KEY]: record } });
}
