import type { ContainerConfig, ImageRecord } from "../images/index.ts";
import type { BuildArgs } from "./build-args.ts";
import type { StageOutput } from "./build-output.ts";
import type { StepCache } from "./cache.ts";
import type { BuildContext } from "./context.ts";
import type { Dockerfile } from "./dockerfile/index.ts";
import type { BuilderOptions, BuildOptions, ImageAccess } from "./index.ts";
import type { TempMarkers } from "./temp-markers.ts";

/** A stage's finished image and config, as later stages use them (FROM <stage>, COPY --from). */
export interface StageResult {
  /** undefined for a stage that is only `FROM scratch` */
  imageId: string | undefined;
  config: ContainerConfig;
}

/** Everything one build shares between its stages and steps. */
export interface BuildJob {
  deps: BuilderOptions;
  options: BuildOptions;
  context: BuildContext;
  dockerfile: Dockerfile;
  cache: StepCache;
  /** with --cache-from: the images a cached step may be (see cacheSources) */
  cacheSources?: Set<string>;
  /** SOURCE_DATE_EPOCH in seconds: the created time of every image and history entry */
  epoch?: number;
  /** "linux/amd64": the only platform built */
  platform: string;
  /** stage name (lower case) → index */
  stageNames: Map<string, number>;
  /** results of stages, by index, as they finish */
  stages: Map<number, Promise<StageResult>>;
  markers: TempMarkers;
  /** the folder for this build's scratch files (heredoc scripts, downloads) */
  scratch: string;
  signal: AbortSignal;
  /** the build args after the ARGs before the first FROM */
  metaArgs: BuildArgs;
  /** every stage's step numbers start here: "Step n/total" */
  totalSteps: number;
  /**
   * Runs cleanup work (a temporary layer's removal) beside the build; the build ends only once
   * all of it is done. Returns the work's promise, failures logged.
   */
  background(work: Promise<void>): Promise<void>;
}

/** One stage's state while its steps run (moby's dispatchState). */
export interface StageState {
  index: number;
  name?: string;
  /** the image the steps so far made; undefined before the first step of FROM scratch */
  imageId: string | undefined;
  /** the config the next image gets (Docker's runConfig) */
  config: ContainerConfig;
  os: string;
  architecture: string;
  variant?: string;
  /** MAINTAINER: the images' author */
  maintainer?: string;
  /** whether this stage set CMD (ENTRYPOINT then keeps it) */
  cmdSet: boolean;
  args: BuildArgs;
  out: StageOutput;
  /** the step number of the next instruction */
  step: number;
}

/** The shell of RUN, CMD and ENTRYPOINT in shell form, and of history's #(nop) lines. */
export function shellOf(config: ContainerConfig): string[] {
  return config.Shell && config.Shell.length > 0 ? [...config.Shell] : ["/bin/sh", "-c"];
}

/** Whether an image id still names an image. */
export function imageExists(images: { resolve(ref: string): ImageRecord }, id: string): boolean {
  try {
    images.resolve(id);
    return true;
  } catch {
    return false;
  }
}

/** Throws the abort's reason when the build was cancelled. */
export function checkAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error("Build cancelled");
}

/**
 * The images --cache-from allows cache hits on: each named image and its ancestors. Unknown
 * names are skipped, as Docker skips them. Undefined when no --cache-from was given.
 */
export function cacheSources(images: ImageAccess, names: string[] | undefined): Set<string> | undefined {
  if (!names || names.length === 0) return undefined;
  const out = new Set<string>();
  const byId = new Map(images.list().map((i) => [i.id, i]));
  for (const name of names) {
    let img: ImageRecord | undefined;
    try {
      img = images.resolve(name);
    } catch {
      continue;
    }
    while (img && !out.has(img.id)) {
      out.add(img.id);
      img = img.parent ? byId.get(img.parent) : undefined;
    }
  }
  return out;
}
