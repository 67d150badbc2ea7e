import type { Stats } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { posix } from "node:path";
import { lstatOrUndefined } from "../../lib/fs-probe.ts";

/** a path under a file (ENOTDIR) is as absent as a missing one */
const NOT_THERE = ["ENOENT", "ENOTDIR"];

/** One directory of a stack: a layer's diff dir or a container's upper dir. */
export interface ViewLayer {
  dir: string;
  /** relative paths of the directories marked opaque in this layer ("" = its root) */
  opaque: ReadonlySet<string>;
}

export interface ViewEntry {
  /** where the visible file really lives */
  hostPath: string;
  stat: Stats;
}

/** An overlay whiteout: a character device with device number 0/0. */
export function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

/**
 * What a stack of layer directories looks like when overlayfs merges them, computed from the
 * directories alone (no mount): the topmost entry wins, whiteouts hide names below them, and
 * opaque directories hide whatever lies below them. With one layer and no whiteouts it is just
 * that directory (the copy driver's case). Relative paths have no leading slash; "" is the root.
 * Lookups are cached for the life of the view, so make a new view for each operation.
 */
export class LayerView {
  readonly layers: readonly ViewLayer[];
  #stacks = new Map<string, Promise<number[]>>();

  /** layers: top first */
  constructor(layers: readonly ViewLayer[]) {
    this.layers = layers;
  }

  /** The indexes of the layers whose directory `rel` shows through in the merged directory. */
  #dirStack(rel: string): Promise<number[]> {
    let stack = this.#stacks.get(rel);
    if (!stack) {
      stack = rel === "" ? Promise.resolve(this.#rootStack()) : this.#childStack(rel);
      this.#stacks.set(rel, stack);
    }
    return stack;
  }

  #rootStack(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.layers.length; i++) {
      out.push(i);
      if (this.layers[i].opaque.has("")) break;
    }
    return out;
  }

  async #childStack(rel: string): Promise<number[]> {
    const parent = await this.#dirStack(posix.dirname(rel) === "." ? "" : posix.dirname(rel));
    const out: number[] = [];
    for (const i of parent) {
      const st = await lstatOrUndefined(posix.join(this.layers[i].dir, rel), NOT_THERE);
      if (!st) continue;
      if (!st.isDirectory()) break; // a file or whiteout hides everything below
      out.push(i);
      if (this.layers[i].opaque.has(rel)) break;
    }
    return out;
  }

  /** The visible entry at rel, or undefined when nothing is there. */
  async lookup(rel: string): Promise<ViewEntry | undefined> {
    if (rel === "") {
      const top = this.layers[0];
      return top ? { hostPath: top.dir, stat: await lstat(top.dir) } : undefined;
    }
    const parent = await this.#dirStack(posix.dirname(rel) === "." ? "" : posix.dirname(rel));
    for (const i of parent) {
      const hostPath = posix.join(this.layers[i].dir, rel);
      const st = await lstatOrUndefined(hostPath, NOT_THERE);
      if (!st) continue;
      return isWhiteout(st) ? undefined : { hostPath, stat: st };
    }
    return undefined;
  }

  /** The names visible in directory rel, sorted by code unit (Go's byte order for ASCII); [] if none. */
  async list(rel: string): Promise<string[]> {
    const stack = await this.#dirStack(rel);
    const seen = new Set<string>();
    const hidden = new Set<string>();
    for (const i of stack) {
      const dir = posix.join(this.layers[i].dir, rel);
      let entries: import("node:fs").Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw err;
      }
      for (const e of entries) {
        if (seen.has(e.name) || hidden.has(e.name)) continue;
        if (e.isCharacterDevice() && isWhiteout(await lstat(posix.join(dir, e.name)))) hidden.add(e.name);
        else seen.add(e.name);
      }
    }
    return [...seen].sort(compareNames);
  }
}

/** Byte-wise order of UTF-8 names, as Go sorts strings. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
