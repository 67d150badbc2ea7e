import { invalid, isKind } from "../../lib/errors.ts";
import { matchLabels, untilTime } from "./image-list.ts";
import type { ImageRecord } from "./index.ts";

const ACCEPTED = ["dangling", "label", "label!", "until"];

/** What prune needs of the store. */
export interface PruneSource {
  all: ImageRecord[];
  /** ids of the images that are some image's parent */
  parents: ReadonlySet<string>;
  /** rmi without force and with pruning of parents, as Docker's prune calls it */
  remove(ref: string): Promise<Array<{ Untagged?: string; Deleted?: string }>>;
  layerSize(chainId: string): number;
}

export interface PruneReport {
  ImagesDeleted: Array<{ Untagged?: string; Deleted?: string }> | null;
  SpaceReclaimed: number;
}

/**
 * moby's ImagesPrune: by default the dangling images (untagged, no children); with
 * dangling=false every image no container uses. Images in use (a conflict on delete) are
 * skipped, not errors. `until` and `label`/`label!` narrow the candidates.
 */
export async function pruneImages(
  src: PruneSource,
  filters: Map<string, string[]>,
  now = new Date(),
): Promise<PruneReport> {
  for (const key of filters.keys()) if (!ACCEPTED.includes(key)) throw invalid(`invalid filter '${key}'`);
  const dangling = filters.get("dangling") ?? [];
  let danglingOnly = true;
  if (dangling.length > 0) {
    const v = dangling[dangling.length - 1].toLowerCase();
    if (v === "false" || v === "0") danglingOnly = false;
    else if (v !== "true" && v !== "1") throw invalid(`invalid filter 'dangling=${dangling.join(",")}'`);
  }
  const until = (filters.get("until") ?? []).map((v) => untilTime(v, now));
  const labels = filters.get("label") ?? [];
  const notLabels = filters.get("label!") ?? [];
  const sizes = new Map<string, number>();
  for (const img of src.all) for (const l of img.layers) sizes.set(l, src.layerSize(l));

  const report: PruneReport = { ImagesDeleted: [], SpaceReclaimed: 0 };
  for (const img of src.all) {
    const untagged = img.repoTags.length === 0 && img.repoDigests.length === 0;
    if (src.parents.has(img.id) && (danglingOnly || untagged)) continue; // Heads() / intermediates
    if (danglingOnly && img.repoTags.length > 0) continue;
    const created = Date.parse(img.created);
    if (until.some((t) => !(created < t))) continue;
    const imgLabels = img.config.config?.Labels ?? {};
    if (labels.length > 0 && !matchLabels(labels, imgLabels)) continue;
    if (notLabels.length > 0 && notLabels.some((l) => matchLabels([l], imgLabels))) continue;
    const refs = [...img.repoTags, ...img.repoDigests];
    for (const ref of refs.length > 0 ? refs : [img.id]) {
      try {
        report.ImagesDeleted!.push(...(await src.remove(ref)));
      } catch (err) {
        if (!isKind(err, "conflict") && !isKind(err, "not_found")) throw err;
      }
    }
  }
  for (const d of report.ImagesDeleted!) {
    if (d.Deleted && sizes.has(d.Deleted)) report.SpaceReclaimed += sizes.get(d.Deleted)!;
  }
  if (report.ImagesDeleted!.length === 0) report.ImagesDeleted = null;
  return report;
}
