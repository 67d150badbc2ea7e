import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import { BlobStore } from "./blob-store.ts";
import type { DistributionContext } from "./context.ts";
import { compressLayer } from "./layer-compress.ts";

const digestOf = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

function context(root: string, tar: Buffer | undefined): DistributionContext {
  return {
    blobs: new BlobStore(root),
    storage: {
      applyLayer: async () => {
        throw new Error("unused");
      },
      getLayer: () => undefined,
      releaseLayer: async () => false,
      ...(tar ? { layerTar: () => Readable.from([tar]) } : {}),
    },
  } as unknown as DistributionContext;
}

test("compressLayer gzips a layer once into the store; data that does not shrink is stored, not deflated", async () => {
  const root = mkdtempSync("/tmp/kcomp-");
  try {
    for (const [what, plain] of [
      ["text", Buffer.from("hello kapsel\n".repeat(200_000))],
      ["random", randomBytes(2_000_000)],
    ] as const) {
      const ctx = context(join(root, what), plain);
      const v = await compressLayer(ctx, digestOf(plain), digestOf(plain));
      const bytes = readFileSync(ctx.blobs.blobPath(v.digest));
      assert.equal(digestOf(bytes), v.digest);
      assert.deepEqual(gunzipSync(bytes), plain);
      if (what === "text") assert.ok(v.size < plain.length / 10, `${v.size}`);
      else assert.ok(v.size > plain.length && v.size < plain.length * 1.01, `${v.size}`);
      assert.equal(ctx.blobs.variants(digestOf(plain))[0].digest, v.digest);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("compressLayer refuses a tar that is not the layer's, and says when storage cannot give one", async () => {
  const root = mkdtempSync("/tmp/kcomp-");
  try {
    const ctx = context(root, Buffer.from("not the layer"));
    await assert.rejects(compressLayer(ctx, `sha256:${"0".repeat(64)}`, "c"), /gave back a tar of sha256:/);
    assert.deepEqual(readdirSync(join(root, "tmp")), []);
    assert.deepEqual(readdirSync(join(root, "blobs", "sha256")), []);
    await assert.rejects(compressLayer(context(join(root, "x"), undefined), "sha256:1", "c"), {
      kind: "not_implemented",
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
