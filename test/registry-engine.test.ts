import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import {
  createDistribution,
  type ImageAccess,
  type LayerAccess,
  type ProgressMessage,
} from "../src/engine/distribution/index.ts";
import type { ImageConfig, ImageRecord } from "../src/engine/images/index.ts";
import type { LayerInfo } from "../src/engine/storage/index.ts";
import { decompressStream } from "../src/lib/tar/compression.ts";
import { TestRegistry } from "./harness/docker-registry.ts";
import { layerTar } from "./harness/oci-image.ts";

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/**
 * The distribution domain on its own, over in-memory images and layers, against
 * docker-registry 2.8: what the daemon cannot be told to do from outside (chunked uploads
 * with a small chunk size) and the contract it expects of storage (layerTar: layers made here
 * are compressed once, then pushed as kept).
 */
class MemoryImages implements ImageAccess {
  configs = new Map<string, Buffer>();
  tags = new Map<string, string>();
  digests = new Map<string, string>();
  list(): ImageRecord[] {
    return [...this.configs.keys()].map((id) => this.#record(id));
  }
  #record(id: string): ImageRecord {
    const config = JSON.parse(this.configs.get(id)!.toString()) as ImageConfig;
    return {
      id,
      config,
      repoTags: [...this.tags].filter(([, v]) => v === id).map(([k]) => k),
      repoDigests: [...this.digests].filter(([, v]) => v === id).map(([k]) => k),
      created: "",
      size: 0,
      layers: chainIds(config.rootfs.diff_ids),
    };
  }
  resolve(ref: string): ImageRecord {
    const id = this.tags.get(ref) ?? this.digests.get(ref) ?? (this.configs.has(ref) ? ref : undefined);
    if (!id) throw Object.assign(new Error(`No such image: ${ref}`), { kind: "not_found" });
    return this.#record(id);
  }
  async addImage(config: Uint8Array): Promise<string> {
    const id = sha256(config);
    this.configs.set(id, Buffer.from(config));
    return id;
  }
  configBytes(id: string): Buffer {
    return this.configs.get(id)!;
  }
  tag(ref: string, repoTag: string): void {
    this.tags.set(repoTag, this.resolve(ref).id);
  }
  addDigest(repoDigest: string, id: string): void {
    this.digests.set(repoDigest, id);
  }
}

function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) out.push(out.length ? sha256(Buffer.from(`${out.at(-1)} ${d}`)) : d);
  return out;
}

class MemoryLayers implements LayerAccess {
  layers = new Map<string, LayerInfo & { tar: Buffer }>();
  tarCalls = 0;
  async applyLayer(parent: string | undefined, tar: NodeJS.ReadableStream, expect?: { diffId?: string }) {
    const chunks: Buffer[] = [];
    for await (const c of await decompressStream(tar)) chunks.push(c as Buffer);
    const plain = Buffer.concat(chunks);
    const diffId = sha256(plain);
    if (expect?.diffId && expect.diffId !== diffId) throw new Error("diffId mismatch");
    const chainId = parent ? sha256(Buffer.from(`${parent} ${diffId}`)) : diffId;
    const info = { chainId, diffId, parent, size: plain.length };
    this.layers.set(chainId, { ...info, tar: plain });
    return info;
  }
  getLayer(chainId: string) {
    return this.layers.get(chainId);
  }
  async releaseLayer(chainId: string) {
    return this.layers.delete(chainId);
  }
  layerTar(chainId: string): NodeJS.ReadableStream {
    this.tarCalls++;
    return Readable.from([this.layers.get(chainId)!.tar]);
  }
}

describe("distribution engine against docker-registry", () => {
  let reg: TestRegistry;
  let root: string;
  before(async () => {
    reg = await TestRegistry.start();
    root = mkdtempSync("/tmp/kdist-");
  });
  after(async () => {
    await reg?.[Symbol.asyncDispose]();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test("a layer made here is compressed once, uploaded in chunks, pulled back whole elsewhere, and pushed again as kept", async () => {
    const images = new MemoryImages();
    const layers = new MemoryLayers();
    const dist = await createDistribution({
      root: join(root, "a"),
      images,
      storage: layers,
      uploadChunkSize: 64 * 1024,
    });
    const plain = await layerTar([{ name: "data", body: randomBytes(300_000) }]);
    const info = await layers.applyLayer(undefined, Readable.from([plain]));
    const config = Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        rootfs: { type: "layers", diff_ids: [info.diffId] },
      }),
    );
    const id = await images.addImage(config);
    images.tag(id, `${reg.host}/made:1`);

    const seen: ProgressMessage[] = [];
    await dist.push({ image: `${reg.host}/made`, tag: "1", progress: (m) => seen.push(m) });
    assert.deepEqual(
      seen.filter((m) => m.id === info.diffId.slice(7, 19) && m.status !== "Pushing").map((m) => m.status),
      ["Preparing", "Pushed"],
    );
    assert.ok(
      seen.some((m) => m.status === "Pushing" && m.progressDetail?.current === m.progressDetail?.total),
    );
    const aux = seen.find((m) => m.aux)?.aux as { Tag: string; Digest: string; Size: number };
    assert.equal(aux.Tag, "1");
    assert.equal(images.digests.get(`${reg.host}/made@${aux.Digest}`), id);
    assert.equal(layers.tarCalls, 1);

    const inspect = await reg.skopeo(["inspect", "--tls-verify=false", `docker://${reg.host}/made:1`]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.equal(JSON.parse(inspect.stdout).Digest, aux.Digest);

    // a second engine pulls it back to the same layer
    const images2 = new MemoryImages();
    const layers2 = new MemoryLayers();
    const other = await createDistribution({ root: join(root, "b"), images: images2, storage: layers2 });
    await other.pull({ image: `${reg.host}/made`, tag: "1", progress: () => {} });
    assert.equal(images2.tags.get(`${reg.host}/made:1`), id);
    assert.deepEqual(layers2.layers.get(info.chainId)?.tar, plain);

    // pushing elsewhere uses the kept blob: no second compression, same manifest digest
    const blobs = readdirSync(join(root, "a", "blobs", "sha256"));
    const mtime = statSync(join(root, "a", "blobs", "sha256", blobs[0])).mtimeMs;
    images.tag(id, `${reg.host}/again:1`);
    const again: ProgressMessage[] = [];
    await dist.push({ image: `${reg.host}/again:1`, progress: (m) => again.push(m) });
    assert.equal(layers.tarCalls, 1);
    assert.equal(statSync(join(root, "a", "blobs", "sha256", blobs[0])).mtimeMs, mtime);
    assert.ok(again.some((m) => m.status === "Mounted from made"));
    const againAux = again.find((m) => m.aux)?.aux as { Digest: string } | undefined;
    assert.equal(againAux?.Digest, aux.Digest);
  });

  test("removing the images lets prune drop their compressed layers", async () => {
    const images = new MemoryImages();
    const layers = new MemoryLayers();
    const dist = await createDistribution({ root: join(root, "c"), images, storage: layers });
    await dist.pull({ image: `${reg.host}/made:1`, progress: () => {} });
    assert.equal(readdirSync(join(root, "c", "blobs", "sha256")).length, 1);
    images.configs.clear();
    await dist.prune();
    assert.deepEqual(readdirSync(join(root, "c", "blobs", "sha256")), []);
    assert.deepEqual(readdirSync(join(root, "c", "manifests")), []);
  });
});
