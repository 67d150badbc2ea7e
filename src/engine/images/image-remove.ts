import { conflict } from "../../lib/errors.ts";
import { shortId } from "../../lib/ids.ts";
import type { RemoveOptions } from "./index.ts";
import { familiarString, type NamedRef, parseNormalizedNamed, withDefaultTag } from "./reference.ts";

/** What rmi needs of the store. */
export interface RemoveDeps {
  references(id: string): NamedRef[];
  deleteRef(ref: NamedRef): boolean;
  children(id: string): string[];
  parent(id: string): string | undefined;
  /** forgets the image; returns the chain ids of the layers that went with it */
  deleteImage(id: string): Promise<string[]>;
  emit(action: "untag" | "delete", id: string): void;
}

type Records = Array<{ Untagged?: string; Deleted?: string }>;

// conflict kinds, as in moby's daemon/images/image_delete.go
const DEPENDENT_CHILD = 1;
const RUNNING_CONTAINER = 2;
const ACTIVE_REFERENCE = 4;
const STOPPED_CONTAINER = 8;
const HARD = DEPENDENT_CHILD | RUNNING_CONTAINER;
const SOFT = ACTIVE_REFERENCE | STOPPED_CONTAINER;

/**
 * Docker's ImageDelete. By name: untag, and delete only when that was the image's last name
 * (refusing, unless forced, when a container uses it). By id: delete, untagging every name
 * (refusing, unless forced, when it has several names or a stopped container uses it; never for
 * a running container or an image with children). Then, unless noPrune, parents left without
 * names or children go too.
 */
export async function removeImage(
  ref: string,
  id: string,
  o: RemoveOptions,
  deps: RemoveDeps,
): Promise<Records> {
  const records: Records = [];
  const user = userOf(o.isUsed(id));
  let repoRefs = deps.references(id);
  let quiet = false;

  if (!isImageIdPrefix(id, ref)) {
    if (!o.force && isSingleReference(repoRefs) && user) {
      const who = user.containerId ? `container ${shortId(user.containerId)}` : "a container";
      throw conflict(
        `conflict: unable to remove repository reference "${ref}" (must force) - ${who} is using its referenced image ${shortId(id)}`,
      );
    }
    const parsed = withDefaultTag(parseNormalizedNamed(ref));
    deps.deleteRef(parsed);
    deps.emit("untag", id);
    records.push({ Untagged: familiarString(parsed) });
    repoRefs = deps.references(id);
    if (!parsed.digest && !repoRefs.some((r) => !r.digest && sameName(r, parsed))) {
      // no tag of this repository is left: its digests go as well
      const remaining: NamedRef[] = [];
      for (const r of repoRefs) {
        if (r.digest && sameName(r, parsed)) {
          deps.deleteRef(r);
          records.push({ Untagged: familiarString(r) });
        } else remaining.push(r);
      }
      repoRefs = remaining;
    }
    if (repoRefs.length > 0) return records;
    quiet = true;
  } else if (isSingleReference(repoRefs)) {
    const mask = HARD | (o.force ? 0 : SOFT & ~ACTIVE_REFERENCE);
    const c = checkConflict(id, mask, deps, user);
    if (c) throw conflict(c.message);
    for (const r of repoRefs) {
      deps.deleteRef(r);
      deps.emit("untag", id);
      records.push({ Untagged: familiarString(withDefaultTag(r)) });
    }
  }
  await deleteHelper(id, records, o.force, !o.noPrune, quiet, deps, o);
  return records;
}

async function deleteHelper(
  id: string,
  records: Records,
  force: boolean,
  prune: boolean,
  quiet: boolean,
  deps: RemoveDeps,
  o: RemoveOptions,
): Promise<void> {
  const user = userOf(o.isUsed(id));
  const c = checkConflict(id, HARD | (force ? 0 : SOFT), deps, user);
  if (c) {
    const dangling = deps.references(id).length === 0 && deps.children(id).length === 0;
    if (quiet && (!dangling || c.used)) return;
    throw conflict(c.message);
  }
  const parent = deps.parent(id);
  for (const r of deps.references(id)) {
    deps.deleteRef(r);
    deps.emit("untag", id);
    records.push({ Untagged: familiarString(withDefaultTag(r)) });
  }
  const layers = await deps.deleteImage(id);
  deps.emit("delete", id);
  records.push({ Deleted: id });
  for (const l of layers) records.push({ Deleted: l });
  if (prune && parent) await deleteHelper(parent, records, false, true, true, deps, o);
}

function checkConflict(
  id: string,
  mask: number,
  deps: RemoveDeps,
  user: { containerId: string; running: boolean } | undefined,
): { message: string; used: boolean } | undefined {
  const make = (hard: boolean, message: string, used = false) => ({
    message: `conflict: unable to delete ${shortId(id)} (${hard ? "cannot be forced" : "must be forced"}) - ${message}`,
    used,
  });
  const who = (u: { containerId: string }) => (u.containerId ? ` ${shortId(u.containerId)}` : "");
  if (mask & DEPENDENT_CHILD && deps.children(id).length > 0)
    return make(true, "image has dependent child images");
  if (mask & RUNNING_CONTAINER && user?.running)
    return make(true, `image is being used by running container${who(user)}`, true);
  if (mask & ACTIVE_REFERENCE && deps.references(id).length > 0)
    return make(false, "image is referenced in multiple repositories");
  if (mask & STOPPED_CONTAINER && user && !user.running)
    return make(false, `image is being used by stopped container${who(user)}`, true);
  return undefined;
}

function userOf(
  u: ReturnType<RemoveOptions["isUsed"]>,
): { containerId: string; running: boolean } | undefined {
  if (!u) return undefined;
  if (u === true) return { containerId: "", running: false };
  return u;
}

function sameName(a: NamedRef, b: NamedRef): boolean {
  return a.domain === b.domain && a.path === b.path;
}

/** isImageIDPrefix: the string the user typed is the start of the id, with or without sha256:. */
export function isImageIdPrefix(id: string, ref: string): boolean {
  return id.startsWith(ref) || id.slice(id.indexOf(":") + 1).startsWith(ref);
}

/** Docker's isSingleReference: one tag, possibly with digests of the same repository. */
export function isSingleReference(refs: NamedRef[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  let single: NamedRef | undefined;
  const canonical = new Set<string>();
  for (const r of refs) {
    if (r.digest) canonical.add(`${r.domain}/${r.path}`);
    else if (!single) single = r;
    else return false;
  }
  single ??= refs[0];
  return canonical.size === 1 && canonical.has(`${single.domain}/${single.path}`);
}
