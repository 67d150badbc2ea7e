import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { invalid } from "../lib/errors.ts";
import {
  familiarName,
  parseAnyReference,
  parseNormalizedNamed,
  repositoryName,
  withDefaultTag,
} from "./reference.ts";
import { filtersParam, type Transport } from "./transport.ts";
import type {
  FilterArgs,
  HistoryResponseItem,
  ImageDeleteResponseItem,
  ImageInspectResponse,
  ImageSummary,
} from "./types.ts";

export interface ImportOptions {
  /** the tar stream; undefined when `fromSrc` is a URL the daemon fetches */
  source?: Readable;
  /** "-" for a body upload, else a URL */
  fromSrc: string;
  /** repository[:tag] to give the new image */
  repo?: string;
  message?: string;
  /** Dockerfile instructions (CMD, ENV, ...) applied to the config */
  changes?: string[];
  platform?: string;
}

/**
 * The /images endpoints. Progress streams (`import`, `pull`, `bootstrap`) are JSON lines
 * (see JsonMessage), read with `jsonLines`; the caller consumes or destroys them.
 */
export function imagesApi(t: Transport) {
  return {
    list: (opts: { all?: boolean; filters?: FilterArgs } = {}) =>
      t.json<ImageSummary[]>({
        method: "GET",
        path: "/images/json",
        query: { all: opts.all, filters: filtersParam(opts.filters) },
      }),

    inspect: (name: string) => t.json<ImageInspectResponse>({ method: "GET", path: `/images/${name}/json` }),

    /** platform: "os[/arch[/variant]]", sent as Docker's JSON OCI platform. */
    history: (name: string, platform?: string) =>
      t.json<HistoryResponseItem[]>({
        method: "GET",
        path: `/images/${name}/history`,
        query: { platform: platform ? ociPlatformJson(platform) : undefined },
      }),

    /** inspect, also returning the daemon's JSON text. */
    inspectRaw: (name: string) =>
      t.jsonWithRaw<ImageInspectResponse>({ method: "GET", path: `/images/${name}/json` }),

    /** Tags `source` as `target` (repo[:tag], :latest when no tag); Docker's client-side checks. */
    tag: async (source: string, target: string) => {
      try {
        parseAnyReference(source);
      } catch (err) {
        throw invalid(
          `Error parsing reference: "${source}" is not a valid repository/tag: ${(err as Error).message}`,
        );
      }
      let ref: ReturnType<typeof parseNormalizedNamed>;
      try {
        ref = parseNormalizedNamed(target);
      } catch (err) {
        throw invalid(
          `Error parsing reference: "${target}" is not a valid repository/tag: ${(err as Error).message}`,
        );
      }
      if (ref.digest) throw invalid("refusing to create a tag with a digest reference");
      const full = withDefaultTag(ref);
      await t.call({
        method: "POST",
        path: `/images/${source}/tag`,
        query: { repo: repositoryName(full), tag: full.tag },
      });
    },

    remove: async (name: string, opts: { force?: boolean; noPrune?: boolean } = {}) =>
      (await t.json<ImageDeleteResponseItem[] | null>({
        method: "DELETE",
        path: `/images/${name}`,
        query: { force: opts.force, noprune: opts.noPrune },
      })) ?? [],

    /** POST /images/prune: dangling images, or (dangling=false) every unused one. */
    prune: (filters?: FilterArgs) =>
      t.json<{ ImagesDeleted: ImageDeleteResponseItem[] | null; SpaceReclaimed: number }>({
        method: "POST",
        path: "/images/prune",
        query: { filters: filtersParam(filters) },
      }),

    /** GET /images/get: a tar archive (docker save) of the images, as a stream. */
    save: (names: string[], opts: { platform?: string } = {}): Promise<IncomingMessage> =>
      t.request({
        method: "GET",
        path: "/images/get",
        query: { names, platform: opts.platform ? ociPlatformJson(opts.platform) : undefined },
      }),

    /** POST /images/load: a JSON progress stream of "Loaded image: ..." lines. */
    load: (source: Readable, opts: { quiet?: boolean; platform?: string } = {}): Promise<IncomingMessage> =>
      t.request({
        method: "POST",
        path: "/images/load",
        query: {
          quiet: opts.quiet ? "1" : undefined,
          platform: opts.platform ? ociPlatformJson(opts.platform) : undefined,
        },
        body: source,
        contentType: "application/x-tar",
      }),

    /** POST /images/create?fromSrc=...: progress stream ending with {"status":"sha256:..."}. */
    import: (opts: ImportOptions): Promise<IncomingMessage> =>
      t.request({
        method: "POST",
        path: "/images/create",
        query: {
          fromSrc: opts.fromSrc,
          repo: opts.repo || undefined,
          message: opts.message || undefined,
          platform: opts.platform ? opts.platform.toLowerCase() : undefined,
          changes: opts.changes && opts.changes.length > 0 ? opts.changes : undefined,
        },
        body: opts.source,
        contentType: opts.source ? "application/x-tar" : undefined,
      }),

    /**
     * POST /images/create?fromImage=...: pull progress stream (Docker's ImagePull query); `all`
     * pulls every tag; `auth` is the encoded X-Registry-Auth.
     */
    pull: async (
      image: string,
      opts: { platform?: string; all?: boolean; auth?: string } = {},
    ): Promise<IncomingMessage> => {
      const parsed = parseNormalizedNamed(image);
      const ref = opts.all ? parsed : withDefaultTag(parsed);
      return t.request({
        method: "POST",
        path: "/images/create",
        query: {
          fromImage: repositoryName(ref),
          tag: opts.all ? undefined : (ref.digest ?? ref.tag),
          platform: opts.platform ? opts.platform.toLowerCase() : undefined,
        },
        headers: opts.auth ? { "X-Registry-Auth": opts.auth } : undefined,
      });
    },

    /** POST /images/{name}/push: push progress stream; no tag pushes every tag. */
    /** platform: "os[/arch[/variant]]", sent as Docker's JSON OCI platform (API 1.46+). */
    push: (
      image: string,
      opts: { all?: boolean; auth?: string; platform?: string } = {},
    ): Promise<IncomingMessage> => {
      const parsed = parseNormalizedNamed(image);
      const ref = opts.all ? parsed : withDefaultTag(parsed);
      return t.request({
        method: "POST",
        path: `/images/${familiarName(ref)}/push`,
        query: {
          tag: opts.all ? undefined : ref.tag,
          platform: opts.platform ? ociPlatformJson(opts.platform) : undefined,
        },
        // docker sends an empty AuthConfig ("{}") when it has no credentials
        headers: { "X-Registry-Auth": opts.auth || Buffer.from("{}").toString("base64url") },
      });
    },

    /**
     * kapsel extension: builds busybox or debian:<suite> from the host's packages.
     * Progress lines {status}, then {aux: {ID}}.
     */
    bootstrap: (ref: string): Promise<IncomingMessage> =>
      t.request({ method: "POST", path: "/kapsel/images/bootstrap", query: { ref } }),
  };
}

function ociPlatformJson(p: string): string {
  const [os, architecture, variant] = p.toLowerCase().split("/");
  return JSON.stringify({ os, architecture, ...(variant ? { variant } : {}) });
}

export type ImagesApi = ReturnType<typeof imagesApi>;
