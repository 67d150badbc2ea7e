// Integration: a real storage (overlay when it works here) under /tmp, removed after.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, mkdtemp, readFile, rm, unlink, writeFile } from "node:fs/promises";
import { posix } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { isKind } from "../../lib/errors.ts";
import { createStorage, type Storage } from "../storage/index.ts";
import { mountPoints, unmount } from "../storage/mounts.ts";
import { createImageStore, type ImageStore } from "./index.ts";

const run = promisify(execFile);

describe("image store", () => {
  let dir: string;
  let storage: Storage;
  let images: ImageStore;
  let busybox: string;
  const events: Array<[string, string, Record<string, string>]> = [];
  const never = () => false;

  before(async () => {
    dir = await mkdtemp("/tmp/kapsel-images-");
    storage = await createStorage({ root: posix.join(dir, "storage") });
    images = await createImageStore({
      root: posix.join(dir, "image"),
      storage,
      events: (action, id, attrs) => events.push([action, id, attrs]),
    });
  });

  after(async () => {
    for (const id of ["ctr", "ctr2", "ctr3"]) await storage.removeRw(id).catch(() => {});
    await storage.close();
    for (const p of await mountPoints()) if (p.startsWith(`${dir}/`)) await unmount(p);
    await rm(dir, { recursive: true, force: true });
  });

  test("bootstrapBusybox makes busybox:latest, with the same id every time", async () => {
    busybox = await images.bootstrapBusybox();
    assert.match(busybox, /^sha256:[a-f0-9]{64}$/);
    assert.equal(await images.bootstrapBusybox(), busybox);
    const rec = images.resolve("busybox");
    assert.equal(rec.id, busybox);
    assert.deepEqual(rec.repoTags, ["busybox:latest"]);
    assert.deepEqual(rec.config.config?.Cmd, ["sh"]);
    assert.equal(rec.config.rootfs.diff_ids.length, 1);
    assert.equal(rec.layers.length, 1);
    assert.ok(rec.size > 1_000_000);
    assert.equal(images.resolve("docker.io/library/busybox:latest").id, busybox);
    assert.equal(images.resolve(busybox).id, busybox);
    assert.equal(images.resolve(busybox.slice(7)).id, busybox);
    assert.equal(images.resolve(busybox.slice(7, 19)).id, busybox);
    assert.ok(
      events.some(([a, id, attrs]) => a === "tag" && id === busybox && attrs.name === "busybox:latest"),
    );
  });

  test("resolve fails with Docker's messages", () => {
    assert.throws(
      () => images.resolve("nope"),
      (e) => isKind(e, "not_found") && (e as Error).message === "No such image: nope:latest",
    );
    assert.throws(
      () => images.resolve("Nope"),
      (e) => isKind(e, "invalid"),
    );
    assert.throws(() => images.resolve(`sha256:${"0".repeat(64)}`), {
      message: `No such image: sha256:${"0".repeat(64)}`,
    });
  });

  test("a container on busybox has /bin/sh, and it runs", async () => {
    await storage.createRw("ctr", images.topLayer(busybox));
    const root = await storage.mount("ctr");
    const sh = await lstat(posix.join(root, "bin/sh"));
    assert.equal(sh.ino, (await lstat(posix.join(root, "bin/busybox"))).ino);
    assert.match(
      await readFile(posix.join(root, "etc/passwd"), "utf8"),
      /^root:x:0:0:root:\/root:\/bin\/sh$/m,
    );
    const { stdout } = await run("chroot", [root, "/bin/sh", "-c", "echo hello from $(basename $0)"]);
    assert.equal(stdout.trim(), "hello from sh");
  });

  test("diff sees files written and removed in the container", async () => {
    const root = await storage.mount("ctr");
    await writeFile(posix.join(root, "tmp/x"), "x");
    await unlink(posix.join(root, "etc/shadow"));
    assert.deepEqual(await storage.diff("ctr"), [
      { Path: "/etc", Kind: 0 },
      { Path: "/etc/shadow", Kind: 2 },
      { Path: "/tmp", Kind: 0 },
      { Path: "/tmp/x", Kind: 1 },
    ]);
  });

  let committed: string;
  test("createImage commits a container's changes on top of its image", async () => {
    committed = await images.createImage({
      parent: busybox,
      layer: storage.diffTar("ctr"),
      config: { config: { ...images.resolve(busybox).config.config, Cmd: ["cat", "/tmp/x"] } },
      createdBy: "sh",
      comment: "a commit",
      repoTag: "committed:v1",
    });
    const rec = images.resolve("committed:v1");
    assert.equal(rec.parent, busybox);
    assert.equal(rec.layers.length, 2);
    assert.equal(rec.layers[0], images.resolve("busybox").layers[0]);
    await storage.createRw("ctr2", images.topLayer(committed));
    const root = await storage.mount("ctr2");
    assert.equal(await readFile(posix.join(root, "tmp/x"), "utf8"), "x");
    assert.equal(existsSync(posix.join(root, "etc/shadow")), false);
    const history = images.history("committed:v1");
    assert.equal(history.length, 3);
    assert.deepEqual(
      history.map((h) => [h.Id, h.CreatedBy, h.Tags, h.Comment]),
      [
        [committed, "sh", ["committed:v1"], "a commit"],
        [busybox, '/bin/sh -c #(nop)  CMD ["sh"]', ["busybox:latest"], ""],
        ["<missing>", history[2].CreatedBy, null, ""],
      ],
    );
    assert.equal(history[1].Size, 0);
    assert.ok(history[2].Size > 1_000_000);
  });

  let imported: string;
  test("importRootfs makes a one-layer image with the changes applied", async () => {
    imported = await images.importRootfs(storage.exportRootfs("ctr"), {
      repoTag: "imported",
      changes: ['CMD ["/bin/sh", "-c", "cat /tmp/x"]', "ENV A=1", "WORKDIR /tmp"],
      message: "from a test",
    });
    const rec = images.resolve("imported:latest");
    assert.equal(rec.id, imported);
    assert.equal(rec.layers.length, 1);
    assert.equal(rec.parent, undefined);
    assert.deepEqual(rec.config.config?.Cmd, ["/bin/sh", "-c", "cat /tmp/x"]);
    assert.deepEqual(rec.config.config?.Env, ["A=1"]);
    assert.equal(rec.config.config?.WorkingDir, "/tmp");
    assert.equal(rec.config.comment, "from a test");
    assert.ok(events.some(([a, id]) => a === "import" && id === imported));
    await assert.rejects(
      images.importRootfs(storage.exportRootfs("ctr"), { changes: ["RUN x"] }),
      /run is not a valid change command/,
    );
  });

  test("rmi by a tag that is not the last one only untags", async () => {
    images.tag("busybox", "other:1");
    assert.deepEqual(images.resolve(busybox).repoTags, ["busybox:latest", "other:1"]);
    assert.deepEqual(await images.remove("other:1", { force: false, noPrune: false, isUsed: never }), [
      { Untagged: "other:1" },
    ]);
    assert.equal(images.resolve(busybox).id, busybox);
  });

  test("rmi refuses what Docker refuses", async () => {
    images.tag(imported, "other:2");
    await assert.rejects(
      images.remove(imported.slice(7, 19), { force: false, noPrune: false, isUsed: never }),
      {
        message: `conflict: unable to delete ${imported.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`,
      },
    );
    await images.remove("other:2", { force: false, noPrune: false, isUsed: never });
    const used = () => ({ containerId: "c0ffee00c0ffee00", running: false });
    await assert.rejects(images.remove("imported", { force: false, noPrune: false, isUsed: used }), {
      message: `conflict: unable to remove repository reference "imported" (must force) - container c0ffee00c0ff is using its referenced image ${imported.slice(7, 19)}`,
    });
    await assert.rejects(images.remove(imported, { force: false, noPrune: false, isUsed: used }), {
      message: `conflict: unable to delete ${imported.slice(7, 19)} (must be forced) - image is being used by stopped container c0ffee00c0ff`,
    });
    const running = () => ({ containerId: "c0ffee00c0ffee00", running: true });
    await assert.rejects(images.remove(imported, { force: true, noPrune: false, isUsed: running }), {
      message: `conflict: unable to delete ${imported.slice(7, 19)} (cannot be forced) - image is being used by running container c0ffee00c0ff`,
    });
    await assert.rejects(images.remove(busybox, { force: true, noPrune: false, isUsed: never }), {
      message: `conflict: unable to delete ${busybox.slice(7, 19)} (cannot be forced) - image has dependent child images`,
    });
  });

  test("rmi by the last tag deletes the image and its own layers", async () => {
    await storage.removeRw("ctr2");
    const top = images.resolve(committed).layers[1];
    assert.deepEqual(await images.remove("committed:v1", { force: false, noPrune: false, isUsed: never }), [
      { Untagged: "committed:v1" },
      { Deleted: committed },
      { Deleted: top },
    ]);
    assert.equal(storage.getLayer(top), undefined);
    assert.ok(storage.getLayer(images.resolve(busybox).layers[0]));
    assert.ok(events.some(([a, id]) => a === "untag" && id === committed));
    assert.ok(events.some(([a, id]) => a === "delete" && id === committed));
  });

  test("rmi by id untags and deletes", async () => {
    const layer = images.resolve(imported).layers[0];
    assert.deepEqual(await images.remove(imported, { force: false, noPrune: false, isUsed: never }), [
      { Untagged: "imported:latest" },
      { Deleted: imported },
      { Deleted: layer },
    ]);
    assert.throws(() => images.resolve(imported), /No such image/);
  });

  test("a commit without changes adds no layer, only an empty_layer history entry", async () => {
    await storage.createRw("ctr3", images.topLayer(busybox));
    const layersBefore = images.resolve(busybox).layers;
    const id = await images.createImage({
      parent: busybox,
      layer: storage.diffTar("ctr3"),
      config: { config: { Cmd: ["true"] } },
      createdBy: "true",
    });
    await storage.removeRw("ctr3");
    const rec = images.resolve(id);
    assert.deepEqual(rec.layers, layersBefore);
    assert.deepEqual(rec.config.history?.at(-1)?.empty_layer, true);
    assert.equal(images.history(id)[0].Size, 0);
    await images.remove(id, { force: false, noPrune: true, isUsed: never });
  });

  test("addDigest names an image by digest; tags record the last tag time", async () => {
    const digest = `sha256:${"ab".repeat(32)}`;
    images.addDigest(`localhost:5000/box@${digest}`, busybox);
    assert.deepEqual(images.resolve(busybox).repoDigests, [`localhost:5000/box@${digest}`]);
    assert.equal(images.resolve(`localhost:5000/box@${digest}`).id, busybox);
    assert.throws(() => images.addDigest("localhost:5000/box:1", busybox), /not a digest reference/);
    assert.throws(() => images.addDigest(`x@${digest}`, "nosuch"), /No such image/);
    assert.ok(Date.parse(images.resolve(busybox).lastTagTime ?? "") > Date.now() - 60_000);
    await images.remove(`localhost:5000/box@${digest}`, { force: false, noPrune: false, isUsed: never });
    assert.deepEqual(images.resolve(busybox).repoDigests, []);
  });

  test("a reopened store has the same images and tags", async () => {
    const again = await createImageStore({ root: posix.join(dir, "image"), storage });
    assert.deepEqual(
      again.list().map((r) => [r.id, r.repoTags]),
      [[busybox, ["busybox:latest"]]],
    );
  });
});
