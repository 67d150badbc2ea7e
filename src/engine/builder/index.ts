/**
 * builder: a Dockerfile and a context → an image, as Docker's classic builder does it (moby
 * daemon/builder/dockerfile and remotecontext, POST /build), plus a step cache that survives
 * restarts, reproducible images (SOURCE_DATE_EPOCH) and a record of how an image was built.
 *
 * It owns: receiving the context (tar, compressed or not, or a bare Dockerfile; .dockerignore;
 * a size cap; context files kept between builds so an unchanged one is neither hashed nor
 * written again), the stage graph (only what the target needs; independent stages at the same
 * time), each step (metadata steps change the config; RUN runs a container through the
 * containers domain and commits its changes; COPY, ADD and WORKDIR plan their layer against a
 * read-only look at the image and write it as a tar straight from the sources, no process),
 * the step cache and its prune. The Dockerfile parser, variable expansion and the linter live
 * in ./dockerfile/ (see its types.ts). Images, layers, containers and pulls are the images,
 * storage, containers and distribution domains', called through the narrow roles below.
 *
 * Every step makes an image, as Docker's classic builder does (`docker images -a` shows them,
 * untagged): a layer for RUN, COPY, ADD and a WORKDIR that had to create its directory; an
 * empty_layer history entry for the rest. The final image is the last step's image plus the
 * key "kapsel.build" in its config: the Dockerfile, the build args and the target it was built
 * with (see build-record.ts).
 *
 * On disk, under <data-root>/builder:
 *   cache.json          the step cache: key → image id (see cache.ts); rewritten atomically
 *   tmp/ctx-<rand>/     a context being received and used; removed when its build ends
 *   tmp/scratch-<rand>/ a build's own files (heredocs, downloads); removed when it ends
 *   tmp/files/<sha256>  context files kept between builds (file-store.ts), found through the
 *                       in-memory hashes of file-hashes.ts: both start empty with the daemon
 *   tmp/rw-<id>         marker of a temporary storage layer; ctr-<id> of a RUN container: a
 *                       daemon that died mid-build removes them at its next start
 * tmp/ is emptied at start.
 */

import { KapselError } from "../../lib/errors.ts";
import type { RegistryCredentials } from "../distribution/index.ts";
import type { ContainerConfig, ImageRecord, RemoveOptions } from "../images/index.ts";
import type { AttachSession } from "../runtime/index.ts";

/** What POST /build asks for (moby's BuildOptions, the parts kapsel uses). */
export interface BuildOptions {
  /** the Dockerfile's path in the context; default "Dockerfile" (also tried as "dockerfile") */
  dockerfile?: string;
  /** -t, each a name with an optional tag (default latest) */
  tags?: string[];
  /** --build-arg: a null value is `--build-arg NAME` with NAME unset in the client's environment */
  buildArgs?: Record<string, string | null>;
  /** --label: added as LABEL steps at the end of the target stage, sorted by key */
  labels?: Record<string, string>;
  /** --target: the stage to build (default the last); only the stages it needs are built */
  target?: string;
  noCache?: boolean;
  /**
   * --cache-from: a cached step counts only when its image is one of these images or an
   * ancestor of one (the classic builder's rule); names that resolve to nothing are left out
   */
  cacheFrom?: string[];
  /** --pull: pull every FROM image even when it is present */
  pull?: boolean;
  /** --rm (default true): remove a RUN step's container when the step ends, also when it failed */
  remove?: boolean;
  /** --force-rm: remove it whatever happens (kapsel's --rm already does) */
  forceRemove?: boolean;
  /** the RUN containers' HostConfig: --network, --add-host, --shm-size, --ulimit */
  networkMode?: string;
  extraHosts?: string[];
  shmSize?: number;
  ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
  /** --memory, --cpu-shares, ...: the RUN containers' HostConfig resources, as given */
  resources?: {
    Memory?: number;
    MemorySwap?: number;
    CpuShares?: number;
    CpuQuota?: number;
    CpuPeriod?: number;
    CpusetCpus?: string;
    CpusetMems?: string;
    CgroupParent?: string;
  };
  /** --platform: only the host's (linux/<arch>) is built */
  platform?: string;
  /**
   * kapsel's `warnings=1`: the checks' warnings after the transcript. Docker's classic builder
   * gives none, and its clients read the transcript's last line ("Successfully built"), so
   * they are only sent when asked for (the kapsel CLI does).
   */
  lintWarnings?: boolean;
  /** X-Registry-Config: credentials by registry address, for pulls of FROM images */
  auth?: Record<string, RegistryAuth>;
  /** aborts the build (the client went away): running steps stop, nothing is left behind */
  signal?: AbortSignal;
}

/** A registry credential as clients send it (Docker's AuthConfig): the distribution domain's. */
export type RegistryAuth = RegistryCredentials;

/**
 * The messages of a build, in the shapes of Docker's JSON stream: `{stream}` for the steps'
 * text and the RUN output (stderr already wrapped in Docker's red escape codes), `{aux: {ID}}`
 * for the image id, and pull progress messages as the distribution domain makes them.
 */
export type BuildMessage =
  | { stream: string }
  | { aux: { ID: string } }
  | { status?: string; id?: string; progressDetail?: object; progress?: string };

/** Where a build reports; never blocks (the route buffers). */
export type BuildSink = (m: BuildMessage) => void;

export interface BuildResult {
  /** the final image, "sha256:<hex>" */
  imageId: string;
}

/** A lint finding of `build --check` and of every build (see ./dockerfile). */
export interface CheckResult {
  warnings: Array<{ rule: string; message: string; line?: number }>;
  /** with `# check=error=true` and warnings: BuildKit's "lint violation found for rules: ..." */
  error?: string;
}

/**
 * A RUN step whose command exited non-zero: Docker's message and the exit code, which the API
 * sends as errorDetail.code (the docker CLI exits with it).
 */
export class RunStepError extends KapselError {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super("internal", message);
    this.exitCode = exitCode;
    this.name = "RunStepError";
  }
}

export interface Builder {
  /**
   * Reads the whole context from `body`, then builds and tags. Errors found before the first
   * message (an unreadable context, a Dockerfile that does not parse, an unknown target, bad
   * options) are thrown before anything is sent to `out`, so the API can answer with a status;
   * later ones after. Whatever fails, no container, mount, temporary layer or half-made image
   * is left; images of the steps that succeeded stay (they are the cache).
   */
  build(body: NodeJS.ReadableStream, o: BuildOptions, out: BuildSink): Promise<BuildResult>;
  /** `build --check`: parses and lints the Dockerfile of the context, builds nothing. */
  check(body: NodeJS.ReadableStream, o: BuildOptions): Promise<CheckResult>;
  /**
   * Docker's POST /build/prune: forgets the step cache and removes the images only it kept
   * (untagged, no child image, no container). Returns the cache keys dropped and the bytes freed.
   */
  prune(): Promise<{ CachesDeleted: string[]; SpaceReclaimed: number }>;
}

// ---- the roles the builder asks of other domains ----------------------------------------------

/** Of images (a subset of ImageStore). */
export interface ImageAccess {
  list(): ImageRecord[];
  resolve(ref: string): ImageRecord;
  createImage(o: {
    parent?: string;
    layer?: NodeJS.ReadableStream;
    config: Partial<ImageRecord["config"]>;
    comment?: string;
    author?: string;
    createdBy?: string;
  }): Promise<string>;
  tag(ref: string, repoTag: string): void;
  topLayer(imageId: string): string | undefined;
  remove(ref: string, o: RemoveOptions): Promise<Array<{ Untagged?: string; Deleted?: string }>>;
}

/** Of storage: temporary copy-on-write layers and their changes as a layer tar. */
export interface LayerAccess {
  createRw(id: string, parent: string | undefined): Promise<void>;
  mount(id: string): Promise<string>;
  removeRw(id: string): Promise<void>;
  diffTar(id: string, o?: { mtimeMax?: Date }): NodeJS.ReadableStream;
}

/** Of containers: what a RUN step does with its container. */
export interface ContainerAccess {
  create(
    body: Record<string, unknown> & { HostConfig?: Record<string, unknown> },
  ): Promise<{ Id: string; Warnings: string[] }>;
  attach(ref: string): Promise<{ session: Promise<AttachSession>; cancel: () => void }>;
  start(ref: string): Promise<void>;
  wait(ref: string, condition: "next-exit" | "not-running"): Promise<{ StatusCode: number }>;
  remove(ref: string, o: { force: boolean; volumes: boolean }): Promise<void>;
  /** whether a container uses the image (prune leaves such images) */
  imageUser(imageId: string): unknown;
}

/** Of distribution: pulls of FROM images. */
export interface PullAccess {
  pull(o: {
    image: string;
    tag?: string;
    auth?: RegistryAuth;
    progress: (m: { status?: string; id?: string }) => void;
    signal?: AbortSignal;
  }): Promise<void>;
}

export interface BuilderOptions {
  /** <data-root>/builder */
  root: string;
  images: ImageAccess;
  storage: LayerAccess;
  containers: ContainerAccess;
  distribution?: PullAccess;
  events?: (action: string, attrs: Record<string, string>) => void;
  log?: (level: "debug" | "info" | "warn" | "error", msg: string) => void;
  /**
   * The most bytes of file content a context may hold (default: KAPSEL_BUILD_CONTEXT_LIMIT from
   * the daemon's environment, else 8 GiB). A bigger one fails before the build starts.
   */
  maxContextBytes?: number;
}

export type { ContainerConfig };

/** Loads the builder's code on the call: a daemon that never builds does not carry it. */
export async function createBuilder(opts: BuilderOptions): Promise<Builder> {
  const { LocalBuilder } = await import("./local-builder.ts");
  return LocalBuilder.open(opts);
}
