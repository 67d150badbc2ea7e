/**
 * storage: the layers of images and the copy-on-write layers of containers (containerd's
 * snapshotter, Docker's overlay2 graph driver). It unpacks layer tars (whiteouts included),
 * mounts a container's root file system, and computes what a container changed (diff, commit
 * tars, export). It knows nothing of images, tags or configs: the images domain names layers by
 * chain id and keeps the image records.
 *
 * On disk, under <data-root>/storage:
 *   driver                         "overlay" or "copy": fixed when the root is first used
 *   layers/<chainId hex>/diff      overlay: this layer's files, whiteouts as 0/0 devices and the
 *                                  trusted.overlay.opaque xattr; copy: the full tree up to here
 *   layers/<chainId hex>/layer.tar   the plain tar the layer was applied from, byte for byte (its
 *                                  sha256 is the diffId): what push and save send. Written while
 *                                  unpacking, as Docker keeps tar-split; absent for layers stored
 *                                  before kapsel kept it
 *   layers/<chainId hex>/layer.packed  instead of layer.tar, for a layer staged from compressed
 *                                  bytes already stored elsewhere (a pulled blob): a hard link
 *                                  to them (a copy across file systems); layerTar decompresses
 *   layers/<chainId hex>/layer.json  { chainId, diffId, parent, size, link, opaque, released?, tar?,
 *                                  packed?: { tarSize } }
 *   l/<link>                       short symlink to ../layers/<hex>/diff, keeps mount data small
 *   init                           overlay: Docker's init layer (mount points and /etc stubs),
 *                                  the same for every container: their top lowerdir, shared
 *   containers/<id>/upper, work    overlay: the container's writes and overlay's work dir
 *   containers/<id>/init           "copy": the init layer, only kept for diff, the stubs being in
 *                                  merged too; overlay containers made before the shared one
 *   containers/<id>/merged         the root file system (mount point; a full copy for "copy")
 *   containers/<id>/rw.json        { id, parent, init }
 *   tmp/                           half-made and staged layers, layers being removed; emptied at start
 * Whatever appears under layers/ or containers/ is complete: it is built in tmp/ and renamed.
 */
import { LayerStore } from "./layer-store.ts";

export type { Change, ChangeKind } from "./changes.ts";

export type StorageDriver = "overlay" | "copy";

export interface LayerInfo {
  /** "sha256:<hex>": diffId for a base layer, else sha256 of "<parent chainId> <diffId>" */
  chainId: string;
  /** "sha256:<hex>" of the uncompressed layer tar */
  diffId: string;
  parent?: string;
  /** bytes of the layer's files (Docker's layer size) */
  size: number;
}

export interface Storage {
  readonly driver: StorageDriver;
  /**
   * Unpacks a layer tar (plain, gzip or zstd, told by its first bytes) on top of parent. A layer
   * already present is not unpacked twice: when `expect.diffId` is given and the layer exists, the
   * stream is only drained; otherwise the unpacked copy is dropped once its diffId is known.
   * A diffId other than the expected one fails (invalid). Throws notFound for a missing parent.
   */
  applyLayer(
    parent: string | undefined,
    tar: NodeJS.ReadableStream,
    expect?: { diffId?: string },
  ): Promise<LayerInfo>;
  /**
   * Unpacks a layer tar (as applyLayer) before its parent is known or present, so that layers
   * can be unpacked side by side (pull) or as an archive brings them (load). Overlay unpacks now
   * into tmp/; the copy driver, whose layers hold their parent's tree, only keeps the tar and
   * unpacks at commit. A diffId other than `expect.diffId` fails (invalid). The caller commits
   * or discards what it staged; a daemon restart drops what it did neither with.
   */
  stageLayer(
    tar: NodeJS.ReadableStream,
    expect?: { diffId?: string },
    o?: StageOptions,
  ): Promise<StagedLayer>;
  /** undefined for a layer that is absent or released */
  getLayer(chainId: string): LayerInfo | undefined;
  /**
   * The layer's plain tar, byte for byte the one it was applied from: its sha256 is the diffId
   * (push, save). Throws notFound for a layer absent or released, notImplemented for a layer
   * stored before tars were kept (applying it again adds the tar).
   */
  layerTar(chainId: string): NodeJS.ReadableStream;
  /** The length of layerTar's bytes (a tar entry's header needs it first: save). Throws as layerTar. */
  layerTarSize(chainId: string): Promise<number>;
  /**
   * The caller (the image store) no longer wants the layer. It goes now when nothing sits on it
   * (returns true), else once its last child layer or container layer is gone (returns false: it
   * is released, and hidden from getLayer, until then). Applying the same layer again keeps it.
   * Throws notFound for a layer absent or already released.
   */
  releaseLayer(chainId: string): Promise<boolean>;
  /**
   * A container's copy-on-write layer over parent (undefined = scratch), with Docker's init
   * layer between them (mount points and /etc stubs: see init-layer.ts); idempotent for the same
   * parent. Throws notFound for a parent absent or released.
   */
  createRw(id: string, parent: string | undefined): Promise<void>;
  /**
   * Docker's GraphDriver.Data for overlay2: a container's layer folders (LowerDir: its init
   * layer, then the image's layers top down; UpperDir, WorkDir, MergedDir), or an image's top
   * layer (chain id) as UpperDir over the ones below. null for the copy driver (vfs: no data).
   */
  driverData(of: { container: string } | { layer: string }): Record<string, string> | null;
  /** Mounts the root file system (idempotent) and returns its path. */
  mount(id: string): Promise<string>;
  /** Idempotent. */
  unmount(id: string): Promise<void>;
  /** Unmounts first; idempotent. */
  removeRw(id: string): Promise<void>;
  /** Docker's diff: what the container changed, sorted by path (0 modified, 1 added, 2 deleted). Needs no mount. */
  diff(id: string): Promise<Array<{ Path: string; Kind: 0 | 1 | 2 }>>;
  /** The container's whole file system as a tar (docker export). Needs no mount. The reader closes it. */
  exportRootfs(id: string): NodeJS.ReadableStream;
  /**
   * The container's changes as a layer tar, deletions as .wh. entries (docker commit, build
   * steps). Entries come in path order, so the same changes give the same bytes; with
   * `mtimeMax`, later mtimes are clamped to it (SOURCE_DATE_EPOCH builds).
   */
  diffTar(id: string, o?: DiffTarOptions): NodeJS.ReadableStream;
  /** Bytes the container added or modified (SizeRw). */
  rwSize(id: string): Promise<number>;
  /** Unmounts everything this storage mounted (daemon shutdown, tests). */
  close(): Promise<void>;
}

export interface StageOptions {
  /**
   * The compressed bytes the tar comes from, and where they are (verified) by the time commit
   * runs: the layer then keeps a hard link to them as its tar instead of writing a plain copy
   * (a pull's blob; overlay only). Commit fails if they are not there.
   */
  packedAt?: string;
}

/** A layer unpacked by stageLayer, not yet in the store. */
export interface StagedLayer {
  /** sha256 of the layer's plain tar */
  readonly diffId: string;
  /**
   * Puts the layer on parent (undefined: a base layer), with applyLayer's outcome; the same
   * layer there already is kept instead. Throws notFound for a missing parent, after which the
   * staged layer is gone. Commits run one at a time; one with another parent after the first
   * applies the layer again from the tar the first kept.
   */
  commit(parent?: string): Promise<LayerInfo>;
  /** Removes what was staged unless committed; idempotent. */
  discard(): Promise<void>;
}

export interface DiffTarOptions {
  /** no entry's mtime is later than this (whole seconds) */
  mtimeMax?: Date;
}

export interface StorageOptions {
  /** <data-root>/storage */
  root: string;
  /** default: the driver this root was made with; for a new root overlay when a probe mount works, else copy */
  driver?: StorageDriver;
}

export function createStorage(opts: StorageOptions): Promise<Storage> {
  return LayerStore.open(opts.root, opts.driver);
}
