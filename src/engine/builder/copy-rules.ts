import { posix } from "node:path";
import { invalid } from "../../lib/errors.ts";
import { isArchive } from "./add-archive.ts";
import type { CopyInfo } from "./copy-sources.ts";
import type { LayerPlan, Owner } from "./layer-plan.ts";
import type { SourceTree } from "./source-tree.ts";

export interface CopyOptions {
  /** the owner of what is copied; undefined keeps the source's (COPY --from without --chown) */
  owner?: Owner;
  /** --chmod: the mode of every file and directory copied */
  mode?: number;
  /** ADD: local tar archives are unpacked into the destination */
  decompress: boolean;
}

const ROOT: Owner = { uid: 0, gid: 0 };

/**
 * Plans one source of a COPY or ADD at `dest` (absolute; a trailing `/` means a directory), by
 * moby's performCopyForInfo: a directory's contents go into dest; ADD unpacks a local archive
 * into dest; a file goes to dest, or into it when dest is an existing directory (symlinks
 * followed) or ends in `/`. Missing directories are made as the copy's owner, 0755.
 */
export async function planCopy(plan: LayerPlan, dest: string, info: CopyInfo, o: CopyOptions): Promise<void> {
  const dirOwner = o.owner ?? ROOT;
  if (info.stat.type === "dir") {
    const dirRel = await plan.mkdirAll(dest, dirOwner);
    await planDirContents(plan, info.tree, info.resolved, dirRel, o);
    return;
  }
  const host = info.tree.hostPath(info.resolved);
  if (o.decompress && !info.noDecompress && info.stat.type === "file" && (await isArchive(host))) {
    plan.archives.push({ source: host, destRel: await plan.mkdirAll(dest, dirOwner) });
    return;
  }
  const intoDir = dest.endsWith("/") || (await plan.isDir(dest));
  const parentRel = await plan.mkdirAll(intoDir ? dest : posix.dirname(dest), dirOwner);
  const rel = join(parentRel, posix.basename(intoDir ? info.rel : dest));
  await checkNotDir(plan, rel);
  plan.add(rel, info.stat, { owner: o.owner, mode: o.mode, source: host });
}

/** A file the builder made itself (COPY <<EOF): 0644 unless --chmod, named `name` in a directory dest. */
export async function planInlineFile(
  plan: LayerPlan,
  dest: string,
  name: string,
  file: { source: string; size: number; mtime: number },
  o: CopyOptions,
): Promise<void> {
  const owner = o.owner ?? ROOT;
  const intoDir = dest.endsWith("/") || (await plan.isDir(dest));
  const parentRel = await plan.mkdirAll(intoDir ? dest : posix.dirname(dest), owner);
  const rel = join(parentRel, intoDir ? name : posix.basename(dest));
  await checkNotDir(plan, rel);
  plan.add(
    rel,
    { type: "file", mode: 0o644, uid: owner.uid, gid: owner.gid, mtime: file.mtime, size: file.size },
    { owner, mode: o.mode, source: file.source },
  );
}

async function checkNotDir(plan: LayerPlan, rel: string): Promise<void> {
  if ((await plan.lookup(rel))?.type === "dir")
    throw invalid(`cannot copy a file over the directory /${rel}`);
}

async function planDirContents(
  plan: LayerPlan,
  tree: SourceTree,
  srcRel: string,
  dirRel: string,
  o: CopyOptions,
): Promise<void> {
  for (const name of await tree.list(srcRel)) {
    const child = srcRel === "" ? name : `${srcRel}/${name}`;
    const st = await tree.stat(child);
    if (!st) continue;
    const rel = join(dirRel, name);
    plan.add(rel, st, {
      owner: o.owner,
      mode: o.mode,
      source: st.type === "file" ? tree.hostPath(child) : undefined,
    });
    if (st.type === "dir") await planDirContents(plan, tree, child, rel, o);
  }
}

function join(dir: string, name: string): string {
  return dir === "" ? name : `${dir}/${name}`;
}
