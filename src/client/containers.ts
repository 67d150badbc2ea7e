import type { IncomingMessage } from "node:http";
import { invalid } from "../lib/errors.ts";
import { jsonLines } from "./json-stream.ts";
import { familiarName, parseNormalizedNamed, withDefaultTag } from "./reference.ts";
import { filtersParam, type HijackedConnection, readText, type Transport } from "./transport.ts";
import type {
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspectResponse,
  ContainerPruneResponse,
  ContainerSummary,
  ContainerTopResponse,
  ContainerWaitResponse,
  FilesystemChange,
  FilterArgs,
  IdResponse,
  WaitCondition,
} from "./types.ts";

/** The parts of Docker's container.StatsResponse that `stats` reads. */
export interface ContainerStats {
  id?: string;
  name?: string;
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op: string; value: number }> | null };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  pids_stats?: { current?: number };
}

export interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export interface CommitOptions {
  /** repository[:tag] for the new image (:latest when no tag) */
  reference?: string;
  comment?: string;
  author?: string;
  /** Dockerfile instructions (CMD, ENV, ...) applied to the config */
  changes?: string[];
  /** pause a running container while committing (default true) */
  pause?: boolean;
}

export interface ListContainersOptions {
  all?: boolean;
  /** the n last created (Docker's -n); <= 0 means no limit */
  limit?: number;
  size?: boolean;
  filters?: FilterArgs;
}

export interface LogsOptions {
  stdout?: boolean;
  stderr?: boolean;
  follow?: boolean;
  timestamps?: boolean;
  details?: boolean;
  /** "all" or a number of lines */
  tail?: string;
  /** API form: Unix "seconds[.nanoseconds]" (the CLI converts "42m" and RFC 3339 first) */
  since?: string;
  until?: string;
}

export interface StopOptions {
  signal?: string;
  /** seconds; undefined lets the daemon use the container's StopTimeout */
  timeout?: number;
}

export interface AttachOptions {
  stream?: boolean;
  logs?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  detachKeys?: string;
}

/** A wait the daemon has registered; `result` settles when the condition is met. */
export interface PendingWait {
  result: Promise<ContainerWaitResponse>;
  /** gives up waiting (closes the connection); `result` then rejects */
  cancel(): void;
}

const enc = encodeURIComponent;

/** The /containers endpoints. Container references may be ids, id prefixes or names. */
export function containersApi(t: Transport) {
  return {
    list: (opts: ListContainersOptions = {}) =>
      t.json<ContainerSummary[]>({
        method: "GET",
        path: "/containers/json",
        query: {
          all: opts.all,
          limit: opts.limit && opts.limit > 0 ? opts.limit : undefined,
          size: opts.size,
          filters: filtersParam(opts.filters),
        },
      }),

    create: (body: ContainerCreateRequest, opts: { name?: string; platform?: string } = {}) =>
      t.json<ContainerCreateResponse>({
        method: "POST",
        path: "/containers/create",
        query: { name: opts.name || undefined, platform: opts.platform || undefined },
        body,
      }),

    inspect: (id: string, opts: { size?: boolean } = {}) =>
      t.json<ContainerInspectResponse>({
        method: "GET",
        path: `/containers/${enc(id)}/json`,
        query: { size: opts.size },
      }),

    /** inspect, also returning the daemon's JSON text. */
    inspectRaw: (id: string, opts: { size?: boolean } = {}) =>
      t.jsonWithRaw<ContainerInspectResponse>({
        method: "GET",
        path: `/containers/${enc(id)}/json`,
        query: { size: opts.size },
      }),

    /** Resolves also when the container was already running (304). */
    start: (id: string, opts: { detachKeys?: string } = {}) =>
      t.call({
        method: "POST",
        path: `/containers/${enc(id)}/start`,
        query: { detachKeys: opts.detachKeys },
      }),

    stop: (id: string, opts: StopOptions = {}) =>
      t.call({
        method: "POST",
        path: `/containers/${enc(id)}/stop`,
        query: { t: opts.timeout, signal: opts.signal },
      }),

    restart: (id: string, opts: StopOptions = {}) =>
      t.call({
        method: "POST",
        path: `/containers/${enc(id)}/restart`,
        query: { t: opts.timeout, signal: opts.signal },
      }),

    kill: (id: string, signal?: string) =>
      t.call({ method: "POST", path: `/containers/${enc(id)}/kill`, query: { signal: signal || undefined } }),

    remove: (id: string, opts: { force?: boolean; volumes?: boolean; link?: boolean } = {}) =>
      t.call({
        method: "DELETE",
        path: `/containers/${enc(id)}`,
        query: { v: opts.volumes, force: opts.force, link: opts.link },
      }),

    pause: (id: string) => t.call({ method: "POST", path: `/containers/${enc(id)}/pause` }),
    unpause: (id: string) => t.call({ method: "POST", path: `/containers/${enc(id)}/unpause` }),

    rename: (id: string, name: string) =>
      t.call({ method: "POST", path: `/containers/${enc(id)}/rename`, query: { name } }),

    resize: (id: string, height: number, width: number) =>
      t.call({ method: "POST", path: `/containers/${enc(id)}/resize`, query: { h: height, w: width } }),

    /**
     * GET /containers/{id}/stats: samples as they come (every second), or one with its
     * previous CPU sample filled in (stream false). Resolves once the daemon has answered.
     */
    stats: async (
      id: string,
      opts: { stream: boolean; signal?: AbortSignal },
    ): Promise<AsyncGenerator<ContainerStats>> => {
      const res = await t.request({
        method: "GET",
        path: `/containers/${enc(id)}/stats`,
        query: { stream: opts.stream ? "1" : "0" },
        signal: opts.signal,
      });
      return jsonLines<ContainerStats>(res);
    },

    /** POST /containers/{id}/update: resources and restart policy (HostConfig's names). */
    update: (id: string, body: Record<string, unknown>) =>
      t.json<{ Warnings?: string[] | null }>({
        method: "POST",
        path: `/containers/${enc(id)}/update`,
        body,
      }),

    top: (id: string, psArgs: string[] = []) =>
      t.json<ContainerTopResponse>({
        method: "GET",
        path: `/containers/${enc(id)}/top`,
        query: { ps_args: psArgs.length > 0 ? psArgs.join(" ") : undefined },
      }),

    changes: async (id: string) =>
      (await t.json<FilesystemChange[] | null>({ method: "GET", path: `/containers/${enc(id)}/changes` })) ??
      [],

    /** The container's filesystem as a tar stream; the caller consumes or destroys it. */
    /** POST /commit, with Docker's client-side reference checks (client/container_commit.go). */
    commit: (id: string, opts: CommitOptions = {}) => {
      let repo: string | undefined;
      let tag: string | undefined;
      if (opts.reference) {
        const ref = parseNormalizedNamed(opts.reference);
        if (ref.digest) throw invalid("refusing to create a tag with a digest reference");
        const full = withDefaultTag(ref);
        repo = familiarName(full);
        tag = full.tag;
      }
      return t.json<IdResponse>({
        method: "POST",
        path: "/commit",
        query: {
          container: id,
          repo,
          tag,
          comment: opts.comment || undefined,
          author: opts.author || undefined,
          changes: opts.changes && opts.changes.length > 0 ? opts.changes : undefined,
          pause: opts.pause === false ? "0" : undefined,
        },
      });
    },

    export: (id: string): Promise<IncomingMessage> =>
      t.request({ method: "GET", path: `/containers/${enc(id)}/export` }),

    prune: (filters?: FilterArgs) =>
      t.json<ContainerPruneResponse>({
        method: "POST",
        path: "/containers/prune",
        query: { filters: filtersParam(filters) },
      }),

    /**
     * Log stream: multiplexed (stdcopy) unless the container has a TTY. The caller consumes or
     * destroys it; with `follow` it lasts until the container stops.
     */
    logs: (id: string, opts: LogsOptions = {}): Promise<IncomingMessage> =>
      t.request({
        method: "GET",
        path: `/containers/${enc(id)}/logs`,
        query: {
          stdout: opts.stdout,
          stderr: opts.stderr,
          since: opts.since || undefined,
          until: opts.until || undefined,
          timestamps: opts.timestamps,
          details: opts.details,
          follow: opts.follow,
          tail: opts.tail ?? "all",
        },
      }),

    /** Hijacks an attach session: output multiplexed unless the container has a TTY. */
    attach: (id: string, opts: AttachOptions): Promise<HijackedConnection> =>
      t.hijack({
        method: "POST",
        path: `/containers/${enc(id)}/attach`,
        query: {
          stream: opts.stream,
          logs: opts.logs,
          stdin: opts.stdin,
          stdout: opts.stdout,
          stderr: opts.stderr,
          detachKeys: opts.detachKeys || undefined,
        },
      }),

    /**
     * Registers a wait and resolves as soon as the daemon has accepted it (its response headers
     * arrived), so a start that follows cannot race past it; the exit comes in `result`.
     */
    waitRegistered: async (id: string, condition?: WaitCondition): Promise<PendingWait> => {
      const controller = new AbortController();
      const res = await t.request({
        method: "POST",
        path: `/containers/${enc(id)}/wait`,
        query: { condition },
        signal: controller.signal,
      });
      const result = readText(res).then((text) => parseWait(text));
      result.catch(() => {});
      return { result, cancel: () => controller.abort() };
    },

    /** Blocks until the condition (default not-running) is met. */
    wait: async (id: string, condition?: WaitCondition): Promise<ContainerWaitResponse> => {
      const text = await readText(
        await t.request({ method: "POST", path: `/containers/${enc(id)}/wait`, query: { condition } }),
      );
      return parseWait(text);
    },
  };
}

export type ContainersApi = ReturnType<typeof containersApi>;

function parseWait(text: string): ContainerWaitResponse {
  try {
    return JSON.parse(text) as ContainerWaitResponse;
  } catch {
    // Docker's client: a body that is not JSON is the error itself
    throw new Error(text.trim() || "wait: empty response from daemon");
  }
}
