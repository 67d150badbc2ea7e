import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip, deflateRawSync } from "node:zlib";
import { KapselError, notImplemented } from "../../lib/errors.ts";
import { type BlobVariant, DigestCounter } from "./blob-store.ts";
import type { DistributionContext } from "./context.ts";
import { decompressLayer } from "./decompress.ts";
import { MT } from "./manifest.ts";

/** How much of a layer is tried first to see whether it compresses at all. */
const SAMPLE = 1024 * 1024;
const CHUNK = 256 * 1024;

/**
 * Compresses a layer made here into the blob store, once: later pushes send the same bytes.
 * gzip at level 1 (what a push waits on; registries do not care), or level 0 (stored blocks,
 * still gzip) when the first MiB does not shrink: deflate of incompressible data is slow
 * (here 40 MB/s, against 1 GB/s stored) and gains nothing. Checks that the tar storage gives
 * back is the one the image names (its diffId).
 */
export async function compressLayer(
  ctx: DistributionContext,
  diffId: string,
  chainId: string,
): Promise<BlobVariant> {
  if (!ctx.storage.layerTar)
    throw notImplemented(
      `pushing layer ${diffId}: it was made here and never pulled, and storage cannot give its tar back yet`,
    );
  const tmp = ctx.blobs.tmpPath("gzip");
  const plain = new DigestCounter();
  const compressed = new DigestCounter();
  const feed = decompressLayer(ctx.storage.layerTar(chainId) as Readable);
  try {
    await pipeline(feed.tar, plain, adaptiveGzip, compressed, createWriteStream(tmp));
    const failure = feed.failure();
    if (failure) throw failure;
    if (plain.digest() !== diffId)
      throw new KapselError(
        "internal",
        `layer ${chainId} gave back a tar of ${plain.digest()}, not ${diffId}`,
      );
    const digest = compressed.digest();
    await ctx.blobs.adopt(tmp, digest);
    const v = { digest, mediaType: MT.dockerLayer, size: compressed.bytes, compression: "gzip" as const };
    ctx.blobs.record(diffId, v);
    return { ...v, repos: [] };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * A gzip pipeline stage whose level is chosen from the first MiB: a function of the source's
 * async iterable, yielding the compressed bytes.
 */
async function* adaptiveGzip(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let n = 0;
  let ended = false;
  while (n < SAMPLE) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    head.push(r.value);
    n += r.value.length;
  }
  const sample = Buffer.concat(head).subarray(0, SAMPLE);
  const shrinks = sample.length === 0 || deflateRawSync(sample, { level: 1 }).length < sample.length * 0.9;
  const gzip = createGzip({ level: shrinks ? 1 : 0, chunkSize: CHUNK });
  async function* all(): AsyncGenerator<Buffer> {
    yield* head;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  const out = new PassThrough({ highWaterMark: CHUNK });
  const done = pipeline(Readable.from(all()), gzip, out);
  done.catch(() => {});
  for await (const chunk of out) yield chunk as Buffer;
  await done;
}
