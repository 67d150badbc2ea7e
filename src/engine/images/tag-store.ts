import { readFileSync } from "node:fs";
import { writeJsonAtomic } from "../../lib/atomic-file.ts";
import {
  canonicalString,
  familiarName,
  familiarString,
  type NamedRef,
  parseNormalizedNamed,
} from "./reference.ts";

/**
 * Names → image ids (Docker's reference store): tags (`busybox:latest`) and digests
 * (`busybox@sha256:…`). Kept in memory, written whole to repositories.json on every change,
 * in Docker's own layout: { "Repositories": { "<familiar repo>": { "<familiar ref>": "<id>" } } }.
 */
export class TagStore {
  readonly #file: string;
  /** canonical ref string → { ref, id } */
  readonly #refs = new Map<string, { ref: NamedRef; id: string }>();

  constructor(file: string) {
    this.#file = file;
    let data: { Repositories?: Record<string, Record<string, string>> } = {};
    try {
      data = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    for (const repo of Object.values(data.Repositories ?? {}))
      for (const [name, id] of Object.entries(repo)) {
        const ref = parseNormalizedNamed(name);
        this.#refs.set(canonicalString(ref), { ref, id });
      }
  }

  get(ref: NamedRef): string | undefined {
    return this.#refs.get(canonicalString(ref))?.id;
  }

  /** Points ref at id (moving it if it pointed elsewhere); returns the id it pointed at before. */
  set(ref: NamedRef, id: string): string | undefined {
    const key = canonicalString(ref);
    const before = this.#refs.get(key)?.id;
    this.#refs.set(key, { ref, id });
    this.#save();
    return before;
  }

  /** Removes ref; returns whether it was there. */
  delete(ref: NamedRef): boolean {
    const had = this.#refs.delete(canonicalString(ref));
    if (had) this.#save();
    return had;
  }

  /** The names of id, sorted by familiar form as Docker lists them. */
  references(id: string): NamedRef[] {
    const out: NamedRef[] = [];
    for (const { ref, id: target } of this.#refs.values()) if (target === id) out.push(ref);
    return out.sort((a, b) =>
      familiarString(a) < familiarString(b) ? -1 : familiarString(a) > familiarString(b) ? 1 : 0,
    );
  }

  /** Drops names of ids for which keep() says no (images lost in a crash). */
  prune(keep: (id: string) => boolean): void {
    let changed = false;
    for (const [key, { id }] of this.#refs) {
      if (keep(id)) continue;
      this.#refs.delete(key);
      changed = true;
    }
    if (changed) this.#save();
  }

  #save(): void {
    const repos: Record<string, Record<string, string>> = {};
    for (const { ref, id } of this.#refs.values()) {
      const name = familiarName(ref);
      repos[name] ??= {};
      repos[name][familiarString(ref)] = id;
    }
    writeJsonAtomic(this.#file, { Repositories: repos });
  }
}
