import { createHash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { posix } from "node:path";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import tar from "tar-stream";
import { invalid, KapselError } from "../../lib/errors.ts";
import { decompressStream, detectCompression } from "../../lib/tar/compression.ts";
import { cleanEntryPath } from "../../lib/tar/entry-path.ts";
import type { LayerInfo, StagedLayer } from "../storage/index.ts";

/** What load needs of the image store and of storage. */
export interface LoadTargets {
  images: {
    addImage(config: Uint8Array, o?: { repoTag?: string }): Promise<string>;
    tag(ref: string, repoTag: string): void;
  };
  storage: {
    applyLayer(
      parent: string | undefined,
      tar: NodeJS.ReadableStream,
      expect?: { diffId?: string },
    ): Promise<LayerInfo>;
    stageLayer(tar: NodeJS.ReadableStream, expect?: { diffId?: string }): Promise<StagedLayer>;
    getLayer(chainId: string): LayerInfo | undefined;
    releaseLayer(chainId: string): Promise<boolean>;
  };
  /** Docker's "load" image event, one per image */
  events?: {
    publish(type: "image", action: string, id: string, attributes?: Record<string, string>): unknown;
  };
}

interface ManifestEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

/** A layer of the archive: staged while reading it, or (not recognised as a tar then) a file. */
type PlannedLayer = { layer: StagedLayer } | { file: string };

interface Planned {
  config: Buffer;
  diffIds: string[];
  layers: PlannedLayer[];
  repoTags: string[];
}

/**
 * docker load: reads an archive of docker save (Docker 25+'s layout, blobs/sha256/... named by
 * manifest.json, or the older one, <id>/layer.tar and <id>.json), plain or compressed, in one
 * pass: its entries come in any order (manifest.json usually last), so every entry that is a
 * tar (plain or compressed) is staged into storage as it streams by, unpacked but not yet placed
 * (storage.stageLayer), and the other files (configs, manifests) go to a tmp dir. Then every
 * image is checked (configs parse, every layer is there and as many as the config's diff_ids)
 * before anything is stored, and each layer is committed on its parent if its diffId is the
 * expected one. A layer that does not match fails the load, the layers it had added are
 * released, and what was staged is dropped: nothing half-loaded stays. Returns Docker's lines:
 * "Loaded image: name:tag", or "Loaded image ID: sha256:…" for an untagged image.
 */
export async function loadImages(
  targets: LoadTargets,
  archive: NodeJS.ReadableStream,
  tmpRoot: string,
): Promise<string[]> {
  await mkdir(tmpRoot, { recursive: true });
  const dir = await mkdtemp(posix.join(tmpRoot, "load-"));
  const staged = new Map<string, StagedOrFailed>();
  try {
    const links = await readArchive(archive, dir, targets.storage, staged);
    const plan = await planLoad(dir, links, staged);
    const lines: string[] = [];
    for (const p of plan) lines.push(...(await loadOne(targets, p)));
    return lines;
  } finally {
    for (const s of staged.values()) if ("layer" in s) await s.layer.discard().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

/** A tar entry of the archive staged as a layer, or why staging it failed (it may be no layer). */
type StagedOrFailed = { layer: StagedLayer } | { error: unknown };

/**
 * Reads the archive: tars are staged as layers (keyed by their path in the archive), other
 * regular files written under dir; symlinks and hard links are returned as aliases.
 */
async function readArchive(
  archive: NodeJS.ReadableStream,
  dir: string,
  storage: LoadTargets["storage"],
  staged: Map<string, StagedOrFailed>,
): Promise<Map<string, string>> {
  const links = new Map<string, string>();
  const extract = tar.extract();
  const plain = await decompressStream(archive);
  plain.on("error", (err) => extract.destroy(err));
  plain.pipe(extract as unknown as NodeJS.WritableStream);
  try {
    for await (const entry of extract) {
      const h = entry.header;
      const rel = cleanEntryPath(h.name);
      if (rel !== "" && (h.type === "symlink" || h.type === "link")) {
        const target = h.type === "symlink" ? posix.join(posix.dirname(rel), h.linkname ?? "") : h.linkname;
        links.set(rel, cleanEntryPath(target ?? ""));
      }
      if (rel === "" || (h.type !== "file" && h.type !== "contiguous-file")) {
        entry.resume();
        continue;
      }
      const body = new EntryBody(entry as unknown as AsyncIterable<Buffer>);
      const head = await body.head(TAR_BLOCK);
      if (isLayerBlob(head, h.size ?? 0)) {
        const prior = staged.get(rel);
        if (prior && "layer" in prior) await prior.layer.discard();
        staged.set(
          rel,
          await storage.stageLayer(body.readable()).then(
            (layer) => ({ layer }),
            (error: unknown) => ({ error }),
          ),
        );
        await body.drain(); // what a failed staging left unread
        continue;
      }
      const host = posix.join(dir, rel);
      await mkdir(posix.dirname(host), { recursive: true });
      const out = createWriteStream(host, { flags: "wx" });
      for await (const chunk of body.chunks()) if (!out.write(chunk)) await once(out, "drain");
      out.end();
      await finished(out);
    }
  } catch (err) {
    // the rest of the request is read and dropped, so the client hears the answer
    plain.unpipe();
    plain.resume();
    if (err instanceof KapselError) throw err;
    throw invalid(`invalid tar archive: ${(err as Error).message}`, err);
  }
  return links;
}

const TAR_BLOCK = 512;

/**
 * An archive entry's bytes, read once: its first bytes looked at, then all of them (those first
 * ones again) handed on as chunks or as a Node stream. `drain` reads what the consumer left,
 * as tar-stream needs an entry read to its end before the next.
 */
class EntryBody {
  readonly #it: AsyncIterator<Buffer>;
  #ahead: Buffer[] = [];
  #reading?: Promise<unknown>;
  #out?: Readable;
  #done = false;

  constructor(body: AsyncIterable<Buffer>) {
    this.#it = body[Symbol.asyncIterator]();
  }

  /** The first `want` bytes, or all if fewer. */
  async head(want: number): Promise<Buffer> {
    let n = 0;
    while (n < want) {
      const r = await this.#it.next();
      if (r.done) {
        this.#done = true;
        break;
      }
      this.#ahead.push(r.value);
      n += r.value.length;
    }
    return Buffer.concat(this.#ahead).subarray(0, want);
  }

  async #next(): Promise<Buffer | undefined> {
    const early = this.#ahead.shift();
    if (early) return early;
    if (this.#done) return undefined;
    const r = await this.#it.next();
    if (r.done) this.#done = true;
    return r.done ? undefined : r.value;
  }

  async *chunks(): AsyncGenerator<Buffer> {
    for (let c = await this.#next(); c; c = await this.#next()) yield c;
  }

  readable(): Readable {
    const out: Readable = new Readable({
      highWaterMark: 1024 * 1024,
      read: () => {
        const p = this.#next();
        this.#reading = p;
        p.then(
          (c) => out.push(c ?? null),
          (err: Error) => out.destroy(err),
        );
      },
    });
    this.#out = out;
    return out;
  }

  async drain(): Promise<void> {
    this.#out?.destroy(); // no more reads from it
    await this.#reading?.catch(() => {});
    this.#ahead = [];
    while (!this.#done) {
      const r = await this.#it.next();
      if (r.done) this.#done = true;
    }
  }
}

/**
 * Whether an archive file is a layer: compressed (layers are the only compressed files docker
 * save and OCI layouts hold), or a tar by its first header block: the ustar magic, a valid
 * checksum (v7 tars), or an empty tar's zeros. Configs and manifests are JSON, never these.
 */
function isLayerBlob(head: Buffer, size: number): boolean {
  if (detectCompression(head) !== "none") return true;
  if (size < 2 * TAR_BLOCK || size % TAR_BLOCK !== 0 || head.length < TAR_BLOCK) return false;
  if (head.subarray(257, 262).toString("latin1") === "ustar") return true;
  if (head.every((b) => b === 0)) return true;
  const recorded = Number.parseInt(
    head.subarray(148, 156).toString("latin1").replace(/\0.*$/s, "").trim(),
    8,
  );
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : head[i];
  return recorded === sum;
}

async function planLoad(
  dir: string,
  links: Map<string, string>,
  staged: Map<string, StagedOrFailed>,
): Promise<Planned[]> {
  const resolve = (rel: string) => {
    let clean = cleanEntryPath(rel);
    for (let i = 0; i < 10 && links.has(clean); i++) clean = links.get(clean) ?? clean;
    return clean;
  };
  const path = (rel: string) => posix.join(dir, resolve(rel));
  const read = (rel: string, what: string) =>
    readFile(path(rel)).catch(() => {
      throw invalid(`invalid image archive: ${what} ${rel} is missing`);
    });
  let manifest: ManifestEntry[];
  try {
    manifest = JSON.parse((await readFile(path("manifest.json"))).toString());
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    throw invalid(
      `invalid image archive: ${missing ? "no manifest.json in it" : "manifest.json is not valid JSON"}`,
    );
  }
  if (!Array.isArray(manifest)) throw invalid("invalid image archive: manifest.json is not a list");
  const out: Planned[] = [];
  for (const m of manifest) {
    if (typeof m?.Config !== "string" || !Array.isArray(m.Layers))
      throw invalid("invalid image archive: a manifest.json entry lacks Config or Layers");
    const config = await read(m.Config, "image config");
    let diffIds: unknown;
    try {
      diffIds = JSON.parse(config.toString()).rootfs?.diff_ids;
    } catch {
      throw invalid(`invalid image archive: image config ${m.Config} is not valid JSON`);
    }
    if (
      !Array.isArray(diffIds) ||
      diffIds.some((d) => typeof d !== "string" || !/^sha256:[a-f0-9]{64}$/.test(d))
    )
      throw invalid(`invalid image archive: image config ${m.Config} has no valid rootfs.diff_ids`);
    if (diffIds.length !== m.Layers.length)
      throw invalid(
        `invalid image archive: ${m.Layers.length} layers for the ${diffIds.length} of image config ${m.Config}`,
      );
    const layers: PlannedLayer[] = [];
    for (const l of m.Layers) {
      const s = staged.get(resolve(l));
      if (s && "layer" in s) layers.push(s);
      else if (s)
        throw s.error; // a tar that is no layer
      else if (
        await stat(path(l)).then(
          (st) => st.isFile(),
          () => false,
        )
      )
        layers.push({ file: path(l) });
      else throw invalid(`invalid image archive: layer ${l} is missing`);
    }
    out.push({ config, diffIds: diffIds as string[], layers, repoTags: m.RepoTags ?? [] });
  }
  return out;
}

async function loadOne({ images, storage, events }: LoadTargets, p: Planned): Promise<string[]> {
  const added: string[] = [];
  let parent: string | undefined;
  try {
    for (const [i, diffId] of p.diffIds.entries()) {
      const chainId = parent
        ? `sha256:${createHash("sha256").update(`${parent} ${diffId}`).digest("hex")}`
        : diffId;
      const had = storage.getLayer(chainId) !== undefined;
      const planned = p.layers[i];
      let layer: LayerInfo;
      if ("layer" in planned) {
        if (planned.layer.diffId !== diffId)
          throw invalid(`layer digest mismatch: expected ${diffId}, got ${planned.layer.diffId}`);
        layer = await planned.layer.commit(parent);
      } else layer = await storage.applyLayer(parent, createReadStream(planned.file), { diffId });
      if (!had) added.push(layer.chainId);
      parent = layer.chainId;
    }
    const id = await images.addImage(p.config);
    for (const t of p.repoTags) images.tag(id, t);
    events?.publish("image", "load", id, { ...labelsOf(p.config), name: id });
    return p.repoTags.length > 0 ? p.repoTags.map((t) => `Loaded image: ${t}`) : [`Loaded image ID: ${id}`];
  } catch (err) {
    for (const chainId of added.reverse()) await storage.releaseLayer(chainId).catch(() => {});
    throw err;
  }
}

function labelsOf(config: Buffer): Record<string, string> {
  try {
    return JSON.parse(config.toString()).config?.Labels ?? {};
  } catch {
    return {};
  }
}
