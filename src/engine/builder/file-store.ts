import { mkdirSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { posix } from "node:path";

/**
 * Context files kept between builds, by content digest, so that a file the docker CLI sends
 * again unchanged (its header known to file-hashes.ts) is not written to disk again: its bytes
 * are drained from the request and the build reads the kept copy. The docker CLI resends the
 * whole context every time; not rewriting it is most of what makes a cached rebuild fast.
 *
 * Files come in by rename from a finished build's context folder (no copy) and are never
 * written to again; builds only read them. Bounded by `maxBytes`, least recently used out
 * first. Lives in <data-root>/builder/tmp/files, emptied at start like the hashes it goes with.
 */
export class FileStore {
  readonly #dir: string;
  readonly #maxBytes: number;
  /** digest → size, in least recently used order */
  #files = new Map<string, number>();
  #bytes = 0;
  /** digests being moved in */
  #adopting = new Set<string>();
  /** digests a running build reads: not evicted meanwhile */
  #pinned = new Map<string, number>();

  constructor(dir: string, maxBytes: number) {
    this.#dir = dir;
    this.#maxBytes = maxBytes;
    mkdirSync(dir, { recursive: true });
  }

  /** The kept file's path, marked as used, or undefined. */
  get(digest: string): string | undefined {
    const size = this.#files.get(digest);
    if (size === undefined) return undefined;
    this.#files.delete(digest);
    this.#files.set(digest, size);
    return posix.join(this.#dir, digest);
  }

  /** Keeps these files from eviction until the returned release is called. */
  pin(digests: Iterable<string>): () => void {
    const list = [...digests];
    for (const d of list) this.#pinned.set(d, (this.#pinned.get(d) ?? 0) + 1);
    return () => {
      for (const d of list) {
        const n = (this.#pinned.get(d) ?? 1) - 1;
        if (n <= 0) this.#pinned.delete(d);
        else this.#pinned.set(d, n);
      }
    };
  }

  /**
   * Takes a file (moved, not copied) whose content has `digest`; a file already kept is
   * left where it is. Files bigger than the whole store are not kept.
   */
  async adopt(path: string, digest: string, size: number): Promise<void> {
    if (this.#files.has(digest) || this.#adopting.has(digest) || size > this.#maxBytes) return;
    // claimed before the rename, so two builds adopting the same content move it once
    this.#adopting.add(digest);
    try {
      await rename(path, posix.join(this.#dir, digest));
    } finally {
      this.#adopting.delete(digest);
    }
    this.#files.set(digest, size);
    this.#bytes += size;
    await this.#evict();
  }

  async #evict(): Promise<void> {
    for (const [digest, size] of this.#files) {
      if (this.#bytes <= this.#maxBytes) return;
      if (this.#pinned.has(digest)) continue;
      this.#files.delete(digest);
      this.#bytes -= size;
      await rm(posix.join(this.#dir, digest), { force: true });
    }
  }
}
