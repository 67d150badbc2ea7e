/**
 * distribution: the registry client (Docker's distribution package; containerd's remotes).
 * It pulls images from registries that speak the Docker Registry HTTP API v2 / OCI
 * distribution spec (by tag, by digest, all tags; manifest lists and OCI indexes narrowed to
 * one platform; Docker schema 2 and OCI manifests; gzip, zstd and plain layers), pushes them
 * (existence checks, cross-repository mounts, monolithic or chunked uploads, then the
 * manifest), logs in, and searches (the v1 search API, search.ts). Auth: anonymous, Basic,
 * or Bearer tokens got from the registry's WWW-Authenticate challenge. Plain http for
 * 127.0.0.0/8 and insecure-registries; registry-mirrors for Docker Hub pulls.
 *
 * It owns the compressed form of layers (kept as pulled, so pushes never recompress and a base
 * layer is fetched once) and the manifests images came with. Image configs, names and digests
 * belong to the images domain, unpacked layers to storage: this domain calls their interfaces.
 *
 * On disk, under <data-root>/distribution (see blob-store.ts):
 *   blobs/sha256/<hex>          compressed layers, verified before renamed in
 *   layers/<diffId hex>.json    the compressed forms of a layer and the repositories holding them
 *   manifests/<image hex>.json  the manifest a pulled image came with
 *   tmp/                        downloads under way; emptied at start
 * Events (through opts.events, Docker's image actions): pull, push.
 */
import type { EventBus } from "../events/index.ts";
import type { ImageRecord } from "../images/index.ts";
import type { LayerInfo, StagedLayer } from "../storage/index.ts";

export { decodeAuthHeader } from "./credentials.ts";
export { type IndexInfo, registryServiceConfig } from "./endpoints.ts";
export type { ProgressMessage, ProgressSink } from "./progress.ts";
export { byteProgress } from "./progress.ts";
export type { SearchResult } from "./search.ts";

/** What a client sends in X-Registry-Auth or to POST /auth (Docker's AuthConfig). */
export interface RegistryCredentials {
  username?: string;
  password?: string;
  /** base64 of "username:password" (config.json's form) */
  auth?: string;
  email?: string;
  serveraddress?: string;
  /** an OAuth2 refresh token from an earlier login */
  identitytoken?: string;
  /** a bearer token to send as is */
  registrytoken?: string;
}

export interface PullOptions {
  /** fromImage: a name, possibly with a tag or digest (busybox, 127.0.0.1:5000/x:1) */
  image: string;
  /** a tag or a digest; with neither here nor in `image`, every tag is pulled (docker pull -a) */
  tag?: string;
  /** os[/arch[/variant]]; default linux and the host's architecture */
  platform?: string;
  auth?: RegistryCredentials;
  progress: import("./progress.ts").ProgressSink;
  signal?: AbortSignal;
}

export interface PushOptions {
  /** the repository, possibly with a tag (127.0.0.1:5000/x, 127.0.0.1:5000/x:1) */
  image: string;
  /** the tag; with none here nor in `image`, every tag of the repository is pushed */
  tag?: string;
  /**
   * API 1.46+: a JSON-encoded OCI platform ({"os":"linux","architecture":"amd64"}). kapsel's
   * images have one platform each: the push goes on when it is the image's, else fails
   * (notFound) with Docker's "does not match the specified platform"; malformed is invalid.
   */
  platform?: string;
  auth?: RegistryCredentials;
  progress: import("./progress.ts").ProgressSink;
  signal?: AbortSignal;
}

export interface Distribution {
  /**
   * Pulls into the image store, reporting Docker's progress messages. Errors found before
   * the first message (bad name, unknown repository or tag, wrong credentials, registry
   * down) are thrown before any progress is sent, so the API can answer with a status; later
   * ones are thrown after. Whatever fails, no half-made layer or image is left visible, and
   * layers unpacked for the failed pull that no image uses are released.
   */
  pull(o: PullOptions): Promise<void>;
  /** Pushes the image(s) of a repository; the first message goes out before any check. */
  push(o: PushOptions): Promise<void>;
  /**
   * Checks credentials against a registry (Docker's POST /auth). Throws unauthorized with
   * Docker's wording when they are refused.
   */
  login(auth: RegistryCredentials): Promise<{ Status: string; IdentityToken?: string }>;
  /**
   * Searches the registry a term names (Docker Hub for a bare word) with its v1 search API,
   * then narrows with the filters (stars, is-official, is-automated). Throws invalid for a
   * bad filter, a term with a scheme, a limit outside [1, 100] or a registry that does not
   * answer its ping; internal ("Unexpected status code 404") when the search itself fails.
   */
  search(o: {
    term: string;
    limit?: number;
    filters: Map<string, string[]>;
    auth?: RegistryCredentials;
    signal?: AbortSignal;
  }): Promise<import("./search.ts").SearchResult[]>;
  /**
   * The manifest a name or digest resolves to in its registry, and the platforms it serves
   * (GET /distribution/{name}/json); stores nothing.
   */
  inspect(o: {
    image: string;
    auth?: RegistryCredentials;
    signal?: AbortSignal;
  }): Promise<import("./inspect.ts").DistributionInspect>;
  /** Drops compressed layers and manifests no image needs (also run after image deletions). */
  prune(): Promise<void>;
}

/** What this domain needs of the image store (a subset of images' ImageStore). */
export interface ImageAccess {
  list(): ImageRecord[];
  resolve(ref: string): ImageRecord;
  addImage(config: Uint8Array, o?: { repoTag?: string }): Promise<string>;
  configBytes(imageId: string): Buffer;
  tag(ref: string, repoTag: string): void;
  /**
   * Points a digest reference (127.0.0.1:5000/x@sha256:…) at an image, as Docker's
   * ReferenceStore.AddDigest: what RepoDigests show and what `pull x@sha256:…` names.
   */
  addDigest(repoDigest: string, imageId: string): void;
}

/** What this domain needs of storage (a subset of storage's Storage). */
export interface LayerAccess {
  applyLayer(
    parent: string | undefined,
    tar: NodeJS.ReadableStream,
    expect?: { diffId?: string },
  ): Promise<LayerInfo>;
  getLayer(chainId: string): LayerInfo | undefined;
  releaseLayer(chainId: string): Promise<boolean>;
  /**
   * Unpacks a layer before its parent is in (storage's stageLayer): with it, a pull unpacks
   * its layers side by side as they download; without it, one after the other.
   */
  stageLayer?(
    tar: NodeJS.ReadableStream,
    expect?: { diffId?: string },
    o?: { packedAt?: string },
  ): Promise<StagedLayer>;
  /**
   * The layer's tar, byte for byte the one its diffId is the digest of (plain or compressed).
   * Needed to push a layer made here (commit, build, import, bootstrap) that was never
   * pulled: without it such a push fails with not_implemented.
   */
  layerTar?(chainId: string): NodeJS.ReadableStream;
}

export interface DistributionOptions {
  /** <data-root>/distribution */
  root: string;
  images: ImageAccess;
  storage: LayerAccess;
  events?: Pick<EventBus, "publish" | "subscribe">;
  /** host[:port] names and CIDRs served over plain http (127.0.0.0/8 always is) */
  insecureRegistries?: string[];
  /** mirrors of Docker Hub, tried first for its pulls */
  registryMirrors?: string[];
  /** a Docker config.json (auths) read for credentials when a request brings none */
  authFile?: string;
  /** tuning for tests: ms of silence before a registry counts as hung (default 60 s) */
  idleTimeout?: number;
  /** uploads bigger than this go in PATCH chunks of this size (default: 512 MiB) */
  uploadChunkSize?: number;
  /** ms before each retry of a failed blob transfer (default [1000, 2000]; Docker: 5 tries) */
  retryDelays?: number[];
}

/** Loads the registry client's code on the call: most daemons never pull or push. */
export async function createDistribution(opts: DistributionOptions): Promise<Distribution> {
  const { RegistryDistribution } = await import("./registry-distribution.ts");
  return RegistryDistribution.open(opts);
}
