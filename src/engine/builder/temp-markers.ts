import { readdir, rm, writeFile } from "node:fs/promises";
import { posix } from "node:path";

/**
 * Marker files for what a build makes and must undo: a temporary storage layer (rw-<id>) or a
 * RUN step's container (ctr-<id>). A build removes its own in `finally`; markers left by a
 * daemon that died mid-build tell the next start what to remove (see LocalBuilder.open).
 */
export class TempMarkers {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async add(kind: "rw" | "ctr", id: string): Promise<void> {
    await writeFile(posix.join(this.#dir, `${kind}-${id}`), "");
  }

  async remove(kind: "rw" | "ctr", id: string): Promise<void> {
    await rm(posix.join(this.#dir, `${kind}-${id}`), { force: true });
  }

  /** The markers a previous daemon left. */
  async leftovers(): Promise<Array<{ kind: "rw" | "ctr"; id: string }>> {
    const out: Array<{ kind: "rw" | "ctr"; id: string }> = [];
    for (const name of await readdir(this.#dir).catch(() => [] as string[])) {
      const m = /^(rw|ctr)-([A-Za-z0-9_.-]+)$/.exec(name);
      if (m) out.push({ kind: m[1] as "rw" | "ctr", id: m[2] });
    }
    return out;
  }
}
