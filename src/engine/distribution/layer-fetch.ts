import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { KapselError } from "../../lib/errors.ts";
import type { NamedRef } from "../images/index.ts";
import type { LayerInfo, StagedLayer } from "../storage/index.ts";
import { type DistributionContext, withRetries } from "./context.ts";
import { decompressSource } from "./decompress.ts";
import { fileSource, GrowingFile } from "./growing-file.ts";
import { bodyError } from "./http-transport.ts";
import { Limiter } from "./limiter.ts";
import type { ImageManifest } from "./manifest.ts";
import { byteProgress, type ProgressSink, shortId, update } from "./progress.ts";
import type { RegistryClient } from "./registry-client.ts";

/** Layers downloaded at once (Docker's max-concurrent-downloads default). */
const DOWNLOADS_AT_ONCE = 3;

/** chain ids of a list of diff ids, bottom first (the image spec's ChainID). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const parent = out.at(-1);
    out.push(parent ? `sha256:${createHash("sha256").update(`${parent} ${d}`).digest("hex")}` : d);
  }
  return out;
}

/** One layer's download: the file it is landing in (a new one per attempt), and its end. */
interface LayerDownload {
  file?: GrowingFile;
  /** set when the verified blob is in the store */
  complete: boolean;
  /** waiting for the first attempt to begin (or the blob to be there already) */
  waiters: Array<() => void>;
  done: Promise<void>;
}

/**
 * Downloads the layers that are not unpacked yet, 3 at a time, each straight into the blob
 * store (hashed on the way, renamed in only when its digest is right), and unpacks them while
 * they download, by following their files as they grow (a layer fed from a download that
 * proves bad fails before it is committed): 3 at a time side by side when storage can stage
 * layers, each then placed on the one below it in order; else bottom up, one at a time.
 * On failure the other downloads stop, and layers this pull unpacked that no image uses are
 * released again.
 */
export async function fetchLayers(
  ctx: DistributionContext,
  client: RegistryClient,
  ref: NamedRef,
  manifest: ImageManifest,
  diffIds: string[],
  sink: ProgressSink,
  outer?: AbortSignal,
): Promise<void> {
  const chains = chainIds(diffIds);
  const ids = manifest.layers.map((l) => shortId(l.digest));
  const unpin = ctx.blobs.pin(diffIds);
  await ctx.blobs.settled(); // what is pinned now stays; a prune under way may still remove blobs
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort();
  outer?.addEventListener("abort", onOuterAbort);
  const signal = abort.signal;
  const missing: number[] = [];
  chains.forEach((c, i) => {
    if (ctx.storage.getLayer(c)) update(sink, ids[i], "Already exists");
    else {
      update(sink, ids[i], "Pulling fs layer");
      missing.push(i);
    }
  });
  const limiter = new Limiter(DOWNLOADS_AT_ONCE);
  const downloads = new Map<string, LayerDownload>();
  for (const i of missing) {
    const layer = manifest.layers[i];
    if (downloads.has(layer.digest)) continue;
    const dl: LayerDownload = { complete: false, waiters: [], done: Promise.resolve() };
    const wake = () => {
      for (const w of dl.waiters.splice(0)) w();
    };
    dl.done = limiter
      .run(
        () =>
          downloadLayer(ctx, client, ref, layer, ids[i], sink, signal, (file) => {
            dl.file = file;
            wake();
          }),
        () => update(sink, ids[i], "Waiting"),
      )
      .then(
        () => {
          dl.complete = true;
          wake();
        },
        (err: unknown) => {
          wake();
          throw err;
        },
      );
    dl.done.catch(() => {}); // awaited below, in layer order
    downloads.set(layer.digest, dl);
  }
  /**
   * One layer's tar, fed to `use`: while the download runs, by following its file (a first
   * attempt whose download then fails and is retried is fed again from the finished blob).
   * What `use` returns counts only once the download is verified; if it is not, `undo` drops it.
   */
  const feedLayer = async <T>(
    i: number,
    use: (tar: Readable) => Promise<T>,
    undo?: (made: T) => Promise<void>,
  ): Promise<T> => {
    const layer = manifest.layers[i];
    const dl = downloads.get(layer.digest)!;
    for (let attempt = 0; ; attempt++) {
      // once the first download attempt has begun, follow it; a retried or finished one is read whole
      if (!dl.complete && !dl.file) await new Promise<void>((r) => dl.waiters.push(r));
      const following = !dl.complete && attempt === 0 ? dl.file : undefined;
      const progress = byteProgress(sink, ids[i], "Extracting", layer.size);
      // extraction is shown once the download is (Docker's order); the last count is kept for done()
      let extracted = 0;
      const tick = (n: number) => {
        extracted = n;
        if (dl.complete) progress.tick(n);
      };
      const source = following ? following.source(tick) : fileSource(ctx.blobs.blobPath(layer.digest), tick);
      const feed = decompressSource(source);
      let made: { value: T } | undefined;
      try {
        made = { value: await use(feed.tar) };
        await dl.done; // the bytes are verified before the layer counts as pulled
        progress.tick(extracted);
        progress.done();
        return made.value;
      } catch (err) {
        source.close();
        if (made && undo) await undo(made.value).catch(() => {});
        // the download's own failure is the one to report; a retried download is unpacked again
        const failed = await dl.done.then(
          () => undefined,
          (e: unknown) => e,
        );
        if (failed) throw failed;
        if (following && attempt === 0) continue;
        const cause = feed.failure() ?? err;
        const msg = cause instanceof Error ? cause.message : String(cause);
        throw new KapselError(
          cause instanceof KapselError ? cause.kind : "internal",
          `failed to register layer: ${msg}`,
          {
            cause,
          },
        );
      }
    }
  };

  // storage that can stage layers unpacks them side by side as their bytes arrive; each is
  // placed on its parent in order. Otherwise each is applied once the one below it is in.
  const stageLayer = ctx.storage.stageLayer?.bind(ctx.storage);
  const unpacks = new Limiter(DOWNLOADS_AT_ONCE);
  const staged = new Map<number, Promise<StagedLayer>>();
  if (stageLayer)
    for (const i of missing) {
      const p = unpacks.run(() =>
        feedLayer(
          i,
          // storage keeps the verified blob (linked) as the layer's tar, not a plain copy
          (tar) =>
            stageLayer(
              tar,
              { diffId: diffIds[i] },
              { packedAt: ctx.blobs.blobPath(manifest.layers[i].digest) },
            ),
          (st) => st.discard(),
        ),
      );
      p.catch(() => {});
      staged.set(i, p);
    }
  const applied: string[] = [];
  try {
    for (const i of missing) {
      const before = ctx.storage.getLayer(chains[i]);
      const parent = i > 0 ? chains[i - 1] : undefined;
      const st = staged.get(i);
      let info: LayerInfo;
      if (st) {
        const layer = await st;
        try {
          info = await layer.commit(parent);
        } catch (err) {
          const msg = err instanceof Error ? err.message : String(err);
          throw new KapselError(
            err instanceof KapselError ? err.kind : "internal",
            `failed to register layer: ${msg}`,
            {
              cause: err,
            },
          );
        } finally {
          await layer.discard();
        }
      } else info = await feedLayer(i, (tar) => ctx.storage.applyLayer(parent, tar, { diffId: diffIds[i] }));
      if (info.chainId !== chains[i])
        throw new KapselError("internal", `layer ${chains[i]} unpacked as ${info.chainId}`);
      if (!before) applied.push(info.chainId);
      update(sink, ids[i], "Pull complete");
    }
  } catch (err) {
    abort.abort();
    await Promise.allSettled([...downloads.values()].map((d) => d.done));
    // staged layers not placed are dropped (discard is idempotent)
    await Promise.allSettled([...staged.values()].map((p) => p.then((st) => st.discard())));
    await releaseUnused(ctx, applied);
    throw err;
  } finally {
    outer?.removeEventListener("abort", onOuterAbort);
    unpin();
  }
}

/** Layers a failed pull unpacked, released top down unless an image came to use them meanwhile. */
async function releaseUnused(ctx: DistributionContext, chainIdsApplied: string[]): Promise<void> {
  const used = new Set(ctx.images.list().flatMap((i) => i.layers));
  for (const c of [...chainIdsApplied].reverse()) {
    if (used.has(c)) break;
    await ctx.storage.releaseLayer(c).catch(() => {});
  }
}

async function downloadLayer(
  ctx: DistributionContext,
  client: RegistryClient,
  ref: NamedRef,
  layer: { digest: string; size: number; mediaType: string },
  id: string,
  sink: ProgressSink,
  signal: AbortSignal,
  onAttempt: (file: GrowingFile) => void,
): Promise<void> {
  // kept from an earlier pull (of another image, or a layer unpacked and later removed)
  if (await ctx.blobs.hasData(layer.digest)) {
    update(sink, id, "Download complete");
    return;
  }
  await withRetries(
    ctx,
    sink,
    id,
    async () => {
      const res = await client.request("GET", `/v2/${ref.path}/blobs/${layer.digest}`, {
        scopes: [`repository:${ref.path}:pull`],
        redirect: true,
        signal,
      });
      const total = layer.size || Number(res.headers["content-length"] ?? 0);
      const progress = byteProgress(sink, id, "Downloading", total);
      let verifying = false;
      const file = new GrowingFile(ctx.blobs.tmpPath("blob"));
      onAttempt(file);
      await ctx.blobs
        .ingest(
          res,
          { digest: layer.digest, size: layer.size },
          {
            file,
            onBytes: (n) => {
              progress.tick(n);
              if (n >= total && !verifying) {
                verifying = true;
                progress.done();
                update(sink, id, "Verifying Checksum");
              }
            },
          },
        )
        .catch((err) => {
          throw bodyError(err);
        });
      if (!verifying) {
        progress.done();
        update(sink, id, "Verifying Checksum");
      }
    },
    signal,
  );
  update(sink, id, "Download complete");
}
