import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { compareStrings } from "../lib/compare.ts";
import { filtersParam, type QueryValue, type Transport } from "./transport.ts";
import type { FilterArgs } from "./types.ts";

/** POST /build's options (Docker's build.ImageBuildOptions, the classic builder's part). */
export interface BuildOptions {
  tags?: string[];
  /** the Dockerfile's path inside the context ("" lets the daemon use "Dockerfile") */
  dockerfile?: string;
  /** a null value names an argument without a value */
  buildArgs?: Record<string, string | null>;
  labels?: Record<string, string>;
  target?: string;
  noCache?: boolean;
  pull?: boolean;
  /** the daemon sends only the image ID */
  quiet?: boolean;
  /** remove intermediate containers after a successful build (the daemon's default: true) */
  remove?: boolean;
  forceRemove?: boolean;
  networkMode?: string;
  extraHosts?: string[];
  shmSize?: number;
  ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
  platform?: string;
  memory?: number;
  memorySwap?: number;
  cpuShares?: number;
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuSetCpus?: string;
  cpuSetMems?: string;
  cgroupParent?: string;
  isolation?: string;
  cacheFrom?: string[];
  securityOpt?: string[];
  squash?: boolean;
  /** kapsel extension: lint the Dockerfile only (query check=1) */
  check?: boolean;
  /** kapsel extension: the checks' warnings after the transcript (query warnings=1) */
  warnings?: boolean;
  /** X-Registry-Config: credentials by registry, for FROM pulls */
  authConfigs?: Record<string, unknown>;
}

export interface BuildCachePruneOptions {
  all?: boolean;
  keepStorage?: number;
  filters?: FilterArgs;
}

export interface BuildCachePruneReport {
  CachesDeleted: string[] | null;
  SpaceReclaimed: number;
}

/** The query Docker's client sends (imageBuildOptionsToQuery), with version=1: the classic builder. */
export function buildQuery(o: BuildOptions): Record<string, QueryValue> {
  const json = (v: unknown) => JSON.stringify(v);
  const nonEmpty = <T>(v: T[] | undefined) => (v && v.length > 0 ? v : undefined);
  const nonZero = (n: number | undefined) => (n ? String(n) : undefined);
  const hasKeys = (m: object | undefined) => m !== undefined && Object.keys(m).length > 0;
  const query: Record<string, QueryValue> = {
    t: nonEmpty(o.tags),
    securityopt: nonEmpty(o.securityOpt),
    extrahosts: nonEmpty(o.extraHosts),
    q: o.quiet ? "1" : undefined,
    nocache: o.noCache ? "1" : undefined,
    // only sent when opting out: the daemon removes them by default
    rm: o.remove === false ? "0" : undefined,
    forcerm: o.forceRemove ? "1" : undefined,
    pull: o.pull ? "1" : undefined,
    squash: o.squash ? "1" : undefined,
    isolation: o.isolation && o.isolation !== "default" ? o.isolation : undefined,
    cpusetcpus: o.cpuSetCpus || undefined,
    networkmode: o.networkMode && o.networkMode !== "default" ? o.networkMode : undefined,
    cpusetmems: o.cpuSetMems || undefined,
    cpushares: nonZero(o.cpuShares),
    cpuquota: nonZero(o.cpuQuota),
    cpuperiod: nonZero(o.cpuPeriod),
    memory: nonZero(o.memory),
    memswap: nonZero(o.memorySwap),
    cgroupparent: o.cgroupParent || undefined,
    shmsize: nonZero(o.shmSize),
    dockerfile: o.dockerfile || undefined,
    target: o.target || undefined,
    ulimits: nonEmpty(o.ulimits) ? json(o.ulimits) : undefined,
    buildargs: hasKeys(o.buildArgs) ? json(o.buildArgs) : undefined,
    labels: hasKeys(o.labels) ? json(o.labels) : undefined,
    cachefrom: nonEmpty(o.cacheFrom) ? json(o.cacheFrom) : undefined,
    platform: o.platform ? o.platform.toLowerCase() : undefined,
    version: "1",
    check: o.check ? "1" : undefined,
    warnings: o.warnings ? "1" : undefined,
  };
  // Go's url.Values.Encode sorts by key
  return Object.fromEntries(Object.entries(query).sort(([a], [b]) => compareStrings(a, b)));
}

/** Go's base64.URLEncoding: the URL alphabet, padded ("e30=" for "{}"). */
function base64Url(text: string): string {
  return Buffer.from(text).toString("base64").replaceAll("+", "-").replaceAll("/", "_");
}

/** POST /build and /build/prune. */
export function buildApi(t: Transport) {
  return {
    /**
     * Sends the context (a tar, possibly compressed, or a bare Dockerfile) and resolves with the
     * JSON message stream once the daemon answers; the caller consumes or destroys it.
     */
    build: (context: Readable | undefined, o: BuildOptions = {}): Promise<IncomingMessage> =>
      t.request({
        method: "POST",
        path: "/build",
        query: buildQuery(o),
        body: context,
        contentType: "application/x-tar",
        headers: {
          "X-Registry-Config": base64Url(JSON.stringify(o.authConfigs ?? {})),
          // a body-less request still says what it would carry, as Docker's client does
          ...(context ? {} : { "Content-Type": "application/x-tar" }),
        },
      }),

    prune: (o: BuildCachePruneOptions = {}) =>
      t.json<BuildCachePruneReport>({
        method: "POST",
        path: "/build/prune",
        query: {
          all: o.all ? "1" : undefined,
          "keep-storage": o.keepStorage ? String(o.keepStorage) : undefined,
          // docker always sends it, empty when there is nothing to filter
          filters: filtersParam(o.filters) ?? "",
        },
      }),
  };
}

export type BuildApi = ReturnType<typeof buildApi>;
