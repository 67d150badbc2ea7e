import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeJsonAtomic } from "../../lib/atomic-file.ts";

/**
 * The step cache: which image a step made, by a key of everything the step's result depends
 * on (stepKey). Docker's classic builder searches its image store for a child of the parent
 * with the same config; kapsel keeps the answer in an index instead, so that a COPY is matched
 * by the content of its sources (not their mtimes), and the index survives restarts.
 *
 * <data-root>/builder/cache.json: {"version":1,"entries":{"<key>":{"image":"sha256:…","at":ms,
 * "older":["sha256:…"]}}}: older holds the images the same step made before (--no-cache, or
 * a build whose --cache-from refused the newest), which --cache-from may still accept;
 * rewritten atomically (lib/atomic-file.ts) after each stage of a build. An entry whose image
 * was removed meanwhile is dropped when met. Losing the file (or a crash before a write) only
 * costs a rebuild: the images are still there.
 */
export interface CacheEntry {
  image: string;
  /** earlier images of the same step, newest first */
  older?: string[];
  /** when the entry was made or last used (ms) */
  at: number;
}

const MAX_OLDER = 4;

export class StepCache {
  readonly #path: string;
  #entries = new Map<string, CacheEntry>();
  #dirty = false;

  private constructor(path: string) {
    this.#path = path;
  }

  /** Reads the index; entries whose image `exists` says is gone are left out. */
  static load(path: string, exists: (imageId: string) => boolean): StepCache {
    const cache = new StepCache(path);
    try {
      const data = JSON.parse(readFileSync(path, "utf8")) as { entries?: Record<string, CacheEntry> };
      for (const [key, e] of Object.entries(data.entries ?? {})) {
        if (typeof e?.image === "string" && exists(e.image)) {
          const older = Array.isArray(e.older)
            ? e.older.filter((i) => typeof i === "string" && exists(i))
            : [];
          cache.#entries.set(key, { image: e.image, at: e.at, ...(older.length > 0 ? { older } : {}) });
        } else cache.#dirty = true;
      }
    } catch {
      // no index yet, or an unreadable one: start empty
    }
    return cache;
  }

  /**
   * The newest image a step made before that `exists` still finds and `accept` takes (all, by
   * default).
   */
  get(
    key: string,
    exists: (imageId: string) => boolean,
    accept: (imageId: string) => boolean = () => true,
  ): string | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    const all = [e.image, ...(e.older ?? [])];
    const alive = all.filter(exists);
    if (alive.length !== all.length) {
      this.#dirty = true;
      if (alive.length === 0) {
        this.#entries.delete(key);
        return undefined;
      }
      e.image = alive[0];
      e.older = alive.length > 1 ? alive.slice(1) : undefined;
    }
    const hit = alive.find(accept);
    // kept in memory; written with the next change (a hit alone writes nothing)
    if (hit) e.at = Date.now();
    return hit;
  }

  set(key: string, image: string): void {
    const e = this.#entries.get(key);
    const older = e ? [e.image, ...(e.older ?? [])].filter((i) => i !== image).slice(0, MAX_OLDER) : [];
    this.#entries.set(key, { image, at: Date.now(), ...(older.length > 0 ? { older } : {}) });
    this.#dirty = true;
  }

  /** Writes the index if anything changed. */
  save(): void {
    if (!this.#dirty) return;
    this.#dirty = false;
    writeJsonAtomic(this.#path, { version: 1, entries: Object.fromEntries(this.#entries) });
  }

  /** Forgets every entry; returns them. */
  clear(): Map<string, CacheEntry> {
    const all = this.#entries;
    this.#entries = new Map();
    this.#dirty = true;
    this.save();
    return all;
  }
}

/**
 * A step's cache key: sha256 over the parent image, the step's text as history records it
 * (the COPY source hash, RUN's command with its build args), the config the step leaves, the
 * image author and the build's timestamp (SOURCE_DATE_EPOCH, which changes the images' bytes).
 */
export function stepKey(parts: {
  parent: string | undefined;
  step: string;
  config: unknown;
  author?: string;
  epoch?: number;
  platform: string;
}): string {
  const text = JSON.stringify([
    1,
    parts.parent ?? "",
    parts.step,
    parts.config,
    parts.author ?? "",
    parts.epoch ?? null,
    parts.platform,
  ]);
  return createHash("sha256").update(text).digest("hex");
}
