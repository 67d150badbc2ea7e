import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { posix } from "node:path";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import { createStorage, type Storage } from "../storage/index.ts";
import { loadImages } from "./archive-load.ts";

const sha = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const hex = (d: string) => d.slice(7);

async function tarOf(files: Array<{ name: string; body: Buffer | string }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const f of files) pack.entry({ name: f.name, mode: 0o644 }, Buffer.from(f.body));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

let dir: string;
let storage: Storage;
before(async () => {
  dir = await mkdtemp("/tmp/kapsel-load-");
  storage = await createStorage({ root: posix.join(dir, "storage") });
});
after(async () => {
  await storage.close();
  await rm(dir, { recursive: true, force: true });
});

/** An archive in Docker 25's layout: one plain and one gzip layer, manifest.json last. */
async function archive(o: { diffIds?: string[] } = {}) {
  const plain = await tarOf([{ name: "a.txt", body: "a" }]);
  const second = await tarOf([{ name: "b.txt", body: "b" }]);
  const gz = gzipSync(second);
  const diffIds = o.diffIds ?? [sha(plain), sha(second)];
  const config = Buffer.from(JSON.stringify({ os: "linux", rootfs: { type: "layers", diff_ids: diffIds } }));
  const bytes = await tarOf([
    { name: `blobs/sha256/${hex(sha(plain))}`, body: plain },
    { name: `blobs/sha256/${hex(sha(gz))}`, body: gz },
    { name: "stray-zeros", body: Buffer.alloc(1024) }, // an empty tar no image names
    { name: `blobs/sha256/${hex(sha(config))}`, body: config },
    {
      name: "manifest.json",
      body: JSON.stringify([
        {
          Config: `blobs/sha256/${hex(sha(config))}`,
          RepoTags: ["x:1"],
          Layers: [`blobs/sha256/${hex(sha(plain))}`, `blobs/sha256/${hex(sha(gz))}`],
        },
      ]),
    },
  ]);
  return { bytes, config, diffIds: [sha(plain), sha(second)] };
}

function targets() {
  const added: Buffer[] = [];
  const tags: string[] = [];
  return {
    added,
    tags,
    t: {
      images: {
        addImage: async (c: Uint8Array) => {
          added.push(Buffer.from(c));
          return sha(c);
        },
        tag: (_id: string, t: string) => {
          tags.push(t);
        },
      },
      storage,
    },
  };
}

test("load stages the layers as the archive streams by, plain or compressed, and places them in order", async () => {
  const { bytes, config, diffIds } = await archive();
  const { t, added, tags } = targets();
  const lines = await loadImages(t, Readable.from([bytes]), posix.join(dir, "tmp"));
  assert.deepEqual(lines, ["Loaded image: x:1"]);
  assert.deepEqual(added, [config]);
  assert.deepEqual(tags, ["x:1"]);
  const base = storage.getLayer(diffIds[0]);
  assert.ok(base);
  const top = storage.getLayer(sha(Buffer.from(`${diffIds[0]} ${diffIds[1]}`)));
  assert.equal(top?.parent, base.chainId);
  assert.deepEqual(await readdir(posix.join(dir, "storage/tmp")), []);
  assert.deepEqual(await readdir(posix.join(dir, "tmp")), []);
  for (const l of [top, base]) if (l) await storage.releaseLayer(l.chainId);
});

test("a layer whose diffId is not the config's fails the load, leaving no layer and nothing staged", async () => {
  const { bytes } = await archive({ diffIds: [`sha256:${"0".repeat(64)}`, `sha256:${"1".repeat(64)}`] });
  await assert.rejects(loadImages(targets().t, Readable.from([bytes]), posix.join(dir, "tmp")), /mismatch/);
  assert.deepEqual(await readdir(posix.join(dir, "storage/layers")), []);
  assert.deepEqual(await readdir(posix.join(dir, "storage/tmp")), []);
});
