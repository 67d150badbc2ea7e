import { createHash } from "node:crypto";
import type { Readable } from "node:stream";
import { packStream } from "../../lib/tar/pack-stream.ts";
import type { ImageRecord } from "./index.ts";
import { canonicalString, familiarName, parseAnyReference, parseNormalizedNamed } from "./reference.ts";

/** What save needs of the image store and of storage. */
export interface SaveSources {
  images: { list(): ImageRecord[]; resolve(ref: string): ImageRecord; configBytes(id: string): Buffer };
  storage: {
    layerTar(chainId: string): NodeJS.ReadableStream;
    layerTarSize(chainId: string): Promise<number>;
  };
  /** Docker's "save" image event, one per image once it is in the archive */
  events?: {
    publish(type: "image", action: string, id: string, attributes?: Record<string, string>): unknown;
  };
}

interface SavedImage {
  img: ImageRecord;
  /** familiar name:tag forms, in the order asked */
  tags: string[];
}

const EPOCH = new Date(0);
const hexOf = (digest: string) => digest.replace(/^sha256:/, "");
const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/**
 * docker save: the images names refer to, as one tar in Docker 25+'s layout, which both Docker's
 * older readers (manifest.json, repositories) and OCI tools (oci-layout, index.json) read:
 *   oci-layout, index.json            the OCI image layout; one manifest per image and tag
 *   blobs/sha256/<hex>                configs, OCI manifests, and layers as plain tars (digest = diffId)
 *   manifest.json                     [{ Config, RepoTags, Layers }], paths into blobs/
 *   repositories                      { name: { tag: top layer hex } }
 * A name without a tag saves every tag of that repository, as Docker does; an id saves the
 * image untagged. Every name is resolved before the first byte (so a wrong one is a plain 404),
 * then layers stream from storage one after the other.
 */
export async function saveImages(src: SaveSources, names: string[]): Promise<Readable> {
  const byId = new Map<string, SavedImage>();
  for (const name of names) {
    for (const { img, tag } of resolveName(src.images, name)) {
      const saved = byId.get(img.id) ?? { img, tags: [] };
      byId.set(img.id, saved);
      if (tag && !saved.tags.includes(tag)) saved.tags.push(tag);
    }
  }
  const sizes = new Map<string, number>();
  for (const { img } of byId.values())
    for (const chainId of img.layers) sizes.set(chainId, await src.storage.layerTarSize(chainId));

  return packStream(async (add) => {
    const dir = (name: string) => add({ name, type: "directory", mode: 0o755, mtime: EPOCH });
    const file = (name: string, body: Uint8Array | string) => {
      const bytes = typeof body === "string" ? Buffer.from(body) : body;
      return add({ name, type: "file", mode: 0o644, size: bytes.length, mtime: EPOCH }, bytes);
    };
    await dir("blobs/");
    await dir("blobs/sha256/");
    const written = new Set<string>();
    const index: unknown[] = [];
    const manifest: unknown[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    for (const { img, tags } of byId.values()) {
      const config = src.images.configBytes(img.id);
      const diffIds: string[] = img.config.rootfs?.diff_ids ?? [];
      const layers = img.layers.map((chainId, i) => ({
        chainId,
        digest: diffIds[i],
        size: sizes.get(chainId) ?? 0,
      }));
      if (!written.has(img.id)) await file(`blobs/sha256/${hexOf(img.id)}`, config);
      written.add(img.id);
      for (const l of layers) {
        if (written.has(l.digest)) continue;
        written.add(l.digest);
        await add(
          { name: `blobs/sha256/${hexOf(l.digest)}`, type: "file", mode: 0o644, size: l.size, mtime: EPOCH },
          src.storage.layerTar(l.chainId) as AsyncIterable<Uint8Array>,
        );
      }
      const ociManifest = Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: "application/vnd.oci.image.manifest.v1+json",
          config: {
            mediaType: "application/vnd.oci.image.config.v1+json",
            digest: img.id,
            size: config.length,
          },
          layers: layers.map((l) => ({
            mediaType: "application/vnd.oci.image.layer.v1.tar",
            digest: l.digest,
            size: l.size,
          })),
        }),
      );
      const manifestDigest = sha256(ociManifest);
      if (!written.has(manifestDigest)) await file(`blobs/sha256/${hexOf(manifestDigest)}`, ociManifest);
      written.add(manifestDigest);
      const descriptor = {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: manifestDigest,
        size: ociManifest.length,
      };
      if (tags.length === 0) index.push(descriptor);
      for (const tag of tags) {
        const ref = parseNormalizedNamed(tag);
        index.push({
          ...descriptor,
          annotations: {
            "io.containerd.image.name": canonicalString(ref),
            "org.opencontainers.image.ref.name": ref.tag ?? "latest",
          },
        });
        const top = layers.at(-1);
        if (top) (repositories[familiarName(ref)] ??= {})[ref.tag ?? "latest"] = hexOf(top.digest);
      }
      src.events?.publish("image", "save", img.id, { ...(img.config.config?.Labels ?? {}), name: img.id });
      manifest.push({
        Config: `blobs/sha256/${hexOf(img.id)}`,
        RepoTags: tags.length > 0 ? tags : null,
        Layers: layers.map((l) => `blobs/sha256/${hexOf(l.digest)}`),
      });
    }
    await file(
      "index.json",
      `${JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: index })}\n`,
    );
    await file("manifest.json", `${JSON.stringify(manifest)}\n`);
    await file("oci-layout", JSON.stringify({ imageLayoutVersion: "1.0.0" }));
    if (Object.keys(repositories).length > 0) await file("repositories", `${JSON.stringify(repositories)}\n`);
  });
}

/** The images a name stands for, each with the tag it is saved under (none for an id). */
function resolveName(images: SaveSources["images"], name: string): Array<{ img: ImageRecord; tag?: string }> {
  const any = parseAnyReference(name);
  if (any.kind === "id") return [{ img: images.resolve(name) }];
  const ref = any.ref;
  if (ref.digest) return [{ img: images.resolve(name) }];
  if (ref.tag) {
    const img = images.resolve(name);
    return [{ img, tag: `${familiarName(ref)}:${ref.tag}` }];
  }
  const repo = familiarName(ref);
  const all: Array<{ img: ImageRecord; tag?: string }> = [];
  for (const img of images.list())
    for (const t of img.repoTags) if (t.slice(0, t.lastIndexOf(":")) === repo) all.push({ img, tag: t });
  // none by that name: an id prefix, or Docker's "No such image"
  return all.length > 0 ? all : [{ img: images.resolve(name) }];
}
