import { newId } from "../../lib/ids.ts";
import type { BuildJob } from "./build-job.ts";

/**
 * A temporary copy-on-write layer over an image, mounted: how COPY, ADD and WORKDIR look at the
 * image's files (destinations, existing directories, /etc/passwd) and COPY --from reads
 * another stage's. Nothing writes into it.
 */
export interface TempLayer {
  /** the mounted root file system */
  root: string;
  /**
   * Unmounts and removes it, in the background: the build goes on, and awaits every such
   * removal before it ends (BuildJob.background). Idempotent.
   */
  release(): Promise<void>;
}

/**
 * A storage rw layer on `imageId` (undefined: scratch), with a marker so that a daemon dying
 * before release() removes it at its next start. No container and no process.
 */
export async function tempLayer(job: BuildJob, imageId: string | undefined): Promise<TempLayer> {
  const { storage, images } = job.deps;
  const id = newId();
  await job.markers.add("rw", id);
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    void job.background(storage.removeRw(id).then(() => job.markers.remove("rw", id)));
  };
  try {
    await storage.createRw(id, imageId ? images.topLayer(imageId) : undefined);
    return { root: await storage.mount(id), release };
  } catch (err) {
    await release();
    throw err;
  }
}

/** SOURCE_DATE_EPOCH as a Date, the latest mtime a layer of this build may have. */
export function epochDate(job: BuildJob): Date | undefined {
  return job.epoch === undefined ? undefined : new Date(job.epoch * 1000);
}
