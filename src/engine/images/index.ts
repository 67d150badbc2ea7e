/**
 * images: the image store (Docker's image service over its layer store; containerd's content
 * store and images). It owns image configs, image records (parent, layer chain) and names
 * (tags and digests), resolves what a user types into an image, and makes images from a rootfs
 * tar (import), from a container's changes (commit, later build), or from the host (busybox,
 * debootstrap), and reads and writes image archives (docker save / load: archive-save.ts,
 * archive-load.ts). Layers themselves live in storage; this domain names them by chain id.
 *
 * On disk, under <data-root>/image:
 *   blobs/sha256/<hex>      image config JSON; <hex> is its sha256 (= the image id), checked on write
 *   images/<hex>.json       { id, parent?, layers: chainIds, lastTagTime? } written after the config blob
 *   repositories.json       names → ids, Docker's layout, rewritten atomically on each change
 *   tmp/                    debootstrap scratch; the configs and manifests of archives being loaded
 *                           (their layers are staged in storage as they stream in); emptied at start
 * Events (through opts.events, Docker's image actions): import, tag, untag, delete.
 */
import type { Storage } from "../storage/index.ts";
import type { ImageConfig } from "./image-config.ts";
import type { PruneReport } from "./image-prune.ts";
import { LocalImageStore } from "./image-store.ts";

// docker save and load bring the tar code: loaded on their first use, not with the store
export const loadImages: typeof import("./archive-load.ts").loadImages = async (...args) =>
  (await import("./archive-load.ts")).loadImages(...args);
export const saveImages: typeof import("./archive-save.ts").saveImages = async (...args) =>
  (await import("./archive-save.ts")).saveImages(...args);
export { applyChanges } from "./change-lines.ts";
export type { ContainerConfig, HealthConfig, HistoryEntry, ImageConfig } from "./image-config.ts";
export { checkImagePlatform } from "./image-platform.ts";
export type { PruneReport } from "./image-prune.ts";
export type { NamedRef } from "./reference.ts";
export {
  canonicalString,
  familiarString,
  parseAnyReference,
  parseNormalizedNamed,
  withDefaultTag,
} from "./reference.ts";

export interface ImageRecord {
  /** sha256:<hex> of the config bytes */
  id: string;
  config: ImageConfig;
  /** familiar forms, e.g. busybox:latest */
  repoTags: string[];
  /** familiar forms, e.g. busybox@sha256:… */
  repoDigests: string[];
  created: string;
  /** unpacked bytes of all layers */
  size: number;
  parent?: string;
  /** chain ids, bottom first */
  layers: string[];
  /** RFC 3339 time the image was last tagged (Docker's Metadata.LastTagTime); never tagged: absent */
  lastTagTime?: string;
}

/** A container that uses an image, as the caller knows it (for Docker's conflict messages). */
export interface ImageUser {
  containerId: string;
  running: boolean;
}

export interface RemoveOptions {
  force: boolean;
  noPrune: boolean;
  /** whether (and by which container) an image id is used; true works too, without the id in messages */
  isUsed: (imageId: string) => boolean | ImageUser | undefined;
}

export interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

export interface ListOptions {
  /** also untagged images that are some image's parent (docker images -a) */
  all?: boolean;
  /** dangling, label, before, since, reference, until: Docker's; others throw invalid */
  filters?: Map<string, string[]>;
  /** for `until` durations; default now */
  now?: Date;
}

export interface ImageStore {
  /**
   * Without options: every image with all its names. With options: Docker's image list, newest
   * first, each image's names narrowed by any reference filter (see image-list.ts).
   */
  list(o?: ListOptions): ImageRecord[];
  /**
   * An image by name (busybox, busybox:1, docker.io/library/busybox:latest,
   * localhost:5000/x/y:tag, name@sha256:…), full id (sha256:… or 64 hex) or unambiguous id
   * prefix. Throws notFound("No such image: busybox:latest") (Docker's wording: the familiar
   * name with its default tag), invalid for a malformed name.
   */
  resolve(ref: string): ImageRecord;
  /** docker import: a rootfs tar (plain/gzip/zstd) → a one-layer image; returns its id. */
  importRootfs(
    tar: NodeJS.ReadableStream,
    o: { repoTag?: string; changes?: string[]; message?: string; platform?: string },
  ): Promise<string>;
  /** busybox:latest (or repoTag) from the host's /bin/busybox; the same binary gives the same id. */
  bootstrapBusybox(repoTag?: string): Promise<string>;
  /** debian:<suite> (or repoTag) by debootstrap from the host's mirror: minutes. Throws unavailable without debootstrap. */
  bootstrapDebian(suite: string, repoTag?: string): Promise<string>;
  /**
   * An image from a parent, an optional new layer on top of it and a config (commit, build).
   * rootfs is always computed (parent's diff_ids + the new layer); history, architecture, os and
   * created default to the parent's history plus one entry, the parent's platform, and now.
   */
  createImage(o: {
    parent?: string;
    layer?: NodeJS.ReadableStream;
    config: Partial<ImageConfig>;
    comment?: string;
    author?: string;
    createdBy?: string;
    repoTag?: string;
  }): Promise<string>;
  /**
   * Registers config bytes kept as they are (pull, load), whose layers are already in storage.
   * Throws notFound for a missing layer, invalid for a config that is not one.
   */
  addImage(config: Uint8Array, o?: { parent?: string; repoTag?: string }): Promise<string>;
  /** The config bytes of an image id, as stored (save, push). */
  configBytes(imageId: string): Buffer;
  /** Points repoTag (default tag latest) at the image ref names. */
  tag(ref: string, repoTag: string): void;
  /**
   * Points a digest reference (localhost:5000/x@sha256:…) at an image, as Docker's
   * ReferenceStore.AddDigest after a pull or push: RepoDigests show it. No event, as in Docker.
   * Throws invalid for a name without a digest, notFound for an unknown image.
   */
  addDigest(repoDigest: string, imageId: string): void;
  /** Docker's rmi: [{Untagged}|{Deleted}] in Docker's order. */
  remove(ref: string, o: RemoveOptions): Promise<Array<{ Untagged?: string; Deleted?: string }>>;
  /**
   * Docker's image prune: dangling images (untagged, childless) by default, every unused one
   * with dangling=false; images in use are skipped. Filters: dangling, until, label, label!.
   */
  prune(filters: Map<string, string[]>, isUsed: RemoveOptions["isUsed"]): Promise<PruneReport>;
  /** docker history: newest first. */
  history(ref: string): HistoryItem[];
  /** The top layer's chain id to put a container on (undefined for an image without layers). */
  topLayer(imageId: string): string | undefined;
}

export interface ImageStoreOptions {
  /** <data-root>/image */
  root: string;
  storage: Storage;
  events?: (action: string, id: string, attrs: Record<string, string>) => void;
}

export function createImageStore(opts: ImageStoreOptions): Promise<ImageStore> {
  return LocalImageStore.open(opts);
}
