// Integration suite for both drivers: real overlay mounts (or copies) under /tmp, removed after.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import {
  cp,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  unlink,
  writeFile,
} from "node:fs/promises";
import { posix } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import tar from "tar-stream";
import type { TarHeader } from "../../lib/tar/header-from-stat.ts";
import { createStorage, type Storage, type StorageDriver } from "./index.ts";
import { mountPoints, unmount } from "./mounts.ts";

type Spec = TarHeader & { content?: string };

async function makeTar(entries: Spec[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const { content, ...h } of entries) {
    const header = { mode: h.type === "directory" ? 0o755 : 0o644, mtime: new Date(1_700_000_000_000), ...h };
    if (content !== undefined) pack.entry({ ...header, type: "file" }, Buffer.from(content));
    else pack.entry(header).end(undefined);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

async function untarNames(
  stream: NodeJS.ReadableStream,
): Promise<Map<string, { type: string; linkname: string; body: string }>> {
  const extract = tar.extract();
  const out = new Map<string, { type: string; linkname: string; body: string }>();
  (stream as Readable).pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry as unknown as AsyncIterable<Buffer>) chunks.push(c);
    out.set(entry.header.name, {
      type: entry.header.type,
      linkname: entry.header.linkname ?? "",
      body: Buffer.concat(chunks).toString(),
    });
  }
  return out;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const sha = (b: Buffer) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

const BASE: Spec[] = [
  { name: "bin/", type: "directory" },
  { name: "bin/sh", content: "#!shell", mode: 0o755 },
  { name: "bin/ash", type: "link", linkname: "bin/sh" },
  { name: "etc/", type: "directory" },
  { name: "etc/passwd", content: "root:x:0:0::/root:/bin/sh\n" },
  { name: "etc/gone", content: "to be deleted" },
  { name: "d/", type: "directory" },
  { name: "d/old1", content: "1" },
  { name: "d/sub/", type: "directory" },
  { name: "d/sub/old2", content: "2" },
  { name: "lib", type: "symlink", linkname: "usr/lib" },
  { name: "usr/lib/", type: "directory" },
  { name: "pipe", type: "fifo" },
  { name: "tmp/", type: "directory", mode: 0o1777 },
];

const TOP: Spec[] = [
  { name: "etc/", type: "directory" },
  { name: "etc/.wh.gone" },
  { name: "d/", type: "directory" },
  { name: "d/.wh..wh..opq" },
  { name: "d/new", content: "new" },
];

for (const driver of ["overlay", "copy"] as StorageDriver[]) {
  describe(`storage (${driver} driver)`, () => {
    let dir: string;
    let storage: Storage;
    let base: string;
    let top: string;
    const containers: string[] = [];

    before(async () => {
      dir = await mkdtemp(`/tmp/kapsel-storage-${driver}-`);
      storage = await createStorage({ root: posix.join(dir, "storage"), driver });
    });

    after(async () => {
      for (const id of containers) await storage.removeRw(id).catch(() => {});
      await storage.close();
      for (const p of await mountPoints()) if (p.startsWith(`${dir}/`)) await unmount(p);
      await rm(dir, { recursive: true, force: true });
    });

    test("applyLayer unpacks a base layer and names it by its diffId", async () => {
      const bytes = await makeTar(BASE);
      const info = await storage.applyLayer(undefined, Readable.from([bytes]));
      assert.equal(info.diffId, sha(bytes));
      assert.equal(info.chainId, info.diffId);
      assert.equal(info.parent, undefined);
      assert.equal(
        info.size,
        "#!shell".length +
          "root:x:0:0::/root:/bin/sh\n".length +
          "to be deleted".length +
          2 +
          "usr/lib".length,
      );
      base = info.chainId;
      assert.deepEqual(storage.getLayer(base), info);
    });

    test("applyLayer is idempotent by chain id, and drains when the diffId is known", async () => {
      const bytes = await makeTar(BASE);
      const again = await storage.applyLayer(undefined, Readable.from([bytes]));
      assert.equal(again.chainId, base);
      const stream = Readable.from([bytes]);
      const known = await storage.applyLayer(undefined, stream, { diffId: base });
      assert.equal(known.chainId, base);
      assert.equal(stream.readableEnded, true);
    });

    test("applyLayer takes gzip and computes the chain id from the parent", async () => {
      const bytes = await makeTar(TOP);
      const info = await storage.applyLayer(base, Readable.from([gzipSync(bytes)]));
      assert.equal(info.diffId, sha(bytes));
      assert.equal(info.parent, base);
      assert.equal(
        info.chainId,
        `sha256:${createHash("sha256")
          .update(`${base} ${sha(bytes)}`)
          .digest("hex")}`,
      );
      top = info.chainId;
    });

    test("layerTar gives back the plain tar as applied, byte for byte, from gzip too", async () => {
      for (const [chainId, spec] of [
        [base, BASE],
        [top, TOP],
      ] as const) {
        const back = await readAll(storage.layerTar(chainId));
        assert.deepEqual(back, await makeTar(spec));
        assert.equal(sha(back), storage.getLayer(chainId)?.diffId);
      }
      assert.throws(() => storage.layerTar(`sha256:${"0".repeat(64)}`), /not found/);
    });

    test("applyLayer refuses a diffId other than the expected one, leaving nothing behind", async () => {
      const bytes = await makeTar([{ name: "x", content: "x" }]);
      await assert.rejects(
        storage.applyLayer(undefined, Readable.from([bytes]), { diffId: `sha256:${"0".repeat(64)}` }),
        /mismatch/,
      );
      assert.equal(storage.getLayer(sha(bytes)), undefined);
      assert.deepEqual(await readdir(posix.join(dir, "storage/tmp")), []);
    });

    test("stageLayer unpacks before the parent is known; commit places it, on another parent from the kept tar", async () => {
      const bytes = await makeTar([
        { name: "staged/", type: "directory" },
        { name: "staged/f", content: "s" },
        { name: "etc/.wh.passwd" },
      ]);
      const st = await storage.stageLayer(Readable.from([gzipSync(bytes)]));
      assert.equal(st.diffId, sha(bytes));
      const onTop = await st.commit(top);
      assert.equal(onTop.parent, top);
      assert.equal(onTop.chainId, sha(Buffer.from(`${top} ${sha(bytes)}`)));
      const onBase = await st.commit(base);
      assert.equal(onBase.parent, base);
      assert.equal((await st.commit(top)).chainId, onTop.chainId);
      assert.deepEqual(await readAll(storage.layerTar(onBase.chainId)), bytes);
      await st.discard();
      for (const [id, parent] of [
        ["c-staged-top", onTop.chainId],
        ["c-staged-base", onBase.chainId],
      ]) {
        await storage.createRw(id, parent);
        containers.push(id);
        const root = await storage.mount(id);
        assert.equal(await readFile(posix.join(root, "staged/f"), "utf8"), "s");
        assert.equal(existsSync(posix.join(root, "etc/passwd")), false);
        assert.equal(await readFile(posix.join(root, "bin/sh"), "utf8"), "#!shell");
        await storage.removeRw(id);
      }
      assert.equal(await storage.releaseLayer(onTop.chainId), true);
      assert.equal(await storage.releaseLayer(onBase.chainId), true);
      assert.deepEqual(await readdir(posix.join(dir, "storage/tmp")), []);
    });

    test("stageLayer refuses a diffId other than the expected one; a failed commit or a discard leaves nothing", async () => {
      const bytes = await makeTar([{ name: "y", content: "y" }]);
      await assert.rejects(
        storage.stageLayer(Readable.from([bytes]), { diffId: `sha256:${"0".repeat(64)}` }),
        /mismatch/,
      );
      const st = await storage.stageLayer(Readable.from([bytes]));
      await assert.rejects(st.commit(`sha256:${"1".repeat(64)}`), /not found/);
      await assert.rejects(st.commit(undefined), /discarded or failed/);
      await st.discard();
      const unused = await storage.stageLayer(Readable.from([bytes]));
      await unused.discard();
      await unused.discard();
      assert.equal(storage.getLayer(sha(bytes)), undefined);
      assert.deepEqual(await readdir(posix.join(dir, "storage/tmp")), []);
    });

    test("a layer staged with packedAt keeps those compressed bytes (linked) as its tar", async () => {
      const bytes = await makeTar([{ name: "packed/f", content: "from a blob" }]);
      const blob = posix.join(dir, "blob.gz");
      await writeFile(blob, gzipSync(bytes));
      const st = await storage.stageLayer(
        Readable.from([gzipSync(bytes)]),
        { diffId: sha(bytes) },
        { packedAt: blob },
      );
      const layer = await st.commit(base);
      await st.discard();
      assert.deepEqual(await readAll(storage.layerTar(layer.chainId)), bytes);
      assert.equal(await storage.layerTarSize(layer.chainId), bytes.length);
      const layerDir = posix.join(dir, "storage/layers", layer.chainId.slice(7));
      if (storage.driver === "overlay") {
        assert.equal(existsSync(posix.join(layerDir, "layer.tar")), false);
        assert.equal((await lstat(posix.join(layerDir, "layer.packed"))).nlink, 2, "a hard link to the blob");
      }
      // the layer keeps its tar when the blob goes; a reopened store still finds it
      await rm(blob);
      await storage.close();
      storage = await createStorage({ root: posix.join(dir, "storage") });
      assert.deepEqual(await readAll(storage.layerTar(layer.chainId)), bytes);
      assert.equal(await storage.releaseLayer(layer.chainId), true);
      assert.deepEqual(await readdir(posix.join(dir, "storage/tmp")), []);
    });

    test("a commit whose packed bytes are missing fails and leaves nothing", async () => {
      const bytes = await makeTar([{ name: "lost", content: "x" }]);
      const st = await storage.stageLayer(Readable.from([bytes]), undefined, {
        packedAt: posix.join(dir, "no-such-blob"),
      });
      if (storage.driver === "overlay") await assert.rejects(st.commit(undefined), /ENOENT/);
      else await st.commit(undefined).then((l) => storage.releaseLayer(l.chainId));
      await st.discard();
      assert.equal(storage.getLayer(sha(bytes)), undefined);
      assert.deepEqual(await readdir(posix.join(dir, "storage/tmp")), []);
    });

    test("applyLayer never writes outside the layer", async () => {
      const outside = await mkdtemp("/tmp/kapsel-outside-");
      try {
        const climb = await makeTar([{ name: "../escape", content: "x" }]);
        await assert.rejects(storage.applyLayer(undefined, Readable.from([climb])), /outside of the root/);
        const viaLink = await makeTar([
          { name: "evil", type: "symlink", linkname: outside },
          { name: "evil/file", content: "x" },
          { name: "rel", type: "symlink", linkname: "../../../../../../../../tmp" },
          { name: "rel/kapsel-escaped", content: "x" },
        ]);
        const info = await storage.applyLayer(undefined, Readable.from([viaLink]));
        assert.deepEqual(await readdir(outside), []);
        assert.equal(existsSync("/tmp/kapsel-escaped"), false);
        assert.equal(await storage.releaseLayer(info.chainId), true);
      } finally {
        await rm(outside, { recursive: true, force: true });
      }
    });

    test("a container over the top layer sees whiteouts and opaque directories applied", async () => {
      await storage.createRw("c1", top);
      containers.push("c1");
      await storage.createRw("c1", top); // idempotent
      const root = await storage.mount("c1");
      assert.equal(await storage.mount("c1"), root);
      assert.equal(await readFile(posix.join(root, "bin/sh"), "utf8"), "#!shell");
      assert.equal(
        (await lstat(posix.join(root, "bin/ash"))).ino,
        (await lstat(posix.join(root, "bin/sh"))).ino,
      );
      assert.equal(await readlink(posix.join(root, "lib")), "usr/lib");
      assert.ok((await lstat(posix.join(root, "pipe"))).isFIFO());
      assert.equal((await lstat(posix.join(root, "tmp"))).mode & 0o7777, 0o1777);
      assert.equal(existsSync(posix.join(root, "etc/gone")), false);
      assert.deepEqual((await readdir(posix.join(root, "d"))).sort(), ["new"]);
      assert.deepEqual(await storage.diff("c1"), []);
    });

    test("diff, rwSize and diffTar report what the container changed", async () => {
      const root = await storage.mount("c1");
      await writeFile(posix.join(root, "etc/passwd"), "changed\n");
      await writeFile(posix.join(root, "etc/added"), "added!");
      await unlink(posix.join(root, "bin/sh"));
      await mkdir(posix.join(root, "newdir/inner"), { recursive: true });
      await writeFile(posix.join(root, "newdir/inner/f"), "f");
      await rm(posix.join(root, "d"), { recursive: true });
      await mkdir(posix.join(root, "d"));
      await writeFile(posix.join(root, "d/other"), "o");
      const changes = await storage.diff("c1");
      assert.deepEqual(changes, [
        { Path: "/bin", Kind: 0 },
        { Path: "/bin/sh", Kind: 2 },
        { Path: "/d", Kind: 0 },
        { Path: "/d/new", Kind: 2 },
        { Path: "/d/other", Kind: 1 },
        { Path: "/etc", Kind: 0 },
        { Path: "/etc/added", Kind: 1 },
        { Path: "/etc/passwd", Kind: 0 },
        { Path: "/newdir", Kind: 1 },
        { Path: "/newdir/inner", Kind: 1 },
        { Path: "/newdir/inner/f", Kind: 1 },
      ]);
      assert.equal(await storage.rwSize("c1"), "changed\n".length + "added!".length + 1 + 1);
      const entries = await untarNames(storage.diffTar("c1"));
      assert.deepEqual(
        [...entries.keys()],
        [
          "bin/",
          "bin/.wh.sh",
          "d/",
          "d/.wh.new",
          "d/other",
          "etc/",
          "etc/added",
          "etc/passwd",
          "newdir/",
          "newdir/inner/",
          "newdir/inner/f",
        ],
      );
      assert.equal(entries.get("etc/passwd")?.body, "changed\n");
    });

    test("a committed diffTar applied as a layer gives the same file system", async () => {
      const info = await storage.applyLayer(top, storage.diffTar("c1"));
      await storage.createRw("c2", info.chainId);
      containers.push("c2");
      const root = await storage.mount("c2");
      assert.equal(existsSync(posix.join(root, "bin/sh")), false);
      assert.equal(await readFile(posix.join(root, "bin/ash"), "utf8"), "#!shell");
      assert.deepEqual((await readdir(posix.join(root, "d"))).sort(), ["other"]);
      assert.equal(await readFile(posix.join(root, "etc/passwd"), "utf8"), "changed\n");
      assert.equal(await readFile(posix.join(root, "newdir/inner/f"), "utf8"), "f");
      assert.deepEqual(await storage.diff("c2"), []);
    });

    test("exportRootfs streams the whole merged tree", async () => {
      const entries = await untarNames(storage.exportRootfs("c1"));
      const names = [...entries.keys()];
      assert.ok(names.includes("bin/ash") && names.includes("etc/added") && names.includes("d/other"));
      assert.ok(!names.includes("etc/gone") && !names.includes("bin/sh") && !names.includes("d/new"));
      assert.equal(entries.get("lib")?.type, "symlink");
      assert.equal(entries.get("lib")?.linkname, "usr/lib");
      assert.equal(entries.get("pipe")?.type, "fifo");
      assert.equal(names.indexOf("d/") < names.indexOf("d/other"), true);
    });

    test("a scratch container starts with only the init layer's stubs", async () => {
      await storage.createRw("c3", undefined);
      containers.push("c3");
      const root = await storage.mount("c3");
      assert.deepEqual((await readdir(root)).sort(), [".dockerenv", "dev", "etc", "proc", "sys"]);
      assert.deepEqual((await readdir(posix.join(root, "etc"))).sort(), [
        "hostname",
        "hosts",
        "mtab",
        "resolv.conf",
      ]);
      assert.equal(await readlink(posix.join(root, "etc/mtab")), "/proc/mounts");
      await writeFile(posix.join(root, "hello"), "hi");
      await writeFile(posix.join(root, "etc/hosts"), "127.0.0.1 x\n");
      assert.deepEqual(await storage.diff("c3"), [
        { Path: "/etc", Kind: 0 },
        { Path: "/etc/hosts", Kind: 0 },
        { Path: "/hello", Kind: 1 },
      ]);
      const names = [...(await untarNames(storage.exportRootfs("c3"))).keys()];
      assert.ok(names.includes(".dockerenv") && names.includes("dev/pts/") && names.includes("hello"));
    });

    test("containers share one init layer (overlay); one made with its own still mounts", async () => {
      await storage.createRw("i1", undefined);
      await storage.createRw("i2", undefined);
      const own = (id: string) => existsSync(posix.join(dir, "storage/containers", id, "init"));
      if (driver === "overlay") {
        assert.equal(own("i1") || own("i2"), false);
        assert.ok(existsSync(posix.join(dir, "storage/init/etc/hosts")));
        // a container recorded by an earlier kapsel, with an init layer of its own
        const rw = posix.join(dir, "storage/containers/i2");
        await cp(posix.join(dir, "storage/init"), posix.join(rw, "init"), { recursive: true });
        await writeFile(posix.join(rw, "rw.json"), `${JSON.stringify({ id: "i2", init: true })}\n`);
        await writeFile(posix.join(rw, "init/own"), "mine");
        const reopened = await createStorage({ root: posix.join(dir, "storage"), driver });
        const root = await reopened.mount("i2");
        try {
          assert.equal(await readFile(posix.join(root, "own"), "utf8"), "mine");
          assert.deepEqual(await reopened.diff("i2"), []);
        } finally {
          await reopened.unmount("i2");
          await reopened.close();
        }
        // the second instance's close unmounted what the first had mounted: the first, like a
        // restarted daemon, reads the mount table again
        await storage.close();
        storage = await createStorage({ root: posix.join(dir, "storage"), driver });
      } else assert.ok(own("i1") && own("i2"));
      for (const id of ["i1", "i2"]) await storage.removeRw(id);
    });

    test("a released layer goes with the last container on it, and applying it again keeps it", async () => {
      const bytes = await makeTar([{ name: "only", content: "1" }]);
      const layer = await storage.applyLayer(undefined, Readable.from([bytes]));
      await storage.createRw("c4", layer.chainId);
      await storage.createRw("c5", layer.chainId);
      containers.push("c4", "c5");
      assert.equal(await storage.releaseLayer(layer.chainId), false);
      assert.equal(storage.getLayer(layer.chainId), undefined);
      await assert.rejects(storage.releaseLayer(layer.chainId), /not found/);
      await assert.rejects(storage.createRw("c6", layer.chainId), /not found/);
      await storage.removeRw("c4");
      assert.ok(existsSync(posix.join(dir, "storage/layers", layer.chainId.slice(7))));
      await storage.removeRw("c5");
      assert.equal(existsSync(posix.join(dir, "storage/layers", layer.chainId.slice(7))), false);

      const again = await storage.applyLayer(undefined, Readable.from([bytes]));
      await storage.createRw("c4", again.chainId);
      assert.equal(await storage.releaseLayer(again.chainId), false);
      assert.deepEqual(await storage.applyLayer(undefined, Readable.from([bytes])), again);
      await storage.removeRw("c4");
      assert.deepEqual(storage.getLayer(again.chainId), again);
      assert.equal(await storage.releaseLayer(again.chainId), true);
    });

    test("removeRw unmounts and removes, idempotently; then the layers can go", async () => {
      const merged = await storage.mount("c2");
      if (driver === "overlay") assert.ok((await mountPoints()).includes(merged));
      for (const id of ["c1", "c2", "c3"]) await storage.removeRw(id);
      await storage.removeRw("c1");
      assert.equal((await mountPoints()).includes(merged), false);
      assert.deepEqual(await readdir(posix.join(dir, "storage/containers")), []);
    });

    test("a reopened storage finds its layers and its driver", async () => {
      await storage.close();
      storage = await createStorage({ root: posix.join(dir, "storage") });
      assert.equal(storage.driver, driver);
      assert.equal(storage.getLayer(top)?.parent, base);
    });

    test("a layer stored before tars were kept has none until it is applied again", async () => {
      const bytes = await makeTar([{ name: "old", content: "stored before" }]);
      const layer = await storage.applyLayer(undefined, Readable.from([bytes]));
      const layerDir = posix.join(dir, "storage/layers", layer.chainId.slice(7));
      const { tar: _kept, ...old } = JSON.parse(await readFile(posix.join(layerDir, "layer.json"), "utf8"));
      await writeFile(posix.join(layerDir, "layer.json"), JSON.stringify(old));
      await unlink(posix.join(layerDir, "layer.tar"));
      await storage.close();
      storage = await createStorage({ root: posix.join(dir, "storage") });
      assert.throws(() => storage.layerTar(layer.chainId), { kind: "not_implemented" });
      await storage.applyLayer(undefined, Readable.from([bytes]));
      assert.deepEqual(await readAll(storage.layerTar(layer.chainId)), bytes);
      await storage.close();
      storage = await createStorage({ root: posix.join(dir, "storage") });
      assert.deepEqual(await readAll(storage.layerTar(layer.chainId)), bytes);
    });
  });
}
