import { createHash } from "node:crypto";
import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { posix } from "node:path";
import { finished } from "node:stream/promises";
import tar from "tar-stream";
import { invalid, KapselError } from "../../lib/errors.ts";
import { decompressStream } from "../../lib/tar/compression.ts";
import { cleanEntryPath } from "../../lib/tar/entry-path.ts";
import type { LayerInfo } from "../storage/index.ts";

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

interface Planned {
  config: Buffer;
  diffIds: string[];
  layerFiles: string[];
  repoTags: string[];
}

/**
 * docker load: reads an archive of docker save (Docker 25+'s layout, blobs/sha256/... named by
 * manifest.json, or the older one, <id>/layer.tar and <id>.json), plain or compressed. The archive
 * is unpacked into tmp first, since its entries come in any order; then every image is checked
 * (configs parse, every layer is there and as many as the config's diff_ids) before anything is
 * stored, and each layer is applied with its expected diffId. A layer that does not match fails
 * the load and the layers it had added are released: nothing half-loaded stays. Returns Docker's
 * lines: "Loaded image: name:tag", or "Loaded image ID: sha256:…" for an untagged image.
 */
export async function loadImages(
  targets: LoadTargets,
  archive: NodeJS.ReadableStream,
  tmpRoot: string,
): Promise<string[]> {
  await mkdir(tmpRoot, { recursive: true });
  const dir = await mkdtemp(posix.join(tmpRoot, "load-"));
  try {
    const links = await unpackArchive(archive, dir);
    const plan = await planLoad(dir, links);
    const lines: string[] = [];
    for (const p of plan) lines.push(...(await loadOne(targets, p)));
    return lines;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Unpacks the regular files of the archive under dir; symlinks and hard links are returned as aliases. */
async function unpackArchive(archive: NodeJS.ReadableStream, dir: string): Promise<Map<string, string>> {
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
      const host = posix.join(dir, rel);
      await mkdir(posix.dirname(host), { recursive: true });
      const out = createWriteStream(host, { flags: "wx" });
      for await (const chunk of entry as unknown as AsyncIterable<Buffer>)
        if (!out.write(chunk)) await once(out, "drain");
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

async function planLoad(dir: string, links: Map<string, string>): Promise<Planned[]> {
  const path = (rel: string) => {
    let clean = cleanEntryPath(rel);
    for (let i = 0; i < 10 && links.has(clean); i++) clean = links.get(clean) ?? clean;
    return posix.join(dir, clean);
  };
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
    const layerFiles = m.Layers.map((l) => path(l));
    for (const [i, f] of layerFiles.entries())
      if (
        !(await stat(f).then(
          (s) => s.isFile(),
          () => false,
        ))
      )
        throw invalid(`invalid image archive: layer ${m.Layers[i]} is missing`);
    out.push({ config, diffIds: diffIds as string[], layerFiles, repoTags: m.RepoTags ?? [] });
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
      const layer = await storage.applyLayer(parent, createReadStream(p.layerFiles[i]), { diffId });
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
