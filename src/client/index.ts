/**
 * The typed Docker Engine API client: what the kapsel CLI, compose, the tests and the dashboard
 * use to talk to kapseld (or to Docker itself). It owns no state: one HTTP agent per client over
 * a unix socket (or plain TCP), the API version prefix (/v1.50), Docker's query encoding, and
 * the mapping of error statuses back to KapselError kinds (DaemonError carries the daemon's
 * message). Streams come back unbuffered: logs/export/archives as Readables, events, progress and
 * build output as JSON lines, attach/exec as hijacked raw sockets (demultiplex them with
 * src/lib/stdcopy.ts); uploads (build contexts, archives, loads) are sent as they are read.
 *
 *   const client = createClient({ socketPath: "/run/kapsel/kapsel.sock" });
 *   const list = await client.containers.list({ all: true });
 *   client.close();
 */
import { type ArchiveApi, archiveApi } from "./archive.ts";
import { type BuildApi, buildApi } from "./build.ts";
import { type ContainersApi, containersApi } from "./containers.ts";
import { type ExecApi, execApi } from "./exec.ts";
import { type DaemonAddress, parseHost } from "./host.ts";
import { type ImagesApi, imagesApi } from "./images.ts";
import { type SystemApi, systemApi } from "./system.ts";
import { Transport } from "./transport.ts";
import { type VolumesApi, volumesApi } from "./volumes.ts";

export {
  type ArchiveApi,
  decodePathStat,
  GO_MODE,
  hasModeBit,
  type PathStat,
  type PutArchiveOptions,
} from "./archive.ts";
export type { BuildApi, BuildCachePruneOptions, BuildCachePruneReport, BuildOptions } from "./build.ts";
export type {
  AttachOptions,
  ContainerStats,
  ContainersApi,
  CpuStats,
  ListContainersOptions,
  LogsOptions,
  PendingWait,
  StopOptions,
} from "./containers.ts";
export { ConnectionError, DaemonError, isConflict, isNotFound } from "./errors.ts";
export type { ExecApi } from "./exec.ts";
export { type DaemonAddress, DEFAULT_HOST, parseHost, selectHost } from "./host.ts";
export type { ImagesApi, ImportOptions } from "./images.ts";
export { jsonLines } from "./json-stream.ts";
export type { EventsOptions, SystemApi } from "./system.ts";
export type { HijackedConnection } from "./transport.ts";
export type * from "./types.ts";
export type {
  Volume,
  VolumeCreateOptions,
  VolumeListResponse,
  VolumePruneResponse,
  VolumesApi,
} from "./volumes.ts";

/** The API version kapsel speaks, as Docker CLI 28. */
export const API_VERSION = "1.50";

export interface ClientOptions {
  /** a unix socket path; or give `host` */
  socketPath?: string;
  /** unix:///path, /path or tcp://host:port */
  host?: string;
  /** defaults to API_VERSION; "" sends unversioned paths */
  apiVersion?: string;
}

export interface EngineClient {
  readonly address: DaemonAddress;
  /** a container's files: stat, tar out, tar in (docker cp) */
  readonly archive: ArchiveApi;
  readonly build: BuildApi;
  readonly containers: ContainersApi;
  readonly exec: ExecApi;
  readonly images: ImagesApi;
  readonly system: SystemApi;
  readonly volumes: VolumesApi;
  /** Closes idle connections; open streams stay open until consumed or destroyed. */
  close(): void;
}

export function createClient(opts: ClientOptions): EngineClient {
  const address: DaemonAddress = opts.socketPath
    ? { kind: "unix", url: `unix://${opts.socketPath}`, socketPath: opts.socketPath }
    : parseHost(opts.host ?? "");
  const transport = new Transport(address, opts.apiVersion ?? API_VERSION);
  return {
    address,
    archive: archiveApi(transport),
    build: buildApi(transport),
    containers: containersApi(transport),
    exec: execApi(transport),
    images: imagesApi(transport),
    system: systemApi(transport),
    volumes: volumesApi(transport),
    close: () => transport.close(),
  };
}
