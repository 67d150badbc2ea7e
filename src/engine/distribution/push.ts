import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { invalid, isKind, KapselError, notFound } from "../../lib/errors.ts";
import { familiarString, type ImageRecord, type NamedRef, parseNormalizedNamed } from "../images/index.ts";
import { type BlobVariant, ByteCounter } from "./blob-store.ts";
import { buffersPassed } from "./buffer-pacer.ts";
import { connectClient, type DistributionContext, familiarRepo, fullRepo, withRetries } from "./context.ts";
import { readBody } from "./http-transport.ts";
import type { PushOptions } from "./index.ts";
import { compressLayer } from "./layer-compress.ts";
import { Limiter } from "./limiter.ts";
import {
  buildManifest,
  decodePlatformJson,
  formatPlatform,
  LAYER_TYPES,
  type LayerCompression,
  parseManifest,
  platformMatches,
  sha256Digest,
} from "./manifest.ts";
import { byteProgress, message, type ProgressSink, shortId, update } from "./progress.ts";
import type { RegistryClient } from "./registry-client.ts";

/** Layers uploaded at once (Docker's max-concurrent-uploads default). */
const UPLOADS_AT_ONCE = 5;

interface PushTarget {
  ref: NamedRef;
  client: RegistryClient;
  /** docker.io/library/x, 127.0.0.1:5000/x: how the blob store names repositories */
  repo: string;
  scopes: string[];
  sink: ProgressSink;
  signal?: AbortSignal;
}

export async function pushImage(ctx: DistributionContext, o: PushOptions): Promise<void> {
  const named = parseNormalizedNamed(o.image);
  if (named.digest) throw invalid("cannot push a digest reference");
  const ref: NamedRef = {
    domain: named.domain,
    path: named.path,
    ...(o.tag || named.tag ? { tag: o.tag || named.tag } : {}),
  };
  const sink = o.progress;
  const platform = o.platform ? decodePlatformJson(o.platform) : undefined;

  const repoName = familiarRepo(ref);
  const inRepo = ctx.images
    .list()
    .flatMap((img) =>
      img.repoTags
        .filter((t) => t.startsWith(`${repoName}:`))
        .map((t) => ({ tag: t.slice(repoName.length + 1), img })),
    );
  if (inRepo.length === 0) throw notFound(`An image does not exist locally with the tag: ${repoName}`);
  let targets: Array<{ tag: string; img: ImageRecord }>;
  if (ref.tag) {
    const found = inRepo.find((t) => t.tag === ref.tag);
    if (!found) throw notFound(`tag does not exist: ${familiarString(ref)}`);
    targets = [found];
  } else targets = inRepo.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  // one platform per image here: pushing "that platform" of it is pushing it, or nothing
  if (platform)
    for (const { tag, img } of targets) {
      const actual = {
        os: img.config.os || "linux",
        architecture: img.config.architecture,
        ...(img.config.variant ? { variant: img.config.variant } : {}),
      };
      if (!platformMatches(platform, actual))
        throw notFound(
          `image with reference ${fullRepo(ref)}:${tag} was found but does not match the specified platform: wanted ${formatPlatform(platform)}, actual: ${formatPlatform(actual)}`,
        );
    }
  message(sink, "", `The push refers to repository [${fullRepo(ref)}]`);

  const [client] = (await connectClient(ctx, ref, o.auth, { pull: false, signal: o.signal })).slice(-1);
  await client.connect(o.signal);
  const target: PushTarget = {
    ref,
    client,
    repo: fullRepo(ref),
    scopes: [`repository:${ref.path}:pull,push`],
    sink,
    signal: o.signal,
  };
  for (const { tag, img } of targets) await pushTag(ctx, target, tag, img);
  ctx.events?.publish("image", "push", familiarString(ref), { name: familiarString(ref) });
}

interface PushedLayer {
  digest: string;
  size: number;
  compression: LayerCompression;
  mediaType: string;
}

async function pushTag(
  ctx: DistributionContext,
  outer: PushTarget,
  tag: string,
  img: ImageRecord,
): Promise<void> {
  const configBytes = ctx.images.configBytes(img.id);
  const diffIds = img.config.rootfs.diff_ids;
  const unpin = ctx.blobs.pin([img.id, ...diffIds]);
  await ctx.blobs.settled(); // a prune under way may still be removing a blob it chose before the pin
  // a layer that fails stops the others
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort();
  outer.signal?.addEventListener("abort", onOuterAbort);
  const t: PushTarget = { ...outer, signal: abort.signal };
  try {
    const kept = await usableKeptManifest(ctx, img);
    // Docker lists layers top first
    for (let i = diffIds.length - 1; i >= 0; i--) update(t.sink, shortId(diffIds[i]), "Preparing");
    const limiter = new Limiter(UPLOADS_AT_ONCE);
    const byDiffId = new Map<string, Promise<PushedLayer>>();
    const order = diffIds.map((_, i) => diffIds.length - 1 - i);
    for (const i of order) {
      if (byDiffId.has(diffIds[i])) continue;
      const p = limiter.run(
        () => pushLayer(ctx, t, diffIds[i], img.layers[i], kept?.layers[i]),
        () => update(t.sink, shortId(diffIds[i]), "Waiting"),
      );
      p.catch(() => {});
      byDiffId.set(diffIds[i], p);
    }
    const layers = await Promise.all(diffIds.map((d) => byDiffId.get(d)!)).catch(async (err) => {
      abort.abort();
      await Promise.allSettled(byDiffId.values());
      throw err;
    });
    await pushConfig(ctx, t, img.id, configBytes);

    const manifest = kept
      ? { mediaType: kept.mediaType, bytes: Buffer.from(kept.manifest) }
      : buildManifest({ digest: img.id, size: configBytes.length }, layers);
    const digest = sha256Digest(manifest.bytes);
    const res = await t.client.request("PUT", `/v2/${t.ref.path}/manifests/${tag}`, {
      headers: { "Content-Type": manifest.mediaType, "Content-Length": String(manifest.bytes.length) },
      body: manifest.bytes,
      scopes: t.scopes,
      signal: t.signal,
    });
    res.resume();
    message(t.sink, "", `${tag}: digest: ${digest} size: ${manifest.bytes.length}`);
    ctx.images.addDigest(familiarString({ domain: t.ref.domain, path: t.ref.path, digest }), img.id);
    if (!kept)
      ctx.blobs.keepManifest(img.id, {
        digest,
        mediaType: manifest.mediaType,
        manifest: manifest.bytes.toString(),
      });
    t.sink({ progressDetail: {}, aux: { Tag: tag, Digest: digest, Size: manifest.bytes.length } });
  } finally {
    outer.signal?.removeEventListener("abort", onOuterAbort);
    unpin();
  }
}

/**
 * The manifest an image was pulled with, when every layer it names is here: pushing it again
 * gives the same manifest digest the image has elsewhere.
 */
async function usableKeptManifest(
  ctx: DistributionContext,
  img: ImageRecord,
): Promise<{ mediaType: string; manifest: string; layers: PushedLayer[] } | undefined> {
  const kept = ctx.blobs.manifestOf(img.id);
  if (!kept) return undefined;
  let parsed: ReturnType<typeof parseManifest>;
  try {
    parsed = parseManifest(Buffer.from(kept.manifest), kept.mediaType);
  } catch {
    return undefined;
  }
  if (parsed.kind !== "image" || parsed.config.digest !== img.id) return undefined;
  if (parsed.layers.length !== img.config.rootfs.diff_ids.length) return undefined;
  for (const l of parsed.layers) if (!(await ctx.blobs.hasData(l.digest))) return undefined;
  return {
    mediaType: kept.mediaType,
    manifest: kept.manifest,
    layers: parsed.layers.map((l) => ({
      digest: l.digest,
      size: l.size,
      mediaType: l.mediaType,
      compression: LAYER_TYPES[l.mediaType],
    })),
  };
}

async function blobExists(t: PushTarget, digest: string, scopes = t.scopes): Promise<boolean> {
  const res = await t.client.request("HEAD", `/v2/${t.ref.path}/blobs/${digest}`, {
    scopes,
    ok: (s) => s === 200 || s === 404,
    signal: t.signal,
  });
  res.resume();
  return res.statusCode === 200;
}

/** The compressed form to push for a layer: one with bytes here (gzip first), else one known remotely. */
async function chooseVariant(
  ctx: DistributionContext,
  diffId: string,
): Promise<(BlobVariant & { local: boolean }) | undefined> {
  const withData: BlobVariant[] = [];
  const remote: BlobVariant[] = [];
  for (const v of ctx.blobs.variants(diffId))
    ((await ctx.blobs.hasData(v.digest)) ? withData : remote).push(v);
  const rank = (v: BlobVariant) => (v.compression === "gzip" ? 0 : v.compression === "zstd" ? 1 : 2);
  withData.sort((a, b) => rank(a) - rank(b));
  if (withData[0]) return { ...withData[0], local: true };
  if (remote[0]) return { ...remote[0], local: false };
  return undefined;
}

/**
 * One layer: already in the repository (HEAD), mounted from another repository of the same
 * registry that has it, or uploaded from the blob store (compressed first, once, if the layer
 * was made here).
 */
async function pushLayer(
  ctx: DistributionContext,
  t: PushTarget,
  diffId: string,
  chainId: string,
  fromManifest: PushedLayer | undefined,
): Promise<PushedLayer> {
  const id = shortId(diffId);
  let v: (BlobVariant & { local: boolean }) | undefined;
  if (fromManifest) {
    const known = ctx.blobs.variants(diffId).find((b) => b.digest === fromManifest.digest);
    v = { ...fromManifest, repos: known?.repos ?? [], local: true };
  } else v = await chooseVariant(ctx, diffId);
  const result = (x: BlobVariant): PushedLayer => ({
    digest: x.digest,
    size: x.size,
    compression: x.compression,
    mediaType: x.mediaType,
  });
  const done = (x: BlobVariant, status: string) => {
    ctx.blobs.record(diffId, result(x), t.repo);
    update(t.sink, id, status);
    return result(x);
  };

  if (v) {
    if (await blobExists(t, v.digest)) return done(v, "Layer already exists");
    const domainPrefix = `${t.ref.domain}/`;
    for (const from of v.repos) {
      if (!from.startsWith(domainPrefix) || from === t.repo) continue;
      const fromPath = from.slice(domainPrefix.length);
      const mounted = await tryMount(t, v.digest, fromPath);
      if (mounted) return done(v, `Mounted from ${fromPath}`);
    }
    if (!v.local) v = undefined; // known elsewhere only: make it from the layer itself
  }
  if (!v) {
    v = { ...(await compressLayer(ctx, diffId, chainId)), local: true };
    if (await blobExists(t, v.digest)) return done(v, "Layer already exists");
  }
  const blob = v;
  await withRetries(ctx, t.sink, id, () => uploadBlob(ctx, t, id, blob), t.signal);
  return done(blob, "Pushed");
}

/** POST …/uploads/?mount=&from=: true when the registry mounted it (201). */
async function tryMount(t: PushTarget, digest: string, fromPath: string): Promise<boolean> {
  const q = new URLSearchParams({ mount: digest, from: fromPath });
  const res = await t.client
    .request("POST", `/v2/${t.ref.path}/blobs/uploads/?${q}`, {
      headers: { "Content-Length": "0" },
      scopes: [...t.scopes, `repository:${fromPath}:pull`],
      ok: (s) => s === 201 || s === 202,
      signal: t.signal,
    })
    .catch((err) => {
      // no right to read the other repository: upload instead
      if (isKind(err, "unauthorized") || isKind(err, "forbidden")) return undefined;
      throw err;
    });
  if (!res) return false;
  res.resume();
  if (res.statusCode === 201) return true;
  // 202: the registry started an upload instead; cancel it, ours starts afresh
  const location = res.headers.location;
  if (location) {
    await t.client
      .request("DELETE", "", {
        url: new URL(location, t.client.url("/")),
        scopes: t.scopes,
        signal: t.signal,
        ok: () => true,
      })
      .then((r) => r.resume())
      .catch(() => {});
  }
  return false;
}

/**
 * Uploads a blob from the store: POST starts a session; blobs up to the chunk size go in one
 * PUT (monolithic), bigger ones in PATCH chunks with Content-Range, closed by a PUT with the
 * digest.
 */
export async function uploadBlob(
  ctx: Pick<DistributionContext, "blobs" | "uploadChunkSize">,
  t: PushTarget,
  id: string,
  blob: { digest: string; size: number },
): Promise<void> {
  const start = await t.client.request("POST", `/v2/${t.ref.path}/blobs/uploads/`, {
    headers: { "Content-Length": "0" },
    scopes: t.scopes,
    ok: (s) => s === 202,
    signal: t.signal,
  });
  start.resume();
  let location = locationOf(t, start.headers.location);
  const minChunk = Number(start.headers["oci-chunk-min-length"] ?? 0);
  const chunk = Math.max(ctx.uploadChunkSize, minChunk);
  const progress = byteProgress(t.sink, id, "Pushing", blob.size);
  let sent = 0;
  const body = (startAt: number, end: number): Readable => {
    const from = createReadStream(ctx.blobs.blobPath(blob.digest), {
      start: startAt,
      end,
      highWaterMark: 1024 * 1024,
    });
    const counter = new ByteCounter((n) => progress.tick(sent + n));
    from.on("error", (err) => counter.destroy(err));
    from.on("data", (b) => buffersPassed(b.length)); // each read a new megabyte buffer
    return from.pipe(counter);
  };
  if (blob.size > chunk) {
    for (let offset = 0; offset < blob.size; ) {
      const end = Math.min(blob.size, offset + chunk) - 1;
      const res = await t.client.request("PATCH", "", {
        url: location,
        headers: {
          "Content-Type": "application/octet-stream",
          "Content-Range": `${offset}-${end}`,
          "Content-Length": String(end - offset + 1),
        },
        body: body(offset, end),
        scopes: t.scopes,
        ok: (s) => s === 202,
        signal: t.signal,
      });
      res.resume();
      location = locationOf(t, res.headers.location, location);
      sent += end - offset + 1;
      offset = end + 1;
    }
    location.searchParams.set("digest", blob.digest);
    const res = await t.client.request("PUT", "", {
      url: location,
      headers: { "Content-Length": "0" },
      scopes: t.scopes,
      ok: (s) => s === 201,
      signal: t.signal,
    });
    res.resume();
  } else {
    location.searchParams.set("digest", blob.digest);
    const res = await t.client.request("PUT", "", {
      url: location,
      headers: { "Content-Type": "application/octet-stream", "Content-Length": String(blob.size) },
      body: blob.size > 0 ? body(0, blob.size - 1) : Buffer.alloc(0),
      scopes: t.scopes,
      ok: (s) => s === 201,
      signal: t.signal,
    });
    res.resume();
  }
  progress.done();
}

function locationOf(t: PushTarget, header: string | string[] | undefined, base?: URL): URL {
  if (!header) throw new KapselError("internal", "registry did not say where to upload (no Location header)");
  return new URL(String(header), base ?? t.client.url("/"));
}

async function pushConfig(
  ctx: DistributionContext,
  t: PushTarget,
  digest: string,
  bytes: Buffer,
): Promise<void> {
  if (await blobExists(t, digest)) return;
  await withRetries(
    ctx,
    t.sink,
    shortId(digest),
    async () => {
      const start = await t.client.request("POST", `/v2/${t.ref.path}/blobs/uploads/`, {
        headers: { "Content-Length": "0" },
        scopes: t.scopes,
        ok: (s) => s === 202,
        signal: t.signal,
      });
      start.resume();
      const location = locationOf(t, start.headers.location);
      location.searchParams.set("digest", digest);
      const res = await t.client.request("PUT", "", {
        url: location,
        headers: { "Content-Type": "application/octet-stream", "Content-Length": String(bytes.length) },
        body: bytes,
        scopes: t.scopes,
        ok: (s) => s === 201,
        signal: t.signal,
      });
      await readBody(res);
    },
    t.signal,
  );
}
