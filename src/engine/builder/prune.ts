import { isKind } from "../../lib/errors.ts";
import { BUILD_RECORD_KEY } from "./build-record.ts";
import type { StepCache } from "./cache.ts";
import type { BuilderOptions } from "./index.ts";

/**
 * `docker builder prune` for the classic builder's cache: every entry is forgotten, and the
 * images that only the cache kept go: untagged, no child image, no container using them, and
 * then their parents likewise (as `docker rmi` of a dangling image would). Images that are
 * parents of a tagged image stay, as Docker keeps them. SpaceReclaimed counts the layers of the
 * images removed (each image's own layer). A build's final image (its last step's image plus
 * the build record, build-record.ts) is not a cache entry but goes with its step: else an
 * untagged build's record would keep every step image as its parent.
 */
export async function pruneCache(
  deps: BuilderOptions,
  cache: StepCache,
): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }> {
  const { images, containers } = deps;
  const dropped = cache.clear();
  const steps = new Set([...dropped.values()].flatMap((e) => [e.image, ...(e.older ?? [])]));
  const records = images
    .list()
    .filter((i) => i.parent && steps.has(i.parent) && Object.hasOwn(i.config, BUILD_RECORD_KEY))
    .map((i) => i.id);
  const candidates = new Set([...steps, ...records]);
  let reclaimed = 0;
  for (let again = true; again; ) {
    again = false;
    const all = images.list();
    const byId = new Map(all.map((i) => [i.id, i]));
    const parents = new Set(all.map((i) => i.parent).filter((p): p is string => !!p));
    for (const id of candidates) {
      const img = byId.get(id);
      if (!img) {
        candidates.delete(id);
        continue;
      }
      if (
        img.repoTags.length > 0 ||
        img.repoDigests.length > 0 ||
        parents.has(id) ||
        containers.imageUser(id)
      )
        continue;
      const own = img.size - (img.parent ? (byId.get(img.parent)?.size ?? 0) : 0);
      try {
        await images.remove(id, { force: false, noPrune: true, isUsed: (x) => !!containers.imageUser(x) });
        reclaimed += Math.max(0, own);
        if (img.parent) candidates.add(img.parent);
        again = true;
      } catch (err) {
        if (!isKind(err, "not_found") && !isKind(err, "conflict")) throw err;
      }
      candidates.delete(id);
    }
  }
  deps.events?.("prune", { reclaimed: String(reclaimed) });
  return { CachesDeleted: [...dropped.keys()], SpaceReclaimed: reclaimed };
}
