/**
 * The content digest each context path had in the last build, with its size. A build compares
 * an incoming file of the same size with the file kept under that digest (kept-compare.ts)
 * instead of hashing and writing it again: the docker CLI sends the whole context each time,
 * and for a large unchanged file reading the kept copy costs less. This is only a hint of what
 * to compare with; a file's header (mtime, mode, owner) is never trusted for its content, as
 * tar writers may give every file the same mtime. Memory only: after a restart the first build
 * hashes everything once.
 */
const MAX_ENTRIES = 200_000;

export class FileHashes {
  #byPath = new Map<string, { digest: string; size: number }>();

  /** The digest the file at this path had last time, when its size is the same. */
  previous(path: string, size: number): string | undefined {
    const last = this.#byPath.get(path);
    return last && last.size === size ? last.digest : undefined;
  }

  store(path: string, size: number, digest: string): void {
    this.#byPath.delete(path);
    this.#byPath.set(path, { digest, size });
    if (this.#byPath.size <= MAX_ENTRIES) return;
    // the least recently stored go first
    let drop = MAX_ENTRIES / 10;
    for (const k of this.#byPath.keys()) {
      if (drop-- <= 0) break;
      this.#byPath.delete(k);
    }
  }
}
