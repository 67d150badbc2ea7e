import { compareStrings } from "../../lib/compare.ts";
import { conflict, internal, invalid, KapselError, messageOf, notFound } from "../../lib/errors.ts";
import { newId } from "../../lib/ids.ts";
import { KeyedLock } from "../../lib/keyed-lock.ts";
import { copyUp } from "./copy-up.ts";
import { dirSize } from "./dir-size.ts";
import { isMountPoint, mountDevice, unmountLazy } from "./host-mounts.ts";
import type { MountEventOptions, Volume, VolumeService, VolumeServiceOptions } from "./index.ts";
import { maskPassword, needsMount, validateLocalOptions } from "./local-options.ts";
import { DEFAULT_PLUGIN_DIRS, type PluginDirs } from "./plugin-discovery.ts";
import { ANONYMOUS_LABEL, type FilterSubject, listPredicate, prunePredicate } from "./volume-filters.ts";
import { type PluginVolume, VolumePluginDriver } from "./volume-plugin-driver.ts";
import { rfc3339, type VolumeRecord, VolumeStore } from "./volume-store.ts";

const LOCAL = "local";
/** moby daemon/names: RestrictedNamePattern */
const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** The same error with Docker's "<op> <name>: " in front (moby volume/service OpErr). */
function wrap(prefix: string, err: unknown): KapselError {
  const kind = err instanceof KapselError ? err.kind : "internal";
  return new KapselError(kind, `${prefix}: ${messageOf(err)}`, { cause: err });
}

function validateName(name: string): void {
  if (name.length === 1)
    throw invalid(
      `create ${name}: volume name is too short, names should be at least two alphanumeric characters`,
    );
  if (!NAME.test(name))
    throw invalid(
      `create ${name}: ${JSON.stringify(name)} includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
}

/** The local driver and v1 plugins behind Docker's volume service (see index.ts). */
export class LocalVolumeService implements VolumeService {
  #store: VolumeStore;
  #o: VolumeServiceOptions;
  #log: NonNullable<VolumeServiceOptions["log"]>;
  #lock = new KeyedLock();
  #pluginDirs: PluginDirs;
  #pluginWait: number;
  #drivers = new Map<string, Promise<VolumePluginDriver>>();
  /** plugin volumes' last known Mountpoint (Docker's adapter caches it the same way) */
  #pluginPaths = new Map<string, string>();
  #pruning = false;

  private constructor(store: VolumeStore, o: VolumeServiceOptions) {
    this.#store = store;
    this.#o = o;
    this.#log = o.log ?? (() => {});
    this.#pluginDirs = o.pluginDirs ?? DEFAULT_PLUGIN_DIRS;
    this.#pluginWait = o.pluginWaitMs ?? 3000;
  }

  static async open(o: VolumeServiceOptions): Promise<LocalVolumeService> {
    const log = o.log ?? (() => {});
    return new LocalVolumeService(await VolumeStore.open(o.root, log), o);
  }

  create(o: Parameters<VolumeService["create"]>[0]): Promise<Volume> {
    const anonymous = !o.Name || o.anonymous === true;
    const name = o.Name || newId();
    return this.#lock.run(name, async () => {
      validateName(name);
      const existing = this.#store.get(name);
      if (existing && (await this.#stillThere(existing, o.Driver))) return this.#view(existing);
      const driver = o.Driver || LOCAL;
      const options = { ...(o.DriverOpts ?? {}) };
      const labels = { ...(o.Labels ?? {}) };
      if (anonymous) labels[ANONYMOUS_LABEL] = "";
      const rec: VolumeRecord = {
        name,
        driver,
        labels,
        options,
        createdAt: rfc3339(new Date()),
        scope: "local",
        ...(anonymous ? { anonymous: true } : {}),
      };
      if (driver === LOCAL) {
        try {
          validateLocalOptions(options);
        } catch (err) {
          throw wrap(`create ${name}`, err);
        }
        await this.#store.add(rec, true);
      } else {
        const d = await this.#driver(driver).catch((err) => {
          throw wrap(`create ${name}`, err);
        });
        try {
          // Docker asks first and creates only what the plugin does not have
          if (!(await d.get(name))) await d.create(name, options);
          rec.scope = await d.scope();
        } catch (err) {
          throw wrap(`create ${name}`, err);
        }
        await this.#store.add(rec, false);
      }
      this.#emit("create", name, { driver });
      return this.#view(rec);
    });
  }

  /**
   * An existing record answers a create when the driver matches (or none was asked for) and,
   * for plugins, the plugin still has the volume; a stale plugin record nobody uses is
   * dropped so the create goes on (moby service/store.go checkConflict).
   */
  async #stillThere(rec: VolumeRecord, driver: string | undefined): Promise<boolean> {
    const name = rec.name;
    if (driver && driver !== rec.driver)
      throw conflict(
        `create ${name}: driver '${rec.driver}' already has volume '${name}': volume name must be unique`,
      );
    if (rec.driver === LOCAL) return true;
    let found: PluginVolume | undefined;
    try {
      found = await (await this.#driver(rec.driver)).get(name);
    } catch (err) {
      throw conflict(
        `create ${name}: found reference to volume '${name}' in driver '${rec.driver}', but got an error while checking the driver: ${messageOf(err)}: volume name must be unique`,
      );
    }
    if (found) return true;
    if (this.#users(name).length > 0)
      throw conflict(
        `create ${name}: found references to volume '${name}' in driver '${rec.driver}' but the volume was not found in the driver -- you may need to remove containers referencing this volume or force remove the volume to re-create it: volume name must be unique`,
      );
    await this.#store.remove(name);
    return false;
  }

  async inspect(name: string): Promise<Volume> {
    const rec = this.#store.get(name);
    if (!rec) throw notFound(`get ${name}: no such volume`);
    if (rec.driver === LOCAL) return this.#view(rec);
    return this.#lock.run(name, async () => {
      let pv: PluginVolume | undefined;
      try {
        pv = await (await this.#driver(rec.driver)).get(name);
      } catch (err) {
        throw wrap(
          `get ${name}: error while checking if volume ${JSON.stringify(name)} exists in driver ${JSON.stringify(rec.driver)}`,
          err,
        );
      }
      if (!pv) {
        // the plugin lost it: Docker forgets the record too (it holds no data of ours)
        if (this.#users(name).length === 0 && this.#store.get(name)) await this.#store.remove(name);
        throw notFound(`get ${name}: no such volume`);
      }
      if (pv.Mountpoint) this.#pluginPaths.set(name, pv.Mountpoint);
      return this.#view(rec, pv);
    });
  }

  async list(filters: Map<string, string[]>): Promise<{ Volumes: Volume[]; Warnings: string[] }> {
    const match = listPredicate(filters);
    const records = this.#store.all();
    const warnings: string[] = [];
    // what each plugin reports; a plugin that fails gives a warning and its records are shown as known
    const reported = new Map<string, Map<string, PluginVolume>>();
    const plugins = [...new Set(records.map((r) => r.driver).filter((d) => d !== LOCAL))];
    await Promise.all(
      plugins.map(async (driver) => {
        try {
          const vols = await (await this.#driver(driver)).list();
          reported.set(driver, new Map(vols.map((v) => [v.Name, v])));
        } catch (err) {
          warnings.push(`list ${driver}: ${messageOf(err)}`);
        }
      }),
    );
    const volumes: Volume[] = [];
    for (const rec of records.sort((a, b) => compareStrings(a.name, b.name))) {
      const fromPlugin = reported.get(rec.driver);
      if (fromPlugin && !fromPlugin.has(rec.name)) continue;
      if (!match(this.#subject(rec))) continue;
      const pv = fromPlugin?.get(rec.name);
      volumes.push(this.#view(rec, pv ? { Name: pv.Name, Mountpoint: pv.Mountpoint } : undefined));
    }
    return { Volumes: volumes, Warnings: warnings };
  }

  remove(name: string, o: { force: boolean }): Promise<void> {
    return this.#lock.run(name, async () => {
      const rec = this.#store.get(name);
      if (!rec) {
        if (o.force) return;
        throw notFound(`get ${name}: no such volume`);
      }
      const users = this.#users(name);
      if (users.length > 0) throw conflict(`remove ${name}: volume is in use - [${users.join(", ")}]`);
      if (rec.driver !== LOCAL) {
        try {
          await (await this.#driver(rec.driver)).remove(name);
        } catch (err) {
          // --force: forget the volume even when its plugin is gone or refuses (Docker's purge on error)
          if (!o.force) throw wrap(`remove ${name}`, err);
          this.#log("warn", `volume ${name}: removed while its plugin failed: ${messageOf(err)}`);
        }
      } else if (needsMount(rec.options) && isMountPoint(this.#store.dataPath(name))) {
        // left mounted by a crash: detach before the folder goes, so a bind's host folder is untouched
        await unmountLazy(this.#store.dataPath(name)).catch((err) => {
          throw wrap(`remove ${name}`, err);
        });
      }
      await this.#store.remove(name);
      this.#pluginPaths.delete(name);
      this.#emit("destroy", name, { driver: rec.driver });
    });
  }

  async prune(filters: Map<string, string[]>): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    if (this.#pruning) throw conflict("a prune operation is already running");
    const match = prunePredicate(filters);
    this.#pruning = true;
    try {
      const deleted: string[] = [];
      let reclaimed = 0;
      // only local volumes without options: the others hold no space of ours (as Docker)
      const candidates = this.#store
        .all()
        .filter((r) => r.driver === LOCAL && Object.keys(r.options).length === 0)
        .sort((a, b) => compareStrings(a.name, b.name));
      for (const rec of candidates) {
        if (!match(this.#subject(rec))) continue;
        const size = await dirSize(this.#store.dataPath(rec.name)).catch(() => 0);
        try {
          await this.remove(rec.name, { force: false });
        } catch (err) {
          this.#log("warn", `volume prune: could not remove ${rec.name}: ${messageOf(err)}`);
          continue;
        }
        reclaimed += size;
        deleted.push(rec.name);
      }
      this.#emit("prune", "", { reclaimed: String(reclaimed) });
      return { VolumesDeleted: deleted, SpaceReclaimed: reclaimed };
    } finally {
      this.#pruning = false;
    }
  }

  mount(name: string, containerId: string, o: MountEventOptions = {}): Promise<string> {
    return this.#lock.run(name, async () => {
      const rec = this.#store.get(name);
      if (!rec) throw notFound(`get ${name}: no such volume`);
      const refs = new Map(this.#store.refs(name));
      const held = refs.get(containerId) ?? 0;
      let path = this.#store.dataPath(name);
      if (rec.driver !== LOCAL) {
        const known = this.#pluginPaths.get(name) ?? "";
        try {
          const d = await this.#driver(rec.driver);
          // the plugin counts by ID: one Mount per container; a later mount of it asks for the path
          path = held === 0 ? await d.mount(name, containerId) : known || (await d.path(name));
        } catch (err) {
          throw wrap(`error while mounting volume '${known}'`, err);
        }
        this.#pluginPaths.set(name, path);
        refs.set(containerId, held + 1);
        this.#store.setRefs(name, refs);
      } else if (needsMount(rec.options)) {
        if (!isMountPoint(path)) {
          const { type = "", device = "", o: options = "" } = rec.options;
          if (!device)
            throw internal(`error while mounting volume '${path}': missing device in volume options`);
          await mountDevice({ type, device, options, target: path }).catch((err) => {
            const msg = maskPassword(messageOf(err), options);
            throw internal(
              `error while mounting volume '${path}': failed to mount local volume: ${msg}`,
              err,
            );
          });
        }
        refs.set(containerId, held + 1);
        this.#store.setRefs(name, refs);
      }
      this.#emit("mount", name, {
        driver: rec.driver,
        container: containerId,
        ...(o.destination !== undefined ? { destination: o.destination } : {}),
        ...(o.readWrite !== undefined ? { "read/write": String(o.readWrite) } : {}),
        ...(o.propagation !== undefined ? { propagation: o.propagation } : {}),
      });
      return path;
    });
  }

  unmount(name: string, containerId: string): Promise<void> {
    return this.#lock.run(name, async () => {
      const rec = this.#store.get(name);
      if (!rec) throw notFound(`get ${name}: no such volume`);
      const plugin = rec.driver !== LOCAL;
      const counted = plugin || needsMount(rec.options);
      let failure: unknown;
      if (counted) {
        const refs = new Map(this.#store.refs(name));
        const held = refs.get(containerId) ?? 0;
        if (held === 0) {
          this.#log("debug", `volume ${name}: unmount by ${containerId}, which holds no mount`);
          return;
        }
        // the count drops even when the unmount fails, or the volume could never be removed (Docker's reasoning)
        if (held > 1) refs.set(containerId, held - 1);
        else refs.delete(containerId);
        this.#store.setRefs(name, refs);
        try {
          if (plugin && held === 1) await (await this.#driver(rec.driver)).unmount(name, containerId);
          if (!plugin && refs.size === 0) await unmountLazy(this.#store.dataPath(name));
        } catch (err) {
          failure = err;
        }
        if (plugin && refs.size === 0) this.#pluginPaths.delete(name);
      }
      this.#emit("unmount", name, { driver: rec.driver, container: containerId });
      if (failure) throw wrap(`unmounting volume ${name}`, failure);
    });
  }

  populate(name: string, mountpoint: string, sourceDir: string): Promise<boolean> {
    return this.#lock.run(name, async () => {
      if (!this.#store.get(name)) throw notFound(`get ${name}: no such volume`);
      return copyUp(sourceDir, mountpoint);
    });
  }

  async usage(name: string): Promise<number> {
    const rec = this.#store.get(name);
    if (!rec) throw notFound(`get ${name}: no such volume`);
    if (rec.driver !== LOCAL || needsMount(rec.options)) return -1;
    return dirSize(this.#store.dataPath(name)).catch(() => -1);
  }

  async reconcile(running: (containerId: string) => boolean): Promise<void> {
    for (const rec of this.#store.all()) {
      await this.#lock.run(rec.name, async () => {
        const refs = new Map(this.#store.refs(rec.name));
        const gone = [...refs.keys()].filter((id) => !running(id));
        for (const id of gone) refs.delete(id);
        if (gone.length > 0) this.#store.setRefs(rec.name, refs);
        if (rec.driver !== LOCAL) {
          for (const id of gone)
            await this.#driver(rec.driver)
              .then((d) => d.unmount(rec.name, id))
              .catch((err) => this.#log("warn", `volume ${rec.name}: unmount for ${id}: ${messageOf(err)}`));
          return;
        }
        const path = this.#store.dataPath(rec.name);
        if (needsMount(rec.options) && refs.size === 0 && isMountPoint(path))
          await unmountLazy(path).catch((err) => this.#log("warn", `volume ${rec.name}: ${messageOf(err)}`));
      });
    }
  }

  /** Containers that reference the volume, and any that still hold a mount of it. */
  /** What the list and prune filters look at. */
  #subject(rec: VolumeRecord): FilterSubject {
    return {
      name: rec.name,
      driver: rec.driver,
      labels: rec.labels,
      inUse: this.#users(rec.name).length > 0,
    };
  }

  #users(name: string): string[] {
    const ids = new Set(this.#o.inUse(name));
    for (const id of this.#store.refs(name).keys()) ids.add(id);
    return [...ids];
  }

  /** A plugin by name, activated once and kept (Docker keeps v1 plugins too). */
  #driver(name: string): Promise<VolumePluginDriver> {
    let p = this.#drivers.get(name);
    if (!p) {
      p = VolumePluginDriver.activate(name, this.#pluginDirs, this.#pluginWait).catch((err) => {
        this.#drivers.delete(name);
        throw wrap(`error looking up volume plugin ${name}`, err);
      });
      this.#drivers.set(name, p);
    }
    return p;
  }

  #view(rec: VolumeRecord, pv?: PluginVolume): Volume {
    const local = rec.driver === LOCAL;
    const v: Volume = {
      CreatedAt: rec.createdAt,
      Driver: rec.driver,
      Labels: { ...rec.labels },
      Mountpoint: local
        ? this.#store.dataPath(rec.name)
        : (pv?.Mountpoint ?? this.#pluginPaths.get(rec.name) ?? ""),
      Name: rec.name,
      Options: { ...rec.options },
      Scope: rec.scope,
    };
    if (pv?.CreatedAt) {
      const t = new Date(pv.CreatedAt);
      if (!Number.isNaN(t.getTime())) v.CreatedAt = rfc3339(t);
    }
    if (pv?.Status && Object.keys(pv.Status).length > 0) v.Status = { ...pv.Status };
    return v;
  }

  #emit(action: string, name: string, attrs: Record<string, string>): void {
    try {
      this.#o.events?.(action, name, attrs);
    } catch (err) {
      this.#log("warn", `volume event ${action} ${name}: ${messageOf(err)}`);
    }
  }
}
