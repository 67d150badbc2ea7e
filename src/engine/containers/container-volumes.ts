import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readlinkSync,
  realpathSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { posix } from "node:path";
import { invalid, messageOf, notFound } from "../../lib/errors.ts";
import { resolveInRoot } from "../../lib/path-in-root.ts";
import { hostHelper, type MountInput, MS_BIND } from "../runtime/index.ts";
import type { ContainerRecord, DockerConfig, HostConfig } from "./model.ts";
import { type MountPoint, mountInput, parseBind, planMountPoints } from "./mount-points.ts";
import type { ContainerStore } from "./store.ts";

/** What containers need of the volumes domain (its VolumeService fits). */
export interface VolumeAccess {
  create(o: {
    Name?: string;
    Driver?: string;
    DriverOpts?: Record<string, string>;
    Labels?: Record<string, string>;
    anonymous?: boolean;
  }): Promise<{ Name: string; Driver: string; Mountpoint: string }>;
  mount(
    name: string,
    containerId: string,
    o?: { destination?: string; readWrite?: boolean; propagation?: string },
  ): Promise<string>;
  unmount(name: string, containerId: string): Promise<void>;
  populate(name: string, mountpoint: string, sourceDir: string): Promise<boolean>;
  remove(name: string, o: { force: boolean }): Promise<void>;
}

type Log = (level: "debug" | "info" | "warn" | "error", msg: string) => void;

/** open(2)'s O_PATH on Linux: a handle on the file itself, with no access to its content */
const O_PATH = 0o10000000;

/**
 * A container's binds and volumes over its life: planned and created with the container,
 * mounted (and filled from the image) at start, unmounted when it stops, its anonymous volumes
 * removed with `rm -v`. Named volumes are never removed here.
 */
export class ContainerVolumes {
  #volumes: VolumeAccess | undefined;
  #store: ContainerStore;
  #log: Log;
  /** per container starting, the staging points of its volume subpaths (see #pin) */
  #staged = new Map<string, Array<{ target: string; directory: boolean }>>();

  /** where subpaths are staged: outside any folder that is ever removed recursively */
  #stagingRoot: string;

  constructor(o: { volumes?: VolumeAccess; store: ContainerStore; log: Log; stagingRoot: string }) {
    this.#volumes = o.volumes;
    this.#store = o.store;
    this.#log = o.log;
    this.#stagingRoot = o.stagingRoot;
  }

  /** The mount points of a create request, validated; nothing is made yet. */
  plan(config: DockerConfig, hc: HostConfig): MountPoint[] {
    return planMountPoints(config, hc, (ref) => {
      const rec = this.#store.find(ref);
      // a 400, as moby wraps it: a 404 from create makes the docker CLI go pull the image
      if (!rec) throw invalid(`No such container: ${ref}`);
      return mountPointsOf(rec);
    });
  }

  /**
   * Creates the volumes the mount points name (a named one that exists is reused, as Docker
   * does) and fills in their names and mountpoints. On failure the anonymous ones made here go.
   */
  async create(mounts: MountPoint[]): Promise<void> {
    const made: string[] = [];
    try {
      for (const mp of mounts) {
        if (mp.Type !== "volume" || (mp.Source && !mp.anonymous)) continue;
        const vol = await this.#access().create({
          Name: mp.Name,
          Driver: mp.Driver,
          DriverOpts: mp.volumeOptions?.driverOpts,
          Labels: mp.volumeOptions?.labels,
          anonymous: mp.anonymous,
        });
        if (mp.anonymous) made.push(vol.Name);
        mp.Name = vol.Name;
        mp.Driver = vol.Driver;
        mp.Source = vol.Mountpoint;
        delete mp.volumeOptions;
      }
    } catch (err) {
      for (const name of made)
        await this.#access()
          .remove(name, { force: true })
          .catch(() => {});
      throw err;
    }
  }

  /**
   * Mounts the container's volumes and returns what the runtime binds. An empty volume is
   * first filled with the image's content at its destination (Docker's copy-up, not for
   * nocopy). Mounted volumes are unmounted again if a later one fails.
   */
  async setup(rec: ContainerRecord, rootfs: string): Promise<MountInput[]> {
    const out: MountInput[] = [];
    const mounted: string[] = [];
    try {
      for (const mp of mountPointsOf(rec)) {
        if (mp.Type === "bind") {
          // -v creates a missing host directory, as Docker does (--mount refused it at create)
          if (!existsSync(mp.Source)) mkdirSync(mp.Source, { recursive: true });
          out.push(mountInput(mp, mp.Source));
          continue;
        }
        const name = mp.Name ?? "";
        const path = await this.#access().mount(name, rec.id, {
          destination: mp.Destination,
          readWrite: mp.RW,
          propagation: mp.Propagation,
        });
        mounted.push(name);
        mp.Source = path;
        const pinned = mp.subpath !== undefined ? await this.#pin(rec.id, path, mp.subpath) : undefined;
        if (mp.copyData) {
          // into the subpath when one is mounted (a directory, and only while it is empty)
          if (!pinned || pinned.directory)
            await this.#access().populate(name, pinned?.path ?? path, resolveInRoot(rootfs, mp.Destination));
          // once, as Docker copies at create: a volume emptied later is not filled again
          mp.copyData = false;
        }
        out.push(mountInput(mp, pinned?.source ?? path));
      }
    } catch (err) {
      await this.#unstage(rec.id);
      for (const name of mounted)
        await this.#access()
          .unmount(name, rec.id)
          .catch(() => {});
      throw err;
    }
    return out;
  }

  /**
   * A volume subpath, resolved and pinned as moby's safepath does: opened (O_PATH) and checked
   * to lie inside the volume (not missing, not behind a symlink out of it, such as one to /),
   * then bound through /proc/<kapseld>/fd/<n> onto a staging point that the runtime binds in
   * turn. So the container gets the very file or folder checked here even if something swaps a
   * path component meanwhile (a container writing the same volume). The runtime cannot bind
   * the /proc link itself: it names a mount of another mount namespace than the container's.
   */
  async #pin(
    containerId: string,
    volumePath: string,
    subpath: string,
  ): Promise<{ source: string; path: string; directory: boolean }> {
    const base = realpathSync(volumePath);
    const full = posix.join(volumePath, subpath);
    let fd: number;
    try {
      // libuv adds O_CLOEXEC
      fd = openSync(full, O_PATH);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw notFound(
        `cannot access path ${full}: ${code === "ENOENT" ? "no such file or directory" : messageOf(err)}`,
      );
    }
    try {
      const path = readlinkSync(`/proc/self/fd/${fd}`);
      if (path !== base && !path.startsWith(`${base}/`))
        throw invalid(
          `path concatenation escapes the base directory, base: ${volumePath}, subpath: ${subpath}`,
        );
      const directory = statSync(`/proc/self/fd/${fd}`).isDirectory();
      const staged = this.#staged.get(containerId) ?? [];
      this.#staged.set(containerId, staged);
      const target = posix.join(this.#stagingRoot, `${containerId}-${staged.length}`);
      mkdirSync(this.#stagingRoot, { recursive: true, mode: 0o700 });
      if (directory) mkdirSync(target, { recursive: true });
      else writeFileSync(target, "");
      staged.push({ target, directory });
      await hostHelper().mount({ source: `/proc/${process.pid}/fd/${fd}`, target, flags: MS_BIND });
      return { source: target, path, directory };
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Drops the staging points (the runtime has bound them, or the start failed). Never
   * recursively: a point still mounted must not lead a removal into the volume.
   */
  async #unstage(containerId: string): Promise<void> {
    for (const { target, directory } of this.#staged.get(containerId) ?? []) {
      // not mounted (the mount itself failed): only the point is left to remove
      await hostHelper()
        .unmount(target, { detach: true })
        .catch(() => {});
      try {
        directory ? rmdirSync(target) : unlinkSync(target);
      } catch (err) {
        this.#log("warn", `volume subpath staging point ${target}: ${messageOf(err)}`);
      }
    }
    this.#staged.delete(containerId);
  }

  /** The runtime made the container: its subpath mounts no longer need their staging points. */
  bound(containerId: string): Promise<void> {
    return this.#unstage(containerId);
  }

  /** Unmounts the container's volumes (its process is gone); errors are logged, not thrown. */
  async teardown(rec: ContainerRecord): Promise<void> {
    await this.#unstage(rec.id);
    if (!this.#volumes) return;
    for (const mp of mountPointsOf(rec)) {
      if (mp.Type !== "volume" || !mp.Name) continue;
      await this.#volumes
        .unmount(mp.Name, rec.id)
        .catch((err) => this.#log("warn", `unmounting volume ${mp.Name}: ${messageOf(err)}`));
    }
  }

  /** rm -v: the container's anonymous volumes go (once it is gone); named ones stay. */
  async removeAnonymous(rec: ContainerRecord): Promise<void> {
    if (!this.#volumes) return;
    for (const mp of mountPointsOf(rec)) {
      if (mp.Type !== "volume" || !mp.anonymous || !mp.Name) continue;
      await this.#volumes
        .remove(mp.Name, { force: false })
        .catch((err) => this.#log("warn", `removing volume ${mp.Name}: ${messageOf(err)}`));
    }
  }

  /** Ids of the containers whose mounts name the volume (running or not). */
  users(name: string): string[] {
    return this.#store
      .all()
      .filter((rec) => mountPointsOf(rec).some((mp) => mp.Type === "volume" && mp.Name === name))
      .map((rec) => rec.id);
  }

  #access(): VolumeAccess {
    if (!this.#volumes) throw new Error("volumes are not available in this engine");
    return this.#volumes;
  }
}

/** A record's mount points; records from before volumes existed only had binds. */
export function mountPointsOf(rec: ContainerRecord): MountPoint[] {
  if (rec.mounts) return rec.mounts;
  rec.mounts = (rec.hostConfig.Binds ?? []).map((b) => parseBind(b, ""));
  return rec.mounts;
}
