/**
 * Content hashes of context files, remembered by what the context tar says of each file (path,
 * size, mtime, mode, owner), so that an unchanged file is not hashed again on the next build:
 * the docker CLI sends the whole context each time, and hashing 50 MB costs more than the
 * rest of a cached build. A file whose header changed (`touch`) is hashed again as it streams
 * by; when its content did not change, its digest is the same and the cache still hits.
 *
 * A remembered hash is trusted only when the file's mtime is older than the second the hash was
 * taken in (git's "racily clean" rule): tar mtimes are whole seconds, so a file rewritten with
 * the same size in the same second would otherwise keep a stale hash. This assumes the client's
 * clock is the daemon's (the same host). Two different files with the same path, size, mode,
 * owner and mtime second in two different contexts would share a hash: unlikely, and accepted.
 * Memory only: after a restart the first build hashes everything once.
 */
export interface FileMeta {
  path: string;
  size: number;
  /** ms since the epoch, whole seconds as tar keeps them */
  mtime: number;
  mode: number;
  uid: number;
  gid: number;
}

const MAX_ENTRIES = 200_000;

export class FileHashes {
  #map = new Map<string, { digest: string; at: number }>();
  /** the last digest seen at each path, whatever its header (for kept-compare.ts) */
  #byPath = new Map<string, { digest: string; size: number }>();

  #key(m: FileMeta): string {
    return `${m.path}\0${m.size}\0${Math.floor(m.mtime / 1000)}\0${m.mode}\0${m.uid}\0${m.gid}`;
  }

  /** The digest remembered for a file with this header, if it can be trusted. */
  lookup(m: FileMeta): string | undefined {
    const key = this.#key(m);
    const hit = this.#map.get(key);
    if (!hit) return undefined;
    if (Math.floor(m.mtime / 1000) >= Math.floor(hit.at / 1000)) return undefined;
    // least recently used goes first when the map is full
    this.#map.delete(key);
    this.#map.set(key, hit);
    return hit.digest;
  }

  /**
   * The digest the file at this path had last time, when its size is the same: the content to
   * compare a touched file with (it is not trusted as this file's digest).
   */
  previous(m: FileMeta): string | undefined {
    const last = this.#byPath.get(m.path);
    return last && last.size === m.size ? last.digest : undefined;
  }

  /** Remembers a digest taken at `at` (ms). */
  store(m: FileMeta, digest: string, at = Date.now()): void {
    const key = this.#key(m);
    this.#map.delete(key);
    this.#map.set(key, { digest, at });
    this.#byPath.delete(m.path);
    this.#byPath.set(m.path, { digest, size: m.size });
    for (const map of [this.#map, this.#byPath] as Map<string, unknown>[]) {
      if (map.size <= MAX_ENTRIES) continue;
      let drop = MAX_ENTRIES / 10;
      for (const k of map.keys()) {
        if (drop-- <= 0) break;
        map.delete(k);
      }
    }
  }
}
