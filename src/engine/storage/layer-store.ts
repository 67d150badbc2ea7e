import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import {
  copyFile,
  link,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { posix } from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { writeFileAtomicAsync, writeJsonAtomic } from "../../lib/atomic-file.ts";
import { conflict, invalid, notFound, notImplemented, unavailable } from "../../lib/errors.ts";
import { execFileAsync } from "../../lib/exec-file.ts";
import { lstatOrUndefined } from "../../lib/fs-probe.ts";
import { KeyedLock } from "../../lib/keyed-lock.ts";
import { decompressStream } from "../../lib/tar/compression.ts";
import { writeHashed } from "./batch-writer.ts";
import { type Change, changesSize, computeChanges, listDirs, type UpperHint } from "./changes.ts";
import { opaqueDirs } from "./fs-syscalls.ts";
import type {
  DiffTarOptions,
  LayerInfo,
  StagedLayer,
  StageOptions,
  Storage,
  StorageDriver,
} from "./index.ts";
import { makeInitLayer } from "./init-layer.ts";
import type { UnpackResult } from "./layer-unpack.ts";
import { LayerView, type ViewLayer } from "./layer-view.ts";
import { isMountPoint, mountOverlay, mountPoints, unmount } from "./mounts.ts";
import { probeOverlay } from "./overlay-probe.ts";

/**
 * The tar code (tar-stream, unpacking, packing) loads when a layer is first unpacked or packed:
 * a daemon that only runs containers from the images it has never needs it.
 */
const unpackLayer: typeof import("./layer-unpack.ts").unpackLayer = async (...args) =>
  (await import("./layer-unpack.ts")).unpackLayer(...args);
const treeTar = () => import("./tree-tar.ts");

interface LayerRecord extends LayerInfo {
  /** name of the short symlink under l/ */
  link: string;
  /** opaque directories of this layer (overlay), relative */
  opaque: string[];
  /** no image wants it any more: it goes once no layer or container sits on it */
  released?: boolean;
  /** layer.tar, the plain tar as applied, sits beside diff/ (layers stored before it: absent) */
  tar?: boolean;
  /**
   * the tar is kept compressed instead, as layer.packed (a pulled layer's blob, hard-linked):
   * the plain tar's length (save needs it before the bytes)
   */
  packed?: { tarSize: number };
}

interface RwRecord {
  id: string;
  parent?: string;
  /**
   * Its init layer: "shared" is the store's one init/ (overlay), true its own containers/<id>/init
   * (the copy driver, and overlay containers made before the shared one). Containers made
   * before init layers existed have none.
   */
  init?: boolean | "shared";
}

/** Mount data must fit one page; keep a margin for the upper and work dirs. */
const MOUNT_DATA_MAX = 4096 - 1;

const hexOf = (chainId: string) => chainId.replace(/^sha256:/, "");
const asDigest = (id: string) => (id.startsWith("sha256:") ? id : `sha256:${id}`);

/** The Storage contract over plain directories, overlay mounts or full copies (see index.ts). */
export class LayerStore implements Storage {
  readonly driver: StorageDriver;
  readonly #root: string;
  readonly #layers = new Map<string, LayerRecord>(); // by chainId
  readonly #rws = new Map<string, RwRecord>();
  readonly #mounted = new Set<string>();
  /** container layers being made: id → parent, which counts as in use meanwhile */
  readonly #creating = new Map<string, string | undefined>();
  readonly #lock = new KeyedLock();
  /** the shared init layer, once made (#sharedInit) */
  #initReady: Promise<void> | undefined;
  /** extra overlay mount options, from the probe */
  readonly #mountOptions: string;

  private constructor(root: string, driver: StorageDriver, mountOptions: string) {
    this.#root = root;
    this.driver = driver;
    this.#mountOptions = mountOptions;
  }

  static async open(root: string, wanted?: StorageDriver): Promise<LayerStore> {
    for (const d of ["layers", "l", "containers", "tmp", "empty"])
      await mkdir(posix.join(root, d), { recursive: true });
    await emptyDir(posix.join(root, "tmp"));
    const recorded = await readFile(posix.join(root, "driver"), "utf8").then(
      (t) => t.trim() as StorageDriver,
      () => undefined,
    );
    if (recorded && wanted && recorded !== wanted)
      throw conflict(`storage at ${root} was made with the ${recorded} driver, not ${wanted}`);
    let driver = recorded ?? wanted;
    let mountOptions = "";
    if (driver !== "copy") {
      const probe = await probeOverlay(posix.join(root, "tmp"));
      if (!probe.ok && driver === "overlay")
        throw unavailable(`overlay storage does not work here: ${probe.reason}`);
      driver = probe.ok ? "overlay" : "copy";
      if (probe.ok) mountOptions = probe.options;
    }
    if (!recorded) await writeFile(posix.join(root, "driver"), `${driver}\n`);
    const store = new LayerStore(root, driver, mountOptions);
    await store.#load();
    return store;
  }

  async #load(): Promise<void> {
    for (const hex of await readdir(posix.join(this.#root, "layers"))) {
      try {
        const rec = JSON.parse(
          await readFile(posix.join(this.#root, "layers", hex, "layer.json"), "utf8"),
        ) as LayerRecord;
        this.#layers.set(rec.chainId, rec);
      } catch {
        // not a finished layer: renamed in only when complete, so this is foreign; leave it
      }
    }
    for (const link of await readdir(posix.join(this.#root, "l"))) {
      const target = await readlink(posix.join(this.#root, "l", link)).catch(() => "");
      const hex = target.split("/")[2] ?? "";
      if (!this.#layers.has(`sha256:${hex}`)) await rm(posix.join(this.#root, "l", link), { force: true });
    }
    for (const id of await readdir(posix.join(this.#root, "containers"))) {
      try {
        const rec = JSON.parse(
          await readFile(posix.join(this.#root, "containers", id, "rw.json"), "utf8"),
        ) as RwRecord;
        this.#rws.set(rec.id, rec);
      } catch {
        // same as above
      }
    }
    // mounts made by an earlier daemon are ours to unmount too
    const points = new Set(await mountPoints());
    for (const id of this.#rws.keys()) if (points.has(this.#mergedDir(id))) this.#mounted.add(id);
    await this.#sweep();
  }

  #layerDir(chainId: string): string {
    return posix.join(this.#root, "layers", hexOf(chainId));
  }

  #diffDir(chainId: string): string {
    return posix.join(this.#layerDir(chainId), "diff");
  }

  #rwDir(id: string): string {
    return posix.join(this.#root, "containers", id);
  }

  /** A container's init layer, absolute or relative to the root (as in mount data). */
  #initDir(id: string, rec: RwRecord, form: "absolute" | "relative" = "absolute"): string {
    const rel = rec.init === "shared" ? "init" : `containers/${id}/init`;
    return form === "relative" ? rel : posix.join(this.#root, rel);
  }

  /**
   * The overlay containers' init layer, made on first use. Its stubs are the same for every
   * container, so one read-only lower layer serves them all. Each container used to get its own
   * copy: 14 files and folders to create and delete per container, which is most of the inodes
   * a container start allocates.
   */
  #sharedInit(): Promise<void> {
    // made once per store: later creates skip the lock and the lstat
    if (this.#initReady) return this.#initReady;
    const ready = this.#lock.run("init", async () => {
      const dir = posix.join(this.#root, "init");
      if (await lstatOrUndefined(dir)) return;
      const tmp = this.#tmpPath("init");
      try {
        await mkdir(tmp);
        await makeInitLayer(tmp, new Date());
        await rename(tmp, dir);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    });
    this.#initReady = ready;
    // a failure is not kept: the next create tries again
    ready.catch(() => {
      if (this.#initReady === ready) this.#initReady = undefined;
    });
    return ready;
  }

  #mergedDir(id: string): string {
    return posix.join(this.#rwDir(id), "merged");
  }

  /** chainId and its ancestors, top first. */
  #chain(chainId: string | undefined): LayerRecord[] {
    const out: LayerRecord[] = [];
    for (let c = chainId; c; c = this.#layers.get(c)?.parent) {
      const rec = this.#layers.get(c);
      if (!rec) throw notFound(`layer ${c} not found`);
      out.push(rec);
    }
    return out;
  }

  #tmpPath(kind: string): string {
    return posix.join(this.#root, "tmp", `${kind}-${randomBytes(8).toString("hex")}`);
  }

  async applyLayer(
    parent: string | undefined,
    tar: NodeJS.ReadableStream,
    expect?: { diffId?: string },
  ): Promise<LayerInfo> {
    const input = tar as Readable;
    if (parent) parent = asDigest(parent);
    if (parent && !this.#layers.has(parent)) {
      input.resume();
      throw notFound(`layer ${parent} not found`);
    }
    if (expect?.diffId) {
      const existing = this.#layers.get(chainIdOf(parent, expect.diffId));
      if (existing) {
        await drain(input);
        this.#keep(existing);
        return info(existing);
      }
    }
    const tmp = this.#tmpPath("layer");
    try {
      const diff = posix.join(tmp, "diff");
      await mkdir(tmp);
      if (this.driver === "copy" && parent) await copyTree(this.#diffDir(parent), diff);
      else await mkdir(diff);
      const plain = await decompressStream(input);
      const result = await unpackLayer(plain, diff, this.driver === "overlay" ? "overlay" : "apply", {
        copyTo: posix.join(tmp, "layer.tar"),
      });
      if (expect?.diffId && expect.diffId !== result.diffId) throw mismatch(expect.diffId, result.diffId);
      return await this.#commit(tmp, parent, result);
    } catch (err) {
      input.resume();
      throw err;
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  async stageLayer(
    tar: NodeJS.ReadableStream,
    expect?: { diffId?: string },
    o: StageOptions = {},
  ): Promise<StagedLayer> {
    const input = tar as Readable;
    const tmp = this.#tmpPath("staged");
    const tarPath = posix.join(tmp, "layer.tar");
    let unpacked: UnpackResult | undefined;
    let diffId: string;
    // the compressed bytes are kept instead of a plain copy: 1/3 of the writes of a pull
    const packedAt = this.driver === "overlay" ? o.packedAt : undefined;
    try {
      await mkdir(tmp);
      const plain = await decompressStream(input);
      if (this.driver === "overlay") {
        // an overlay layer's files do not depend on its parent's: unpacked now, placed at commit
        await mkdir(posix.join(tmp, "diff"));
        unpacked = await unpackLayer(plain, posix.join(tmp, "diff"), "overlay", {
          ...(packedAt ? {} : { copyTo: tarPath }),
        });
        diffId = unpacked.diffId;
      } else diffId = await writeHashed(plain, tarPath); // the copy driver unpacks onto a copy of the parent
      if (expect?.diffId && expect.diffId !== diffId) throw mismatch(expect.diffId, diffId);
    } catch (err) {
      input.resume();
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    // commits run one after the other; after the first, tmp is gone (renamed into layers/ or removed)
    let queue = Promise.resolve();
    let state: { kind: "staged" } | { kind: "committed"; chainId: string } | { kind: "gone" } = {
      kind: "staged",
    };
    const commitNow = async (parent: string | undefined): Promise<LayerInfo> => {
      if (parent) parent = asDigest(parent);
      if (state.kind === "gone") throw new Error("the staged layer was discarded or failed to commit");
      if (state.kind === "committed") {
        const existing = this.#layers.get(chainIdOf(parent, diffId));
        if (existing) {
          this.#keep(existing);
          return info(existing);
        }
        // the same tar on another parent: applied anew from the copy kept by the first commit
        return this.applyLayer(parent, createReadStream(this.#tarPath(state.chainId)), { diffId });
      }
      try {
        if (parent && !this.#layers.has(parent)) throw notFound(`layer ${parent} not found`);
        let result = unpacked;
        if (!result) {
          const diff = posix.join(tmp, "diff");
          if (parent) await copyTree(this.#diffDir(parent), diff);
          else await mkdir(diff);
          result = await unpackLayer(createReadStream(tarPath), diff, "apply");
        }
        if (packedAt) await linkOrCopy(packedAt, posix.join(tmp, "layer.packed"));
        const layer = await this.#commit(tmp, parent, result, packedAt !== undefined);
        state = { kind: "committed", chainId: layer.chainId };
        return layer;
      } finally {
        if (state.kind === "staged") state = { kind: "gone" };
        await rm(tmp, { recursive: true, force: true });
      }
    };
    return {
      diffId,
      commit: (parent) => {
        const done = queue.then(() => commitNow(parent));
        queue = done.then(
          () => {},
          () => {},
        );
        return done;
      },
      discard: async () => {
        await queue;
        if (state.kind === "staged") state = { kind: "gone" };
        await rm(tmp, { recursive: true, force: true });
      },
    };
  }

  /**
   * Makes a layer of tmp (diff/ unpacked, layer.tar or, when `packed`, layer.packed beside it)
   * on parent, or keeps the same layer that is there already. tmp is renamed into layers/ or
   * left for the caller to remove.
   */
  async #commit(
    tmp: string,
    parent: string | undefined,
    result: UnpackResult,
    packed = false,
  ): Promise<LayerInfo> {
    const chainId = chainIdOf(parent, result.diffId);
    const existing = this.#layers.get(chainId);
    if (existing) {
      if (!existing.tar && !existing.released) await this.#adoptTar(existing, tmp, packed, result.tarSize);
      this.#keep(existing);
      return info(existing);
    }
    const rec: LayerRecord = {
      chainId,
      diffId: result.diffId,
      ...(parent ? { parent } : {}),
      size: result.size,
      link: hexOf(chainId).slice(0, 24),
      opaque: result.opaque,
      tar: true,
      ...(packed ? { packed: { tarSize: result.tarSize } } : {}),
    };
    // no fsync: the file is whole once tmp is renamed in (a daemon killed before that leaves
    // nothing), and the layer's own files are not synced either; an fsync here, right after a
    // pull's hundreds of MB, waited 30-120 ms for the journal
    await writeFile(posix.join(tmp, "layer.json"), `${JSON.stringify(rec)}\n`);
    // the link may dangle for a moment; open() removes links whose layer never arrived
    await symlink(`../layers/${hexOf(chainId)}/diff`, posix.join(this.#root, "l", rec.link)).catch((err) => {
      if (err.code !== "EEXIST") throw err;
    });
    try {
      await rename(tmp, this.#layerDir(chainId));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EEXIST" && code !== "ENOTEMPTY") throw err;
    }
    this.#layers.set(chainId, rec);
    return info(rec);
  }

  /** A layer stored before tars were kept gets the one just applied again (same diffId, same bytes). */
  async #adoptTar(rec: LayerRecord, tmp: string, packed: boolean, tarSize: number): Promise<void> {
    const name = packed ? "layer.packed" : "layer.tar";
    try {
      await rename(posix.join(tmp, name), posix.join(this.#layerDir(rec.chainId), name));
    } catch {
      return; // the layer is going away meanwhile: it keeps no tar
    }
    rec.tar = true;
    if (packed) rec.packed = { tarSize };
    writeJsonAtomic(posix.join(this.#layerDir(rec.chainId), "layer.json"), rec);
  }

  /** The layer's kept tar: its file, and whether that is compressed (layer.packed). */
  #tarFile(chainId: string): { path: string; rec: LayerRecord } {
    const rec = this.#layers.get(asDigest(chainId));
    if (!rec || rec.released) throw notFound(`layer ${asDigest(chainId)} not found`);
    if (!rec.tar)
      throw notImplemented(
        `the tar of layer ${rec.diffId}: it was stored before kapsel kept layer tars (pull or load the image again)`,
      );
    return { path: posix.join(this.#layerDir(rec.chainId), rec.packed ? "layer.packed" : "layer.tar"), rec };
  }

  /** The kept tar as it is on disk (maybe compressed: applyLayer takes either). */
  #tarPath(chainId: string): string {
    return this.#tarFile(chainId).path;
  }

  layerTar(chainId: string): NodeJS.ReadableStream {
    const { path, rec } = this.#tarFile(chainId);
    if (rec.packed)
      return lazyStream(() => decompressStream(createReadStream(path, { highWaterMark: 256 * 1024 })));
    // the default 64 KiB pieces: 256 KiB ones made save 10% faster but its peak RSS 30 MB
    // higher (V8 collects bigger buffers later)
    return createReadStream(path);
  }

  async layerTarSize(chainId: string): Promise<number> {
    const { path, rec } = this.#tarFile(chainId);
    return rec.packed ? rec.packed.tarSize : (await stat(path)).size;
  }

  getLayer(chainId: string): LayerInfo | undefined {
    const rec = this.#layers.get(asDigest(chainId));
    return rec && !rec.released ? info(rec) : undefined;
  }

  /** A released layer that is wanted again (the same layer applied anew) stays, with its parents. */
  #keep(rec: LayerRecord): void {
    for (const l of this.#chain(rec.chainId)) {
      if (!l.released) continue;
      delete l.released;
      writeJsonAtomic(posix.join(this.#layerDir(l.chainId), "layer.json"), l);
    }
  }

  releaseLayer(chainId: string): Promise<boolean> {
    const id = asDigest(chainId);
    return this.#lock.run("layers", async () => {
      const rec = this.#layers.get(id);
      if (!rec || rec.released) throw notFound(`layer ${id} not found`);
      if (!this.#inUse(id)) {
        await this.#removeLayerNow(rec);
        return true;
      }
      rec.released = true;
      writeJsonAtomic(posix.join(this.#layerDir(id), "layer.json"), rec);
      return false;
    });
  }

  #inUse(chainId: string): boolean {
    for (const l of this.#layers.values()) if (l.parent === chainId) return true;
    for (const r of this.#rws.values()) if (r.parent === chainId) return true;
    for (const p of this.#creating.values()) if (p === chainId) return true;
    return false;
  }

  async #removeLayerNow(rec: LayerRecord): Promise<void> {
    this.#layers.delete(rec.chainId);
    const tmp = this.#tmpPath("removed");
    await rename(this.#layerDir(rec.chainId), tmp);
    await rm(posix.join(this.#root, "l", rec.link), { force: true });
    await rm(tmp, { recursive: true, force: true });
  }

  /** Removes released layers nothing sits on any more, top first, until none is left. */
  #sweep(): Promise<void> {
    return this.#lock.run("layers", async () => {
      for (let again = true; again; ) {
        again = false;
        for (const rec of [...this.#layers.values()]) {
          if (!rec.released || this.#inUse(rec.chainId)) continue;
          await this.#removeLayerNow(rec);
          again = true;
        }
      }
    });
  }

  createRw(id: string, parent: string | undefined): Promise<void> {
    return this.#lock.run(`rw:${id}`, async () => {
      if (parent) parent = asDigest(parent);
      const existing = this.#rws.get(id);
      if (existing) {
        if (existing.parent === parent) return;
        throw conflict(`container layer ${id} already exists`);
      }
      // checked and claimed under the layers lock: a layer being released cannot gain a container
      await this.#lock.run("layers", async () => {
        if (parent && (!this.#layers.has(parent) || this.#layers.get(parent)?.released))
          throw notFound(`layer ${parent} not found`);
        this.#creating.set(id, parent);
      });
      const tmp = this.#tmpPath("rw");
      let made = false;
      try {
        const now = new Date();
        const [init, merged] = [posix.join(tmp, "init"), posix.join(tmp, "merged")];
        await mkdir(tmp);
        if (this.driver === "overlay") {
          await this.#sharedInit();
          for (const d of ["upper", "work", "merged"]) await mkdir(posix.join(tmp, d));
        } else {
          // the stubs go into the copy itself; init/ holds them apart, only for diff's comparison
          if (parent) await copyTree(this.#diffDir(parent), merged);
          else await mkdir(merged);
          await makeInitLayer(merged, now);
          await mkdir(init);
          await makeInitLayer(init, now, merged);
        }
        const rec: RwRecord = {
          id,
          ...(parent ? { parent } : {}),
          init: this.driver === "overlay" ? "shared" : true,
        };
        // on the thread pool: parallel starts would queue behind each fsync on the event loop
        await writeFileAtomicAsync(posix.join(tmp, "rw.json"), `${JSON.stringify(rec)}\n`);
        await rename(tmp, this.#rwDir(id));
        this.#rws.set(id, rec);
        made = true;
      } finally {
        this.#creating.delete(id);
        await rm(tmp, { recursive: true, force: true });
        if (!made) await this.#sweep();
      }
    });
  }

  #rw(id: string): RwRecord {
    const rec = this.#rws.get(id);
    if (!rec) throw notFound(`no storage layer for container ${id}`);
    return rec;
  }

  driverData(of: { container: string } | { layer: string }): Record<string, string> | null {
    if (this.driver === "copy") return null;
    const diffs = (chainId: string | undefined) => this.#chain(chainId).map((l) => this.#diffDir(l.chainId));
    if ("layer" in of) {
      const [upper, ...lower] = diffs(of.layer); // top first, as overlay's lowerdir
      if (!upper) return null;
      return { ...(lower.length > 0 ? { LowerDir: lower.join(":") } : {}), UpperDir: upper };
    }
    const rec = this.#rw(of.container);
    const dir = this.#rwDir(of.container);
    const lower = [...(rec.init ? [this.#initDir(of.container, rec)] : []), ...diffs(rec.parent)];
    return {
      ...(lower.length > 0 ? { LowerDir: lower.join(":") } : {}),
      MergedDir: this.#mergedDir(of.container),
      UpperDir: posix.join(dir, "upper"),
      WorkDir: posix.join(dir, "work"),
    };
  }

  mount(id: string): Promise<string> {
    return this.#lock.run(`rw:${id}`, async () => {
      const rec = this.#rw(id);
      const merged = this.#mergedDir(id);
      if (this.driver === "copy") return merged;
      // what is mounted is known (what this daemon mounted, and at start-up what an earlier one
      // left mounted), as moby's overlay2 trusts its own count: no read of the mount table
      if (this.#mounted.has(id)) return merged;
      const chain = this.#chain(rec.parent);
      const lowers = [
        ...(rec.init ? [this.#initDir(id, rec, "relative")] : []),
        ...chain.map((l) => `l/${l.link}`),
      ];
      const lower = lowers.length > 0 ? lowers.join(":") : "empty";
      const options = [
        `lowerdir=${lower}`,
        `upperdir=containers/${id}/upper`,
        `workdir=containers/${id}/work`,
        ...(this.#mountOptions ? [this.#mountOptions] : []),
      ].join(",");
      if (options.length > MOUNT_DATA_MAX)
        throw invalid(`too many layers to mount (${chain.length}): the overlay mount options exceed a page`);
      await mountOverlay(merged, options, this.#root);
      this.#mounted.add(id);
      return merged;
    });
  }

  unmount(id: string): Promise<void> {
    return this.#lock.run(`rw:${id}`, async () => {
      // straight to umount(2), no look at the mount table first: not mounted is a no-op there
      if (this.driver === "overlay") await unmount(this.#mergedDir(id));
      this.#mounted.delete(id);
    });
  }

  removeRw(id: string): Promise<void> {
    return this.#lock
      .run(`rw:${id}`, async () => {
        if (!this.#rws.has(id)) return;
        // the rootfs, if still mounted, and whatever is mounted below it: never delete through a mount
        try {
          await unmountBelow(this.#rwDir(id));
        } catch (err) {
          // what mount() trusts must stay true after a failure halfway
          if (!(await isMountPoint(this.#mergedDir(id)))) this.#mounted.delete(id);
          throw err;
        }
        this.#mounted.delete(id);
        const tmp = this.#tmpPath("removed");
        await rename(this.#rwDir(id), tmp);
        this.#rws.delete(id);
        // out of sight: its files go without keeping the caller waiting (`run --rm` waits on this);
        // whatever a crash leaves in tmp/ goes at the next start
        rm(tmp, { recursive: true, force: true }).catch(() => {});
      })
      .then(() => this.#sweep());
  }

  /** What the container started from, top first: its init layer, then its image's layers. */
  #baseLayers(id: string, rec: RwRecord): ViewLayer[] {
    const init = rec.init ? [layerOf(this.#initDir(id, rec), [])] : [];
    // the copy driver's layer dirs hold whole trees: the top one is the image
    const chain = this.#chain(rec.parent);
    const image = this.driver === "copy" ? chain.slice(0, 1) : chain;
    return [...init, ...image.map((l) => layerOf(this.#diffDir(l.chainId), l.opaque))];
  }

  /** The container's file system and what it started from, plus the upper-dir hint for overlay. */
  async #views(id: string): Promise<{ next: LayerView; prev: LayerView; upper?: UpperHint }> {
    const rec = this.#rw(id);
    const prev = new LayerView(this.#baseLayers(id, rec));
    if (this.driver === "copy") return { next: new LayerView([layerOf(this.#mergedDir(id), [])]), prev };
    const upperDir = posix.join(this.#rwDir(id), "upper");
    const dirs = await listDirs(upperDir);
    const hosts = dirs.map((d) => (d === "" ? upperDir : posix.join(upperDir, d)));
    const opaqueHosts = await opaqueDirs(hosts);
    const opaque = new Set(dirs.filter((_d, i) => opaqueHosts.has(hosts[i])));
    const next = new LayerView([{ dir: upperDir, opaque }, ...prev.layers]);
    return { next, prev, upper: { dir: upperDir, opaque } };
  }

  async #changes(id: string): Promise<{ changes: Change[]; next: LayerView }> {
    const { next, prev, upper } = await this.#views(id);
    return { changes: await computeChanges(next, prev, upper), next };
  }

  async diff(id: string): Promise<Change[]> {
    return (await this.#changes(id)).changes;
  }

  exportRootfs(id: string): NodeJS.ReadableStream {
    return lazyStream(async () => (await treeTar()).packView((await this.#views(id)).next));
  }

  diffTar(id: string, o?: DiffTarOptions): NodeJS.ReadableStream {
    return lazyStream(async () => {
      const { changes, next } = await this.#changes(id);
      return (await treeTar()).packChanges(next, changes, new Date(), o?.mtimeMax);
    });
  }

  async rwSize(id: string): Promise<number> {
    const { changes, next } = await this.#changes(id);
    return changesSize(next, changes);
  }

  async close(): Promise<void> {
    for (const id of [...this.#mounted]) await this.unmount(id).catch(() => {});
  }
}

function mismatch(expected: string, got: string) {
  return invalid(`layer digest mismatch: expected ${expected}, got ${got}`);
}

function chainIdOf(parent: string | undefined, diffId: string): string {
  return parent ? `sha256:${createHash("sha256").update(`${parent} ${diffId}`).digest("hex")}` : diffId;
}

function info(rec: LayerRecord): LayerInfo {
  return {
    chainId: rec.chainId,
    diffId: rec.diffId,
    ...(rec.parent ? { parent: rec.parent } : {}),
    size: rec.size,
  };
}

function layerOf(dir: string, opaque: readonly string[]): ViewLayer {
  return { dir, opaque: new Set(opaque) };
}

/** cp -a keeps owners, modes, times, hard links, devices and xattrs; reflinks where the fs can. */
async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to);
  await execFileAsync("cp", ["-a", "--reflink=auto", `${from}/.`, `${to}/`]);
}

/** Unmounts everything mounted below dir, deepest first; throws if anything stays mounted. */
async function unmountBelow(dir: string): Promise<void> {
  const below = async () =>
    (await mountPoints()).filter((p) => p.startsWith(`${dir}/`)).sort((a, b) => b.length - a.length);
  const mounted = await below();
  if (mounted.length === 0) return;
  for (const p of mounted) await unmount(p);
  const left = await below();
  if (left.length > 0) throw new Error(`cannot remove ${dir}: still mounted below it: ${left.join(", ")}`);
}

/** Empties dir, first unmounting whatever a crash left mounted in it (a probe, a removed container). */
async function emptyDir(dir: string): Promise<void> {
  await unmountBelow(dir);
  for (const name of await readdir(dir)) await rm(posix.join(dir, name), { recursive: true, force: true });
}

/** A hard link to a file (the blob store's, on the same file system), else a copy of it. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EXDEV" && code !== "EPERM" && code !== "EMLINK") throw err;
    await copyFile(from, to);
  }
}

function drain(input: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    input.on("end", resolve);
    input.on("error", reject);
    input.resume();
  });
}

/** A stream whose source is made asynchronously; a failure to make it comes out as its error. */
function lazyStream(make: () => Promise<Readable>): Readable {
  const out = new PassThrough();
  make().then(
    (src) => {
      if (out.destroyed) {
        src.destroy();
        return;
      }
      src.on("error", (err) => out.destroy(err));
      out.on("close", () => src.destroy());
      src.pipe(out);
    },
    (err) => out.destroy(err),
  );
  return out;
}
