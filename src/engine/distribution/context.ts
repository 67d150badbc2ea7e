import { setTimeout as sleep } from "node:timers/promises";
import { KapselError } from "../../lib/errors.ts";
import { canonicalString, familiarString, type NamedRef } from "../images/index.ts";
import type { BlobStore } from "./blob-store.ts";
import { resolveCredentials } from "./credentials.ts";
import { type EndpointConfig, endpointsFor } from "./endpoints.ts";
import type { DistributionOptions, ImageAccess, LayerAccess, RegistryCredentials } from "./index.ts";
import { type ProgressSink, update } from "./progress.ts";
import { RegistryClient } from "./registry-client.ts";

/** What a pull or a push works with: the other domains, the blob store and the settings. */
export interface DistributionContext {
  images: ImageAccess;
  storage: LayerAccess;
  blobs: BlobStore;
  events?: DistributionOptions["events"];
  endpoints: EndpointConfig;
  authFile?: string;
  idleTimeout?: number;
  retryDelays: number[];
  uploadChunkSize: number;
  /** Docker's name for the host's architecture (amd64, arm64, …) */
  hostArch: string;
}

/** busybox, 127.0.0.1:5000/x: a repository in the form users see. */
export const familiarRepo = (r: NamedRef) => familiarString({ domain: r.domain, path: r.path });
/** docker.io/library/busybox, 127.0.0.1:5000/x */
export const fullRepo = (r: NamedRef) => canonicalString({ domain: r.domain, path: r.path });

/** A client for the registry of ref, connected (its endpoint chosen, its challenge known). */
export async function connectClient(
  ctx: DistributionContext,
  ref: NamedRef,
  given: RegistryCredentials | undefined,
  o: { pull: boolean; signal?: AbortSignal },
): Promise<RegistryClient[]> {
  const endpoints = await endpointsFor(ref.domain, ctx.endpoints, { pull: o.pull });
  const creds = resolveCredentials(ref.domain, given, ctx.authFile);
  // each mirror is a registry of its own (tried in turn, anonymously); then the registry itself
  const out: RegistryClient[] = [];
  for (const e of endpoints.filter((x) => x.mirror))
    out.push(new RegistryClient(ref.domain === "docker.io" ? e.url.host : ref.domain, [e], {}, ctx));
  out.push(
    new RegistryClient(
      ref.domain,
      endpoints.filter((x) => !x.mirror),
      creds,
      ctx,
    ),
  );
  return out;
}

/** Errors a retry cannot mend: the registry said no, or the bytes were wrong. */
export function isFinal(err: unknown): boolean {
  return !(err instanceof KapselError) || err.kind !== "unavailable";
}

/**
 * Runs a transfer, retrying after connection failures (not after a refusal or a bad digest)
 * with the configured delays, telling the user as Docker does ("Retrying in 1 second").
 */
export async function withRetries<T>(
  ctx: DistributionContext,
  sink: ProgressSink,
  id: string,
  fn: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const delay = ctx.retryDelays[attempt];
      if (isFinal(err) || delay === undefined || signal?.aborted) throw err;
      const secs = Math.max(1, Math.round(delay / 1000));
      update(sink, id, `Retrying in ${secs} second${secs === 1 ? "" : "s"}`);
      await sleep(delay, undefined, { signal });
    }
  }
}
