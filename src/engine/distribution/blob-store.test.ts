import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { BlobStore } from "./blob-store.ts";

const digestOf = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

function withStore(fn: (store: BlobStore, root: string) => Promise<void>) {
  return async () => {
    const root = mkdtempSync("/tmp/kblob-");
    try {
      await fn(new BlobStore(root), root);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

test(
  "ingest keeps a blob whose digest is right and leaves nothing of one that is wrong",
  withStore(async (store, root) => {
    const bytes = Buffer.from("layer bytes");
    await store.ingest(Readable.from([bytes]), { digest: digestOf(bytes), size: bytes.length });
    assert.ok(await store.hasData(digestOf(bytes)));
    assert.deepEqual(readFileSync(store.blobPath(digestOf(bytes))), bytes);
    const wrong = `sha256:${"0".repeat(64)}`;
    await assert.rejects(
      store.ingest(Readable.from([bytes]), { digest: wrong }),
      /filesystem layer verification failed for digest sha256:0{64}/,
    );
    await assert.rejects(
      store.ingest(Readable.from([bytes.subarray(0, 3)]), { digest: digestOf(bytes), size: bytes.length }),
    );
    assert.ok(!(await store.hasData(wrong)));
    assert.deepEqual(readdirSync(join(root, "tmp")), []);
  }),
);

test(
  "record remembers a layer's compressed forms and repositories across a restart",
  withStore(async (store, root) => {
    const diffId = `sha256:${"d".repeat(64)}`;
    const v = { digest: `sha256:${"a".repeat(64)}`, mediaType: "m", size: 3, compression: "gzip" as const };
    store.record(diffId, v, "127.0.0.1:5000/x");
    store.record(diffId, v, "127.0.0.1:5000/y");
    store.record(diffId, v, "127.0.0.1:5000/y");
    const again = new BlobStore(root);
    assert.deepEqual(again.variants(diffId)[0].repos, ["127.0.0.1:5000/x", "127.0.0.1:5000/y"]);
    assert.equal(again.diffIdOf(v.digest), diffId);
  }),
);

test(
  "prune drops what no image uses, except what a pull in progress pinned",
  withStore(async (store) => {
    const a = Buffer.from("a");
    const b = Buffer.from("b");
    for (const x of [a, b]) await store.ingest(Readable.from([x]), { digest: digestOf(x) });
    const used = `sha256:${"1".repeat(64)}`;
    const unused = `sha256:${"2".repeat(64)}`;
    store.record(used, { digest: digestOf(a), mediaType: "m", size: 1, compression: "gzip" });
    store.record(unused, { digest: digestOf(b), mediaType: "m", size: 1, compression: "gzip" });
    store.keepManifest(`sha256:${"9".repeat(64)}`, { digest: "x", mediaType: "m", manifest: "{}" });
    const unpin = store.pin([unused, digestOf(b)]);
    await store.prune(new Set([used]), new Set());
    assert.ok(await store.hasData(digestOf(b)), "pinned");
    unpin();
    await store.prune(new Set([used]), new Set());
    assert.ok(await store.hasData(digestOf(a)));
    assert.ok(!(await store.hasData(digestOf(b))));
    assert.deepEqual(store.variants(unused), []);
    assert.equal(store.manifestOf(`sha256:${"9".repeat(64)}`), undefined);
    assert.ok(!existsSync(store.blobPath(digestOf(b))));
  }),
);
