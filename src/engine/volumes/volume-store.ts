import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeJsonAtomic } from "../../lib/atomic-file.ts";
import { internal, messageOf } from "../../lib/errors.ts";
import { mountsUnder, unmountLazy } from "./host-mounts.ts";

/** One volume's record: <root>/<name>/volume.json. */
export interface VolumeRecord {
  name: string;
  driver: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** RFC 3339, seconds, as Docker prints it */
  createdAt: string;
  anonymous?: boolean;
  scope: "local" | "global";
}

type Log = (level: "debug" | "info" | "warn" | "error", msg: string) => void;

const TRASH = ".trash-";
const STAGING = ".tmp-";

/** Go's time.RFC3339 in local time: 2026-11-25T21:32:25Z or ...+01:00. */
export function rfc3339(d: Date): string {
  const off = -d.getTimezoneOffset();
  const local = new Date(d.getTime() + off * 60_000).toISOString().slice(0, 19);
  if (off === 0) return `${local}Z`;
  const abs = Math.abs(off);
  const hh = String(Math.floor(abs / 60)).padStart(2, "0");
  const mm = String(abs % 60).padStart(2, "0");
  return `${local}${off < 0 ? "-" : "+"}${hh}:${mm}`;
}

/**
 * The volumes' records and folders, written so that a crash at any instant leaves either the
 * old or the new state and never touches another volume's data:
 *   create: the whole folder (volume.json, _data) is made as <root>/.tmp-<name>-<rand> and
 *           renamed into place, so <root>/<name> is complete or absent;
 *   remove: <root>/<name> is renamed to <root>/.trash-<name>-<rand> (atomic), then deleted.
 * Opening finishes both: .tmp-* and .trash-* folders go (after any mount under them is
 * detached, so a bind-mounted host folder is never emptied). A folder with a _data but no
 * volume.json (Docker's own layout, copied over) is adopted as a local volume; anything
 * else unknown is left alone.
 * Mount references live in <root>/<name>/mounts.json ({containerId: count}), so a restarted
 * daemon still knows which running containers hold a mounted volume.
 */
export class VolumeStore {
  readonly root: string;
  #log: Log;
  #records = new Map<string, VolumeRecord>();
  #refs = new Map<string, Map<string, number>>();

  private constructor(root: string, log: Log) {
    this.root = root;
    this.#log = log;
  }

  static async open(root: string, log: Log): Promise<VolumeStore> {
    const s = new VolumeStore(root, log);
    mkdirSync(root, { recursive: true, mode: 0o701 });
    for (const e of readdirSync(root, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const dir = join(root, e.name);
      if (e.name.startsWith(TRASH) || e.name.startsWith(STAGING)) {
        await s
          .#deleteTree(dir)
          .catch((err) => log("warn", `volumes: cannot delete ${dir}: ${messageOf(err)}`));
        continue;
      }
      s.#load(e.name);
    }
    return s;
  }

  #load(name: string): void {
    const dir = join(this.root, name);
    let rec: VolumeRecord;
    try {
      rec = JSON.parse(readFileSync(join(dir, "volume.json"), "utf8")) as VolumeRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        this.#log("warn", `volumes: ignoring ${dir}: ${messageOf(err)}`);
        return;
      }
      if (!existsSync(join(dir, "_data"))) {
        this.#log("warn", `volumes: ignoring ${dir}: neither volume.json nor _data`);
        return;
      }
      rec = {
        name,
        driver: "local",
        labels: {},
        options: {},
        createdAt: rfc3339(statSync(dir).ctime),
        scope: "local",
      };
      writeJsonAtomic(join(dir, "volume.json"), rec);
      this.#log("info", `volumes: adopted ${dir} as a local volume`);
    }
    rec.name = name;
    rec.labels ??= {};
    rec.options ??= {};
    rec.scope ??= "local";
    this.#records.set(name, rec);
    try {
      const refs = JSON.parse(readFileSync(join(dir, "mounts.json"), "utf8")) as Record<string, number>;
      const m = new Map(Object.entries(refs).filter(([, n]) => n > 0));
      if (m.size > 0) this.#refs.set(name, m);
    } catch {}
  }

  get(name: string): VolumeRecord | undefined {
    return this.#records.get(name);
  }

  all(): VolumeRecord[] {
    return [...this.#records.values()];
  }

  /** <root>/<name>/_data: the local driver's data and Mountpoint. */
  dataPath(name: string): string {
    return join(this.root, name, "_data");
  }

  /** Makes the volume's folder and record, all or nothing (see the class comment). */
  async add(rec: VolumeRecord, withData: boolean): Promise<void> {
    const target = join(this.root, rec.name);
    if (existsSync(target)) throw internal(`error while creating volume root path '${target}': it exists`);
    const staging = await mkdtemp(join(this.root, `${STAGING}${rec.name}-`));
    try {
      await chmod(staging, 0o701);
      if (withData) await mkdir(join(staging, "_data"), { mode: 0o755 });
      writeJsonAtomic(join(staging, "volume.json"), rec);
      renameSync(staging, target);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    this.#records.set(rec.name, rec);
  }

  /** Forgets the volume and deletes its folder: renamed to trash first, so a crash cannot leave half. */
  async remove(name: string): Promise<void> {
    const dir = join(this.root, name);
    const trash = join(this.root, `${TRASH}${name}-${randomBytes(4).toString("hex")}`);
    try {
      renameSync(dir, trash);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    this.#records.delete(name);
    this.#refs.delete(name);
    await this.#deleteTree(trash).catch((err) =>
      this.#log("warn", `volumes: ${name} is removed, but deleting ${trash} failed: ${messageOf(err)}`),
    );
  }

  /** Mount references of a volume: containerId → count. */
  refs(name: string): ReadonlyMap<string, number> {
    return this.#refs.get(name) ?? new Map();
  }

  setRefs(name: string, refs: Map<string, number>): void {
    const file = join(this.root, name, "mounts.json");
    if (refs.size === 0) {
      this.#refs.delete(name);
      try {
        unlinkSync(file);
      } catch {}
      return;
    }
    writeJsonAtomic(file, Object.fromEntries(refs));
    this.#refs.set(name, new Map(refs));
  }

  /**
   * rm -rf that never reaches through a mount: anything mounted below is detached first, and
   * if something stays mounted nothing is deleted.
   */
  async #deleteTree(dir: string): Promise<void> {
    for (const m of mountsUnder(dir)) await unmountLazy(m);
    const left = mountsUnder(dir);
    if (left.length > 0) throw internal(`still mounted: ${left.join(", ")}`);
    await rm(dir, { recursive: true, force: true });
  }
}
