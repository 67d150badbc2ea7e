import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { mkdtemp, readdir } from "node:fs/promises";
import { posix } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../../lib/atomic-file.ts";
import { invalid, isKind, notFound } from "../../lib/errors.ts";
import { hostArchitecture } from "../../lib/host-arch.ts";
import type { Storage } from "../storage/index.ts";
import { applyChanges } from "./change-lines.ts";
import { debootstrap, findDebootstrap, removeScratch } from "./debian-bootstrap.ts";
import {
  chainIds,
  digestOf,
  type HistoryEntry,
  type ImageConfig,
  rfc3339Nano,
  serializeConfig,
} from "./image-config.ts";
import { listImages } from "./image-list.ts";
import { type PruneReport, pruneImages } from "./image-prune.ts";
import { removeImage } from "./image-remove.ts";
import type {
  HistoryItem,
  ImageRecord,
  ImageStore,
  ImageStoreOptions,
  ListOptions,
  RemoveOptions,
} from "./index.ts";
import {
  familiarString,
  type NamedRef,
  parseAnyReference,
  parseNormalizedNamed,
  withDefaultTag,
} from "./reference.ts";
import { TagStore } from "./tag-store.ts";

interface StoredRecord {
  id: string;
  parent?: string;
  layers: string[];
  lastTagTime?: string;
}

interface Loaded extends StoredRecord {
  config: ImageConfig;
}

const hexOf = (id: string) => id.replace(/^sha256:/, "");

/** The diff id of a tar without entries (Docker's layer.DigestSHA256EmptyTar). */
const EMPTY_TAR_DIFF_ID = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";

/** The ImageStore contract (see index.ts) over files and a Storage. */
export class LocalImageStore implements ImageStore {
  readonly #root: string;
  readonly #storage: Storage;
  readonly #events: NonNullable<ImageStoreOptions["events"]>;
  readonly #images = new Map<string, Loaded>();
  readonly #tags: TagStore;

  private constructor(opts: ImageStoreOptions) {
    this.#root = opts.root;
    this.#storage = opts.storage;
    this.#events = opts.events ?? (() => {});
    for (const d of ["blobs/sha256", "images", "tmp"])
      mkdirSync(posix.join(this.#root, d), { recursive: true });
    this.#tags = new TagStore(posix.join(this.#root, "repositories.json"));
  }

  static async open(opts: ImageStoreOptions): Promise<LocalImageStore> {
    const store = new LocalImageStore(opts);
    for (const name of await readdir(posix.join(opts.root, "tmp")))
      await removeScratch(posix.join(opts.root, "tmp", name));
    store.#load();
    return store;
  }

  #load(): void {
    for (const file of readdirSync(posix.join(this.#root, "images"))) {
      if (!file.endsWith(".json")) continue;
      try {
        const rec = JSON.parse(readFileSync(posix.join(this.#root, "images", file), "utf8")) as StoredRecord;
        const config = JSON.parse(this.configBytes(rec.id).toString()) as ImageConfig;
        // an image whose layers went missing (a crash mid-removal) cannot be used; leave it out
        if (rec.layers.every((l) => this.#storage.getLayer(l))) this.#images.set(rec.id, { ...rec, config });
      } catch {
        // a record without its config: not a complete image
      }
    }
    this.#tags.prune((id) => this.#images.has(id));
  }

  // ---- reading -------------------------------------------------------------------------------

  #record(img: Loaded): ImageRecord {
    const refs = this.#tags.references(img.id);
    return {
      id: img.id,
      config: img.config,
      repoTags: refs.filter((r) => !r.digest).map(familiarString),
      repoDigests: refs.filter((r) => r.digest).map(familiarString),
      created: img.config.created ?? "",
      size: img.layers.reduce((sum, l) => sum + (this.#storage.getLayer(l)?.size ?? 0), 0),
      ...(img.parent ? { parent: img.parent } : {}),
      layers: [...img.layers],
      ...(img.lastTagTime ? { lastTagTime: img.lastTagTime } : {}),
    };
  }

  list(o?: ListOptions): ImageRecord[] {
    const all = [...this.#images.values()].map((i) => this.#record(i));
    if (!o) return all;
    const parents = new Set<string>();
    for (const img of this.#images.values()) if (img.parent) parents.add(img.parent);
    return listImages({ all, parents, resolve: (ref) => this.resolve(ref) }, o);
  }

  resolve(ref: string): ImageRecord {
    return this.#record(this.#find(ref));
  }

  /** GetImage: an id, a name in the tag store, or (for a name-like string) an id prefix. */
  #find(ref: string): Loaded {
    const any = parseAnyReference(ref);
    if (any.kind === "id") {
      const img = this.#images.get(any.id);
      if (!img) throw notFound(`No such image: ${any.id}`);
      return img;
    }
    const id = this.#tags.get(withDefaultTag(any.ref));
    const byName = id ? this.#images.get(id) : undefined;
    if (byName) return byName;
    const byPrefix = this.#searchPrefix(ref);
    if (byPrefix) return byPrefix;
    throw notFound(`No such image: ${familiarString(withDefaultTag(any.ref))}`);
  }

  #searchPrefix(ref: string): Loaded | undefined {
    const m = /^(?:sha256:)?([a-f0-9]+)$/.exec(ref);
    if (!m) return undefined;
    let found: Loaded | undefined;
    for (const img of this.#images.values()) {
      if (!hexOf(img.id).startsWith(m[1])) continue;
      if (found) return undefined; // ambiguous: Docker reports it as not found too
      found = img;
    }
    return found;
  }

  configBytes(imageId: string): Buffer {
    return readFileSync(posix.join(this.#root, "blobs/sha256", hexOf(imageId)));
  }

  topLayer(imageId: string): string | undefined {
    const img = this.#images.get(imageId.startsWith("sha256:") ? imageId : `sha256:${imageId}`);
    if (!img) throw notFound(`No such image: ${imageId}`);
    return img.layers.at(-1);
  }

  history(ref: string): HistoryItem[] {
    const img = this.#find(ref);
    const items: HistoryItem[] = [];
    const diffIds = img.config.rootfs?.diff_ids ?? [];
    let layer = 0;
    for (const h of img.config.history ?? []) {
      let size = 0;
      if (!h.empty_layer) {
        if (layer >= diffIds.length) throw invalid("too many non-empty layers in History section");
        size = this.#storage.getLayer(img.layers[layer])?.size ?? 0;
        layer++;
      }
      items.unshift({
        Id: "<missing>",
        Created: h.created ? Math.floor(Date.parse(h.created) / 1000) : 0,
        CreatedBy: h.created_by ?? "",
        Tags: null,
        Size: size,
        Comment: h.comment ?? "",
      });
    }
    // the newest entries belong to this image, each older one to the next parent up, while known
    let cur: Loaded | undefined = img;
    for (const item of items) {
      if (!cur) break;
      item.Id = cur.id;
      const tags = this.#tags
        .references(cur.id)
        .filter((r) => !r.digest)
        .map(familiarString);
      item.Tags = tags.length > 0 ? tags : null;
      cur = cur.parent ? this.#images.get(cur.parent) : undefined;
    }
    return items;
  }

  // ---- writing -------------------------------------------------------------------------------

  /** Writes the config blob (verified) and the record; the image is visible from then on. */
  #register(bytes: Uint8Array, parent: string | undefined): string {
    const id = digestOf(bytes);
    let config: ImageConfig;
    try {
      config = JSON.parse(Buffer.from(bytes).toString()) as ImageConfig;
    } catch (err) {
      throw invalid("invalid image config: not JSON", err);
    }
    if (config.rootfs?.type !== "layers" || !Array.isArray(config.rootfs.diff_ids))
      throw invalid("invalid image config: no rootfs layers");
    const layers = chainIds(config.rootfs.diff_ids);
    for (const l of layers) if (!this.#storage.getLayer(l)) throw notFound(`layer ${l} not found`);
    if (this.#images.has(id)) return id;
    const blob = posix.join(this.#root, "blobs/sha256", hexOf(id));
    writeFileAtomic(blob, bytes);
    if (digestOf(readFileSync(blob)) !== id)
      throw new Error(`config blob ${id} did not verify after writing`);
    const rec: StoredRecord = { id, ...(parent ? { parent } : {}), layers };
    writeJsonAtomic(posix.join(this.#root, "images", `${hexOf(id)}.json`), rec);
    this.#images.set(id, { ...rec, config });
    return id;
  }

  #emit(action: string, img: Loaded | string, name: string): void {
    const loaded = typeof img === "string" ? this.#images.get(img) : img;
    const id = typeof img === "string" ? img : img.id;
    this.#events(action, id, { ...(loaded?.config.config?.Labels ?? {}), name });
  }

  /** A repoTag checked before any work is done: a name, default tag latest, never a digest. */
  #parseRepoTag(repoTag: string): NamedRef {
    const named = parseNormalizedNamed(repoTag);
    if (named.digest) throw invalid("refusing to create a tag with a digest reference");
    return withDefaultTag(named);
  }

  #setTag(id: string, named: NamedRef): void {
    this.#tags.set(named, id);
    const img = this.#images.get(id);
    if (img) {
      img.lastTagTime = rfc3339Nano(new Date());
      const { config: _config, ...rec } = img;
      writeJsonAtomic(posix.join(this.#root, "images", `${hexOf(id)}.json`), rec);
    }
    this.#emit("tag", id, familiarString(named));
  }

  tag(ref: string, repoTag: string): void {
    const img = this.#find(ref);
    this.#setTag(img.id, this.#parseRepoTag(repoTag));
  }

  addDigest(repoDigest: string, imageId: string): void {
    const named = parseNormalizedNamed(repoDigest);
    if (!named.digest) throw invalid(`not a digest reference: ${repoDigest}`);
    this.#tags.set({ domain: named.domain, path: named.path, digest: named.digest }, this.#find(imageId).id);
  }

  async addImage(config: Uint8Array, o: { parent?: string; repoTag?: string } = {}): Promise<string> {
    const named = o.repoTag ? this.#parseRepoTag(o.repoTag) : undefined;
    const parent = o.parent ? this.#find(o.parent).id : undefined;
    const id = this.#register(config, parent);
    if (named) this.#setTag(id, named);
    return id;
  }

  async importRootfs(
    tar: NodeJS.ReadableStream,
    o: { repoTag?: string; changes?: string[]; message?: string; platform?: string },
  ): Promise<string> {
    let named: NamedRef | undefined;
    let config: ImageConfig["config"];
    let platform: { os: string; architecture: string; variant?: string };
    try {
      named = o.repoTag ? this.#parseRepoTag(o.repoTag) : undefined;
      config = applyChanges({}, o.changes ?? []);
      platform = parsePlatform(o.platform);
    } catch (err) {
      // drain what the client sends so it hears the error; a failure of that drain (the client
      // goes away, the source vanishes) is nobody's business any more and must not crash us
      tar.on("error", () => {});
      (tar as NodeJS.ReadableStream & { resume(): void }).resume();
      throw err;
    }
    const layer = await this.#storage.applyLayer(undefined, tar);
    const created = rfc3339Nano(new Date());
    const history: HistoryEntry = { created, ...(o.message ? { comment: o.message } : {}) };
    const bytes = serializeConfig({
      ...platform,
      created,
      ...(o.message ? { comment: o.message } : {}),
      config,
      rootfs: { type: "layers", diff_ids: [layer.diffId] },
      history: [history],
    });
    const id = this.#register(bytes, undefined);
    if (named) this.#setTag(id, named);
    this.#emit("import", id, id);
    return id;
  }

  async createImage(o: {
    parent?: string;
    layer?: NodeJS.ReadableStream;
    config: Partial<ImageConfig>;
    comment?: string;
    author?: string;
    createdBy?: string;
    repoTag?: string;
  }): Promise<string> {
    const named = o.repoTag ? this.#parseRepoTag(o.repoTag) : undefined;
    const parent = o.parent ? this.#find(o.parent) : undefined;
    let layer = o.layer ? await this.#storage.applyLayer(parent?.layers.at(-1), o.layer) : undefined;
    if (layer?.diffId === EMPTY_TAR_DIFF_ID) {
      // no changes: Docker records an empty_layer history entry and adds no layer
      const used = [...this.#images.values()].some((i) => i.layers.includes(layer!.chainId));
      if (!used) await this.#storage.releaseLayer(layer.chainId).catch(() => {});
      layer = undefined;
    }
    const created = o.config.created ?? rfc3339Nano(new Date());
    const author = o.author ?? o.config.author;
    const comment = o.comment ?? o.config.comment;
    const entry: HistoryEntry = {
      created,
      ...(author ? { author } : {}),
      ...(o.createdBy !== undefined ? { created_by: o.createdBy } : {}),
      ...(comment ? { comment } : {}),
      ...(layer ? {} : { empty_layer: true }),
    };
    const diffIds = [...(parent?.config.rootfs.diff_ids ?? []), ...(layer ? [layer.diffId] : [])];
    const bytes = serializeConfig({
      ...o.config,
      architecture: o.config.architecture ?? parent?.config.architecture ?? hostArchitecture(),
      os: o.config.os ?? parent?.config.os ?? "linux",
      created,
      ...(author ? { author } : {}),
      ...(comment ? { comment } : {}),
      rootfs: { type: "layers", diff_ids: diffIds },
      history: o.config.history ?? [...(parent?.config.history ?? []), entry],
    });
    const id = this.#register(bytes, parent?.id);
    if (named) this.#setTag(id, named);
    return id;
  }

  async bootstrapBusybox(repoTag = "busybox:latest"): Promise<string> {
    // the tar code loads here, not with the store: a daemon seldom bootstraps
    const { BOOTSTRAP_EPOCH, busyboxRootfs, hostBusybox } = await import("./busybox-rootfs.ts");
    const bb = await hostBusybox();
    const created = rfc3339Nano(BOOTSTRAP_EPOCH);
    return this.createImage({
      layer: busyboxRootfs(bb),
      repoTag,
      config: {
        architecture: hostArchitecture(),
        os: "linux",
        created,
        config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["sh"] },
        history: [
          { created, created_by: `/bin/sh -c #(nop) ADD file:busybox in / # ${bb.version} from the host` },
          { created, created_by: '/bin/sh -c #(nop)  CMD ["sh"]', empty_layer: true },
        ],
      },
    });
  }

  async bootstrapDebian(suite: string, repoTag = `debian:${suite}`): Promise<string> {
    if (!/^[a-z][a-z0-9-]*$/.test(suite)) throw invalid(`invalid Debian suite: ${suite}`);
    this.#parseRepoTag(repoTag);
    await findDebootstrap();
    const { packDirectory } = await import("../../lib/tar/pack-directory.ts");
    const dir = await mkdtemp(posix.join(this.#root, "tmp", "debootstrap-"));
    try {
      const target = posix.join(dir, "rootfs");
      await debootstrap(suite, target);
      // what Docker's debian images leave out: package caches, apt lists, device nodes, logs
      const skip = (rel: string) =>
        /^(dev|proc|sys|run|tmp)\/./.test(rel) ||
        /^var\/cache\/apt\/.*\.bin$/.test(rel) ||
        /^var\/cache\/apt\/archives\/.+\.deb$/.test(rel) ||
        /^var\/lib\/apt\/lists\/[^/]+$/.test(rel) ||
        rel === "var/log/bootstrap.log" ||
        rel === "debootstrap";
      const created = rfc3339Nano(new Date());
      return await this.createImage({
        layer: packDirectory(target, skip),
        repoTag,
        config: {
          created,
          config: {
            Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            Cmd: ["bash"],
          },
          history: [{ created, created_by: `debootstrap --variant=minbase ${suite}` }],
        },
      });
    } finally {
      await removeScratch(dir);
    }
  }

  prune(filters: Map<string, string[]>, isUsed: RemoveOptions["isUsed"]): Promise<PruneReport> {
    const parents = new Set<string>();
    for (const img of this.#images.values()) if (img.parent) parents.add(img.parent);
    return pruneImages(
      {
        all: this.list(),
        parents,
        remove: (ref) => this.remove(ref, { force: false, noPrune: false, isUsed }),
        layerSize: (chainId) => this.#storage.getLayer(chainId)?.size ?? 0,
      },
      filters,
    );
  }

  remove(ref: string, o: RemoveOptions): Promise<Array<{ Untagged?: string; Deleted?: string }>> {
    const img = this.#find(ref);
    return removeImage(ref, img.id, o, {
      references: (id) => this.#tags.references(id),
      deleteRef: (r) => this.#tags.delete(r),
      children: (id) => [...this.#images.values()].filter((i) => i.parent === id).map((i) => i.id),
      parent: (id) => this.#images.get(id)?.parent,
      deleteImage: (id) => this.#deleteImage(id),
      emit: (action, id) => this.#emit(action, id, id),
    });
  }

  /** Forgets the image and removes its layers that nothing else uses; returns their chain ids. */
  async #deleteImage(id: string): Promise<string[]> {
    const img = this.#images.get(id);
    if (!img) return [];
    this.#images.delete(id);
    rmSync(posix.join(this.#root, "images", `${hexOf(id)}.json`), { force: true });
    rmSync(posix.join(this.#root, "blobs/sha256", hexOf(id)), { force: true });
    const inUse = new Set<string>();
    for (const other of this.#images.values()) for (const l of other.layers) inUse.add(l);
    // top down, while no other image uses the layer; a layer a container still sits on is only
    // released (as are those below it): storage removes them with the last such container
    const removed: string[] = [];
    for (const chainId of [...img.layers].reverse()) {
      if (inUse.has(chainId)) break;
      try {
        if (await this.#storage.releaseLayer(chainId)) removed.push(chainId);
      } catch (err) {
        if (!isKind(err, "not_found")) throw err;
      }
    }
    return removed;
  }
}

/** "linux", "linux/amd64", "linux/arm64/v8" → the config's platform fields; default: the host's. */
function parsePlatform(p: string | undefined): { os: string; architecture: string; variant?: string } {
  if (!p) return { os: "linux", architecture: hostArchitecture() };
  const [os, architecture, variant] = p.toLowerCase().split("/");
  if (os !== "linux") throw invalid(`operating system is not supported: ${os}`);
  return { os, architecture: architecture || hostArchitecture(), ...(variant ? { variant } : {}) };
}
