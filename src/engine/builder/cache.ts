import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeJsonAtomic } from "../../lib/atomic-file.ts";

/**
 * The step cache: which image a step made, by a key of everything the step's result depends
 * on (stepKey). Docker's classic builder searches its image store for a child of the parent
 * with the same config; kapsel keeps the answer in an index instead, so that a COPY is matched
 * by the content of its sources (not their mtimes), and the index survives restarts.
 *
 * <data-root>/builder/cache.json: {"version":1,"entries":{"<key>":{"image":"sha256:…","at":ms}}},
 * rewritten atomically (lib/atomic-file.ts) after each stage of a build. An entry whose image
 * was removed meanwhile is dropped when met. Losing the file (or a crash before a write) only
 * costs a rebuild: the images are still there.
 */
export interface CacheEntry {
  image: string;
  /** when the entry was made or last used (ms) */
  at: number;
}

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
        if (typeof e?.image === "string" && exists(e.image)) cache.#entries.set(key, e);
        else cache.#dirty = true;
      }
    } catch {
      // no index yet, or an unreadable one: start empty
    }
    return cache;
  }

  /** The image a step made before, if `exists` still finds it. */
  get(key: string, exists: (imageId: string) => boolean): string | undefined {
    const e = this.#entries.get(key);
    if (!e) return undefined;
    if (!exists(e.image)) {
      this.#entries.delete(key);
      this.#dirty = true;
      return undefined;
    }
    // kept in memory; written with the next change (a hit alone writes nothing)
    e.at = Date.now();
    return e.image;
  }

  set(key: string, image: string): void {
    this.#entries.set(key, { image, at: Date.now() });
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
