import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { posix } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { writeJsonAtomic } from "../../lib/atomic-file.ts";
import { invalid } from "../../lib/errors.ts";
import { GrowingFile } from "./growing-file.ts";
import type { LayerCompression } from "./manifest.ts";

/**
 * The compressed form of layers, exactly as a registry served them (or as kapsel compressed
 * them once for a push), so that a push never recompresses and a base layer is fetched once.
 * Beside the bytes, what is known of each: its uncompressed digest (diffId), media type, and
 * the repositories that have it (for existence checks and cross-repository mounts). A layer
 * may be known in a repository without its bytes being here (a pull that found the layer
 * already unpacked). And the manifest each pulled image came with, so that pushing it back
 * gives the same digest.
 *
 * On disk, under <data-root>/distribution:
 *   blobs/sha256/<hex>          compressed layer bytes, verified against <hex> before renamed in
 *   layers/<diffId hex>.json    { diffId, blobs: [{ digest, mediaType, size, compression, repos }] }
 *   manifests/<image hex>.json  { digest, mediaType, manifest } of an image pulled by manifest
 *   tmp/                        downloads and compressions under way; emptied at start
 */
export interface BlobVariant {
  digest: string;
  mediaType: string;
  size: number;
  compression: LayerCompression;
  /** "registry/path" of repositories known to hold the blob */
  repos: string[];
}

interface LayerRecord {
  diffId: string;
  blobs: BlobVariant[];
}

export interface KeptManifest {
  digest: string;
  mediaType: string;
  /** the manifest's bytes, as text (manifests are JSON) */
  manifest: string;
}

const hexOf = (d: string) => d.replace(/^sha256:/, "");

/** A Transform that counts what passes through it. */
export class ByteCounter extends Transform {
  bytes = 0;
  readonly #onBytes: (n: number) => void;
  constructor(onBytes: (total: number) => void) {
    super({ highWaterMark: 1024 * 1024 });
    this.#onBytes = onBytes;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void) {
    this.bytes += chunk.length;
    this.#onBytes(this.bytes);
    cb(null, chunk);
  }
}

/** A Transform that hashes and counts what passes through it. */
export class DigestCounter extends Transform {
  readonly #hash = createHash("sha256");
  bytes = 0;
  readonly #onBytes?: (n: number) => void;
  constructor(onBytes?: (total: number) => void) {
    super({ highWaterMark: 256 * 1024 });
    this.#onBytes = onBytes;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void) {
    this.#hash.update(chunk);
    this.bytes += chunk.length;
    this.#onBytes?.(this.bytes);
    cb(null, chunk);
  }
  #digest?: string;
  /** The digest of everything that passed (once the stream has ended); may be asked again. */
  digest(): string {
    this.#digest ??= `sha256:${this.#hash.digest("hex")}`;
    return this.#digest;
  }
}

export class BlobStore {
  readonly root: string;
  readonly #layers = new Map<string, LayerRecord>(); // by diffId
  readonly #byDigest = new Map<string, string>(); // compressed digest → diffId
  /** digests and diffIds a pull or push is working with: prune leaves them alone */
  readonly #pins = new Map<string, number>();
  /** the prune under way, if any */
  #pruning: Promise<void> = Promise.resolve();

  constructor(root: string) {
    this.root = root;
    for (const d of ["blobs/sha256", "layers", "manifests"])
      mkdirSync(posix.join(root, d), { recursive: true });
    rmSync(posix.join(root, "tmp"), { recursive: true, force: true });
    mkdirSync(posix.join(root, "tmp"));
    for (const file of readdirSync(posix.join(root, "layers"))) {
      try {
        const rec = JSON.parse(readFileSync(posix.join(root, "layers", file), "utf8")) as LayerRecord;
        this.#layers.set(rec.diffId, rec);
        for (const b of rec.blobs) this.#byDigest.set(b.digest, rec.diffId);
      } catch {
        // a record cut short cannot happen (written atomically); anything else is foreign
      }
    }
  }

  /** Keeps prune away from these digests/diffIds until the returned function is called. */
  pin(keys: string[]): () => void {
    for (const k of keys) this.#pins.set(k, (this.#pins.get(k) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const k of keys) {
        const n = (this.#pins.get(k) ?? 1) - 1;
        if (n <= 0) this.#pins.delete(k);
        else this.#pins.set(k, n);
      }
    };
  }

  blobPath(digest: string): string {
    return posix.join(this.root, "blobs/sha256", hexOf(digest));
  }

  tmpPath(kind: string): string {
    return posix.join(this.root, "tmp", `${kind}-${randomBytes(8).toString("hex")}`);
  }

  /** Whether the bytes of a compressed blob are here. */
  async hasData(digest: string): Promise<boolean> {
    return stat(this.blobPath(digest)).then(
      () => true,
      () => false,
    );
  }

  /** The compressed forms known for a layer; those with bytes here first. */
  variants(diffId: string): BlobVariant[] {
    return [...(this.#layers.get(diffId)?.blobs ?? [])];
  }

  diffIdOf(digest: string): string | undefined {
    return this.#byDigest.get(digest);
  }

  /** Records a compressed form of a layer, and a repository that holds it; idempotent. */
  record(diffId: string, v: Omit<BlobVariant, "repos">, repo?: string): void {
    const rec = this.#layers.get(diffId) ?? { diffId, blobs: [] };
    let variant = rec.blobs.find((b) => b.digest === v.digest);
    if (variant && (!repo || variant.repos.includes(repo))) return;
    if (!variant) {
      variant = { ...v, repos: [] };
      rec.blobs.push(variant);
    }
    if (repo) variant.repos.push(repo);
    this.#layers.set(diffId, rec);
    this.#byDigest.set(v.digest, diffId);
    writeJsonAtomic(posix.join(this.root, "layers", `${hexOf(diffId)}.json`), rec);
  }

  /**
   * Writes a stream to a temporary file, hashing on the way, and renames it into the store
   * when its digest (and size, when given) is the expected one. Otherwise the file goes and
   * this throws Docker's "filesystem layer verification failed". `file` lets a reader follow
   * the bytes as they land (see growing-file.ts); it is finished (done or failed) here.
   */
  async ingest(
    source: Readable,
    expect: { digest: string; size?: number },
    o: { onBytes?: (total: number) => void; file?: GrowingFile } = {},
  ): Promise<void> {
    const file = o.file ?? new GrowingFile(this.tmpPath("blob"));
    const tmp = file.path;
    const writer = file.writer(o.onBytes);
    try {
      await pipeline(source, writer);
      if (writer.digest() !== expect.digest || (expect.size !== undefined && expect.size !== writer.bytes))
        throw invalid(`filesystem layer verification failed for digest ${expect.digest}`);
      await rename(tmp, this.blobPath(expect.digest));
      file.path = this.blobPath(expect.digest);
      file.finish();
    } catch (err) {
      file.finish(err as Error);
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /** Moves a file already verified to hold `digest` into the store. */
  async adopt(tmp: string, digest: string): Promise<void> {
    await rename(tmp, this.blobPath(digest));
  }

  open(digest: string, o?: { highWaterMark?: number }): Readable {
    return createReadStream(this.blobPath(digest), { highWaterMark: o?.highWaterMark ?? 1024 * 1024 });
  }

  keepManifest(imageId: string, m: KeptManifest): void {
    writeJsonAtomic(posix.join(this.root, "manifests", `${hexOf(imageId)}.json`), m);
  }

  manifestOf(imageId: string): KeptManifest | undefined {
    try {
      return JSON.parse(readFileSync(posix.join(this.root, "manifests", `${hexOf(imageId)}.json`), "utf8"));
    } catch {
      return undefined;
    }
  }

  /**
   * Resolves once the prune under way (if any) is over. A pull or push pins what it uses, then
   * waits for this: a prune that had looked at a blob before the pin may still be removing it,
   * and `hasData` would say it is there (docker rmi, whose prune runs after it answers, then
   * docker pull of the same image).
   */
  settled(): Promise<void> {
    return this.#pruning;
  }

  /**
   * Forgets what no image needs any more: layer records (and their bytes) whose diffId no
   * image has, and manifests of images that are gone. Blobs being downloaded are in tmp/ and
   * not touched.
   */
  prune(usedDiffIds: Set<string>, imageIds: Set<string>): Promise<void> {
    const run = this.#pruning.then(() => this.#prune(usedDiffIds, imageIds));
    this.#pruning = run.catch(() => {});
    return run;
  }

  async #prune(usedDiffIds: Set<string>, imageIds: Set<string>): Promise<void> {
    for (const [diffId, rec] of [...this.#layers]) {
      if (usedDiffIds.has(diffId) || this.#pins.has(diffId)) continue;
      this.#layers.delete(diffId);
      for (const b of rec.blobs) {
        this.#byDigest.delete(b.digest);
        await rm(this.blobPath(b.digest), { force: true });
      }
      await rm(posix.join(this.root, "layers", `${hexOf(diffId)}.json`), { force: true });
    }
    // bytes that no record names (a pull that failed before recording them)
    for (const hex of readdirSync(posix.join(this.root, "blobs/sha256"))) {
      const digest = `sha256:${hex}`;
      if (!this.#byDigest.has(digest) && !this.#pins.has(digest))
        await rm(posix.join(this.root, "blobs/sha256", hex), { force: true });
    }
    for (const file of readdirSync(posix.join(this.root, "manifests"))) {
      const id = `sha256:${file.replace(/\.json$/, "")}`;
      if (!imageIds.has(id) && !this.#pins.has(id))
        await rm(posix.join(this.root, "manifests", file), { force: true });
    }
  }
}
