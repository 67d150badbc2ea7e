import { posix } from "node:path";
import type { SourceStat, SourceTree } from "./source-tree.ts";
import { hasWildcards, matchComponent, unescapeLiteral } from "./wildcard.ts";

/** One thing to copy (moby's copyInfo). */
export interface CopyInfo {
  tree: SourceTree;
  /** the path as given or matched: its base name names the copy in a directory destination */
  rel: string;
  /** rel with symlinks followed: what is actually copied */
  resolved: string;
  stat: SourceStat;
  /** set for URL downloads, which ADD never unpacks */
  noDecompress?: boolean;
}

/** A source that is not there, worded as Docker's classic builder words it. */
export class MissingSourceError extends Error {}

/**
 * The sources of a COPY or ADD as moby's calcCopyInfo finds them: leading `/` and `./`
 * dropped; wildcards matched component by component (Go's filepath.Match, which never lets
 * `*` cross a `/`); symlinks followed inside the tree. A missing source fails with Docker's
 * "file not found in build context or excluded by .dockerignore: stat x: file does not exist"
 * (`inContext`), or "stat x: file does not exist" for another stage's or image's files.
 */
export async function findSources(
  tree: SourceTree,
  sources: readonly string[],
  inContext: boolean,
): Promise<CopyInfo[]> {
  const infos: CopyInfo[] = [];
  for (const orig of sources) {
    let p = orig.replace(/^\/+/, "");
    while (p.startsWith("./")) p = p.slice(2);
    if (hasWildcards(p)) {
      for (const rel of await matchWildcards(tree, p)) infos.push(await infoFor(tree, rel, inContext));
    } else {
      // "../x" stays inside the tree, as Docker's FollowSymlinkInScope keeps it
      infos.push(await infoFor(tree, posix.normalize(`/${p}`).slice(1).replace(/\/$/, ""), inContext));
    }
  }
  return infos;
}

async function infoFor(tree: SourceTree, rel: string, inContext: boolean): Promise<CopyInfo> {
  const resolved = rel === "" ? "" : tree.resolve(rel);
  const stat = await tree.stat(resolved);
  if (!stat || stat.type === "symlink") {
    const why = `stat ${rel === "" ? "." : rel}: file does not exist`;
    throw new MissingSourceError(
      inContext ? `file not found in build context or excluded by .dockerignore: ${why}` : why,
    );
  }
  return { tree, rel, resolved, stat };
}

/** Paths (relative, not followed) matching a wildcard pattern, in walk order. */
async function matchWildcards(tree: SourceTree, pattern: string): Promise<string[]> {
  const parts = pattern.split("/");
  const out: string[] = [];
  const walk = async (dir: string, i: number) => {
    const part = parts[i];
    const last = i === parts.length - 1;
    let names: string[];
    if (!hasWildcards(part)) {
      names = [unescapeLiteral(part)];
    } else {
      const st = await tree.stat(dir);
      if (st?.type !== "dir") return;
      names = (await tree.list(dir)).filter((n) => matchComponent(part, n));
    }
    for (const name of names) {
      const rel = dir === "" ? name : `${dir}/${name}`;
      const st = await tree.stat(rel);
      if (!st) continue;
      if (last) out.push(rel);
      else if (st.type === "dir") await walk(rel, i + 1);
    }
  };
  await walk("", 0);
  return out;
}
