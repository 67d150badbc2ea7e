import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomicAsync } from "../../lib/atomic-file.ts";
import { conflict, invalid, notFound } from "../../lib/errors.ts";
import type { ContainerRecord } from "./model.ts";

/**
 * Container records on disk, one folder per container: <root>/<id>/container.json plus the
 * files the container gets (hostname, hosts, resolv.conf, log). Held in memory too; every
 * change is written through atomically before it is acknowledged (callers await `save`).
 */
export class ContainerStore {
  #root: string;
  #byId = new Map<string, ContainerRecord>();
  #byName = new Map<string, string>();
  /** the last write of each record: writes of one record land in call order */
  #writes = new Map<string, Promise<void>>();

  constructor(root: string) {
    this.#root = root;
    mkdirSync(root, { recursive: true });
  }

  /** Loads every record; a folder without a readable record (a crash mid-create) is removed. */
  load(log: (msg: string) => void): ContainerRecord[] {
    for (const id of readdirSync(this.#root)) {
      try {
        const rec = JSON.parse(
          readFileSync(join(this.#root, id, "container.json"), "utf8"),
        ) as ContainerRecord;
        this.#byId.set(rec.id, rec);
        this.#byName.set(rec.name, rec.id);
      } catch {
        log(`removing incomplete container folder ${id}`);
        rmSync(join(this.#root, id), { recursive: true, force: true });
      }
    }
    return [...this.#byId.values()];
  }

  dir(id: string): string {
    return join(this.#root, id);
  }

  all(): ContainerRecord[] {
    return [...this.#byId.values()];
  }

  /** Reserves a name; Docker's conflict message names the container holding it. */
  reserveName(name: string, id: string): void {
    const holder = this.#byName.get(name);
    if (holder && holder !== id) {
      throw conflict(
        `Conflict. The container name "/${name}" is already in use by container "${holder}". You have to remove (or rename) that container to be able to reuse that name.`,
      );
    }
    this.#byName.set(name, id);
  }

  releaseName(name: string, id: string): void {
    if (this.#byName.get(name) === id) this.#byName.delete(name);
  }

  /**
   * Writes the record through, then holds it. The record is serialized at the call, so later
   * changes to the object wait for their own save.
   */
  async save(rec: ContainerRecord): Promise<void> {
    const text = `${JSON.stringify(rec)}\n`;
    const path = join(this.#root, rec.id, "container.json");
    const previous = this.#writes.get(rec.id);
    const write = (previous ?? Promise.resolve())
      .catch(() => {})
      .then(() => writeFileAtomicAsync(path, text));
    this.#writes.set(rec.id, write);
    try {
      await write;
    } finally {
      if (this.#writes.get(rec.id) === write) this.#writes.delete(rec.id);
    }
    this.#byId.set(rec.id, rec);
  }

  /** Forgets the record and removes its folder, once a save in flight has landed. */
  async delete(rec: ContainerRecord): Promise<void> {
    await this.#writes.get(rec.id)?.catch(() => {});
    const dir = join(this.#root, rec.id);
    // the record goes first, and with it the container (load removes a folder without one); the
    // rest, a log that may be large among it, goes without keeping the caller waiting
    await rm(join(dir, "container.json"), { force: true });
    rm(dir, { recursive: true, force: true }).catch(() => {});
    this.#byId.delete(rec.id);
    this.releaseName(rec.name, rec.id);
  }

  /** By full id, by name (with or without "/"), then by unique id prefix. */
  find(ref: string): ContainerRecord | undefined {
    const byId = this.#byId.get(ref);
    if (byId) return byId;
    const name = ref.startsWith("/") ? ref.slice(1) : ref;
    const named = this.#byName.get(name);
    if (named) return this.#byId.get(named);
    if (!/^[0-9a-f]+$/.test(ref)) return undefined;
    let found: ContainerRecord | undefined;
    for (const rec of this.#byId.values()) {
      if (rec.id.startsWith(ref)) {
        if (found) throw invalid(`multiple IDs found with provided prefix: ${ref}`);
        found = rec;
      }
    }
    return found;
  }

  get(ref: string): ContainerRecord {
    if (ref === "") throw notFound("No such container: ");
    const rec = this.find(ref);
    if (!rec) throw notFound(`No such container: ${ref}`);
    return rec;
  }
}
