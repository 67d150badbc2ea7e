import { invalid, KapselError } from "../../lib/errors.ts";
import { familiarString, type NamedRef, parseNormalizedNamed } from "../images/index.ts";
import { connectClient, type DistributionContext, familiarRepo, fullRepo, withRetries } from "./context.ts";
import { readBody } from "./http-transport.ts";
import type { PullOptions } from "./index.ts";
import { fetchLayers } from "./layer-fetch.ts";
import {
  DIGEST_RE,
  formatPlatform,
  type ImageManifest,
  LAYER_TYPES,
  MANIFEST_ACCEPT,
  type Platform,
  parseManifest,
  parsePlatform,
  selectPlatform,
  sha256Digest,
} from "./manifest.ts";
import { message, type ProgressSink, shortId } from "./progress.ts";
import { type RegistryClient, RegistryError } from "./registry-client.ts";
import { pullNotFound } from "./registry-errors.ts";

const TAG_RE = /^[\w][\w.-]{0,127}$/;

/** The reference a pull asks for: fromImage, with the tag parameter (a tag or a digest) applied. */
export function pullReference(image: string, tag: string | undefined): NamedRef {
  // "pull -a" may send the name with a trailing ":" (moby keeps accepting it)
  const ref = parseNormalizedNamed(image.replace(/:$/, ""));
  if (!tag) return ref;
  if (DIGEST_RE.test(tag)) return { domain: ref.domain, path: ref.path, digest: tag };
  if (!TAG_RE.test(tag)) throw invalid(`invalid tag format`);
  return { domain: ref.domain, path: ref.path, tag };
}

export async function pullImage(ctx: DistributionContext, o: PullOptions): Promise<void> {
  const ref = pullReference(o.image, o.tag);
  const platform = parsePlatform(o.platform, ctx.hostArch);
  let sent = false;
  const sink: ProgressSink = (m) => {
    sent = true;
    o.progress(m);
  };
  const clients = await connectClient(ctx, ref, o.auth, { pull: true, signal: o.signal });
  let lastErr: unknown;
  for (const [i, client] of clients.entries()) {
    const mirror = i < clients.length - 1;
    try {
      await client.connect(o.signal);
    } catch (err) {
      lastErr = err;
      continue;
    }
    try {
      await pullRepository(ctx, client, ref, platform, sink, o.signal);
      ctx.events?.publish("image", "pull", familiarString(ref), { name: familiarString(ref) });
      return;
    } catch (err) {
      lastErr = err;
      // a mirror that fails before saying anything gives way to the registry itself
      if (!mirror || sent || o.signal?.aborted) throw err;
    }
  }
  throw lastErr;
}

async function pullRepository(
  ctx: DistributionContext,
  client: RegistryClient,
  ref: NamedRef,
  platform: Platform,
  sink: ProgressSink,
  signal?: AbortSignal,
): Promise<void> {
  let fresh = false;
  if (ref.tag || ref.digest) fresh = await pullOne(ctx, client, ref, platform, sink, signal);
  else {
    for (const tag of await listTags(client, ref, signal))
      fresh = (await pullOne(ctx, client, { ...ref, tag }, platform, sink, signal)) || fresh;
  }
  const what = familiarString(ref);
  message(
    sink,
    "",
    fresh ? `Status: Downloaded newer image for ${what}` : `Status: Image is up to date for ${what}`,
  );
}

async function listTags(client: RegistryClient, ref: NamedRef, signal?: AbortSignal): Promise<string[]> {
  const scopes = [`repository:${ref.path}:pull`];
  const tags: string[] = [];
  let path: string | undefined = `/v2/${ref.path}/tags/list?n=1000`;
  for (let pages = 0; path && pages < 100; pages++) {
    const res = await client
      .request("GET", path, { scopes, signal })
      .catch((err) => rethrowNotFound(err, ref));
    const body = JSON.parse((await readBody(res)).toString("utf8")) as { tags?: string[] | null };
    tags.push(...(body.tags ?? []));
    // pagination: Link: </v2/x/tags/list?n=1000&last=y>; rel="next"
    const link = /<([^>]+)>;\s*rel="?next"?/.exec(String(res.headers.link ?? ""));
    path = link ? link[1] : undefined;
  }
  return tags;
}

function rethrowNotFound(err: unknown, ref: NamedRef): never {
  if (err instanceof RegistryError) throw pullNotFound(err, familiarRepo(ref), familiarString(ref));
  throw err;
}

export interface Fetched {
  bytes: Buffer;
  contentType: string;
  digest: string;
}

export async function fetchManifest(
  client: RegistryClient,
  ref: NamedRef,
  tagOrDigest: string,
  signal?: AbortSignal,
): Promise<Fetched> {
  const res = await client
    .request("GET", `/v2/${ref.path}/manifests/${tagOrDigest}`, {
      headers: { Accept: MANIFEST_ACCEPT },
      scopes: [`repository:${ref.path}:pull`],
      signal,
    })
    .catch((err) => rethrowNotFound(err, ref));
  const bytes = await readBody(res, 4 * 1024 * 1024);
  const digest = sha256Digest(bytes);
  if (DIGEST_RE.test(tagOrDigest) && digest !== tagOrDigest)
    throw invalid(`manifest verification failed for digest ${tagOrDigest}`);
  return { bytes, contentType: String(res.headers["content-type"] ?? ""), digest };
}

/** Pulls one tag or digest; true when something changed (new layers, or the name moved). */
async function pullOne(
  ctx: DistributionContext,
  client: RegistryClient,
  ref: NamedRef,
  platform: Platform,
  sink: ProgressSink,
  signal?: AbortSignal,
): Promise<boolean> {
  const tagOrDigest = ref.digest ?? ref.tag ?? "latest";
  const top = await fetchManifest(client, ref, tagOrDigest, signal);
  let parsed = parseManifest(top.bytes, top.contentType);
  message(sink, tagOrDigest, `Pulling from ${ref.path}`);

  let manifest: ImageManifest;
  let fetched = top;
  const narrowed = parsed.kind === "list";
  if (parsed.kind === "list") {
    const entry = selectPlatform(parsed, platform);
    fetched = await fetchManifest(client, ref, entry.digest, signal);
    parsed = parseManifest(fetched.bytes, fetched.contentType || entry.mediaType);
    if (parsed.kind !== "image") throw invalid("unsupported manifest format");
    manifest = parsed;
  } else manifest = parsed;

  const imageId = manifest.config.digest;
  const unpin = ctx.blobs.pin([imageId, ...manifest.layers.map((l) => l.digest)]);
  try {
    let diffIds: string[];
    const existing = ctx.images.list().find((i) => i.id === imageId);
    if (existing) diffIds = existing.config.rootfs.diff_ids;
    else {
      const configBytes = await fetchConfig(ctx, client, ref, manifest, sink, signal);
      let config: { os?: string; architecture?: string; variant?: string; rootfs?: { diff_ids?: string[] } };
      try {
        config = JSON.parse(configBytes.toString("utf8"));
      } catch (err) {
        throw invalid("invalid image config: not JSON", err);
      }
      diffIds = config.rootfs?.diff_ids ?? [];
      if (!Array.isArray(config.rootfs?.diff_ids)) throw invalid("invalid rootfs in image configuration");
      if (diffIds.length !== manifest.layers.length)
        throw invalid("layers from manifest don't match image configuration");
      // a single-platform image asked for by another platform (a list was narrowed already)
      if (!narrowed && platformAsked(platform, ctx) && config.architecture) {
        const actual = formatPlatform({
          os: config.os ?? "linux",
          architecture: config.architecture,
          variant: config.variant,
        });
        if (config.architecture !== platform.architecture || (config.os ?? "linux") !== platform.os)
          throw new KapselError(
            "not_found",
            `image with reference ${familiarString(ref)} was found but does not match the specified platform: wanted ${formatPlatform(platform)}, actual: ${actual}`,
          );
      }
      await fetchLayers(ctx, client, ref, manifest, diffIds, sink, signal);
      const id = await ctx.images.addImage(configBytes);
      if (id !== imageId)
        throw new KapselError("internal", `image id ${id} is not the config digest ${imageId}`);
    }
    ctx.blobs.keepManifest(imageId, {
      digest: fetched.digest,
      mediaType: manifest.mediaType,
      manifest: fetched.bytes.toString("utf8"),
    });
    manifest.layers.forEach((l, i) => {
      ctx.blobs.record(
        diffIds[i],
        { digest: l.digest, mediaType: l.mediaType, size: l.size, compression: LAYER_TYPES[l.mediaType] },
        fullRepo(ref),
      );
    });
    message(sink, "", `Digest: ${top.digest}`);
    return nameImage(ctx, ref, imageId, top.digest);
  } finally {
    unpin();
  }
}

function platformAsked(p: Platform, ctx: DistributionContext): boolean {
  return p.architecture !== ctx.hostArch || p.os !== "linux";
}

/** Docker's tagging after a pull: the digest reference always, the tag when it moved. */
function nameImage(
  ctx: DistributionContext,
  ref: NamedRef,
  imageId: string,
  manifestDigest: string,
): boolean {
  const repoDigest = familiarString({ domain: ref.domain, path: ref.path, digest: manifestDigest });
  const name = familiarString(ref);
  let current: string | undefined;
  try {
    current = ctx.images.resolve(name).id;
  } catch {
    current = undefined;
  }
  ctx.images.addDigest(repoDigest, imageId);
  if (current === imageId) return false;
  if (!ref.digest) ctx.images.tag(imageId, name);
  return true;
}

async function fetchConfig(
  ctx: DistributionContext,
  client: RegistryClient,
  ref: NamedRef,
  manifest: ImageManifest,
  sink: ProgressSink,
  signal?: AbortSignal,
): Promise<Buffer> {
  const { digest } = manifest.config;
  return withRetries(
    ctx,
    sink,
    shortId(digest),
    async () => {
      const res = await client.request("GET", `/v2/${ref.path}/blobs/${digest}`, {
        scopes: [`repository:${ref.path}:pull`],
        redirect: true,
        signal,
      });
      const bytes = await readBody(res, 64 * 1024 * 1024);
      if (sha256Digest(bytes) !== digest)
        throw invalid(`image config verification failed for digest ${digest}`);
      return bytes;
    },
    signal,
  );
}
