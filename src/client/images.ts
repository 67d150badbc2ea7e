import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { invalid } from "../lib/errors.ts";
import { parseAnyReference, parseNormalizedNamed, repositoryName, withDefaultTag } from "./reference.ts";
import { filtersParam, type Transport } from "./transport.ts";
import type { FilterArgs, ImageDeleteResponseItem, ImageInspectResponse, ImageSummary } from "./types.ts";

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

    /** POST /images/create?fromImage=...: pull progress stream (Docker's ImageCreate query). */
    pull: async (image: string, opts: { platform?: string } = {}): Promise<IncomingMessage> => {
      const ref = withDefaultTag(parseNormalizedNamed(image));
      return t.request({
        method: "POST",
        path: "/images/create",
        query: {
          fromImage: repositoryName(ref),
          tag: ref.digest ?? ref.tag,
          platform: opts.platform || undefined,
        },
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

export type ImagesApi = ReturnType<typeof imagesApi>;
