import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { CLIS, layerDirs, mountsUnder, rootfsTar } from "./images-fixtures.ts";

// What images and containers leave on disk under the data root: shared layers, container
// layers removed with their container, no mounts once containers stop; and how `run` names
// images (the default tag, a missing image).
describe("images: storage on disk, and run's image names", () => {
  let d: TestDaemon;
  let tmp: string;

  before(async () => {
    d = await startDaemon();
    tmp = mkdtempSync("/tmp/kapsel-images-storage-");
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    rmSync(tmp, { recursive: true, force: true });
  });

  const containerDirs = () => readdirSync(join(d.dataRoot, "storage/containers"));

  for (const cli of CLIS) {
    const run = (args: string[]) => d[cli](args);

    test(`${cli}: two images of the same layer share one layer directory`, async () => {
      const tar = rootfsTar(tmp, `${cli}-shared.tar`, { shared: cli });
      const before = layerDirs(d.dataRoot);
      const a = await run(["import", "-c", "ENV WHO=a", tar, `${cli}-share-a`]);
      const b = await run(["import", "-c", "ENV WHO=b", tar, `${cli}-share-b`]);
      assert.equal(a.code + b.code, 0, a.stderr + b.stderr);
      assert.notEqual(a.stdout, b.stdout);
      const added = layerDirs(d.dataRoot).filter((l) => !before.includes(l));
      assert.equal(added.length, 1);
      const layersOf = async (name: string) =>
        JSON.parse((await run(["image", "inspect", "--format", "{{json .RootFS.Layers}}", name])).stdout);
      assert.deepEqual(await layersOf(`${cli}-share-a`), [`sha256:${added[0]}`]);
      assert.deepEqual(await layersOf(`${cli}-share-b`), [`sha256:${added[0]}`]);
      // the layer stays while one of its images does
      await run(["rmi", `${cli}-share-a`]);
      assert.ok(layerDirs(d.dataRoot).includes(added[0]));
      assert.equal((await run(["run", "--rm", `${cli}-share-b`, "cat", "/shared"])).stdout, cli);
      await run(["rmi", `${cli}-share-b`]);
      assert.ok(!layerDirs(d.dataRoot).includes(added[0]));
    });

    test(`${cli}: a container's layer comes with create and goes with rm; run --rm leaves none`, async () => {
      const before = containerDirs();
      const id = (await run(["create", "--name", `${cli}-rw`, "busybox", "true"])).stdout.trim();
      assert.match(id, /^[0-9a-f]{64}$/);
      assert.ok(existsSync(join(d.dataRoot, "storage/containers", id)));
      const rm = await run(["rm", `${cli}-rw`]);
      assert.equal(rm.code, 0, rm.stderr);
      assert.deepEqual(containerDirs(), before);
      const r = await run(["run", "--rm", "busybox", "sh", "-c", "echo data > /file"]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(containerDirs(), before);
    });

    test(`${cli}: no mounts are left under the data root once containers stop`, async () => {
      const name = `${cli}-mounted`;
      const started = await run(["run", "-d", "--name", name, "busybox", "sleep", "30"]);
      assert.equal(started.code, 0, started.stderr);
      const id = started.stdout.trim();
      assert.ok(mountsUnder(d.dataRoot).includes(join(d.dataRoot, "storage/containers", id, "merged")));
      assert.equal((await run(["stop", "-t", "0", name])).code, 0);
      assert.deepEqual(mountsUnder(d.dataRoot), []);
      assert.equal((await run(["run", "--name", `${cli}-exited`, "busybox", "true"])).code, 0);
      assert.deepEqual(mountsUnder(d.dataRoot), []);
      await run(["rm", name, `${cli}-exited`]);
    });

    test(`${cli}: run of an image named without a tag uses :latest`, async () => {
      assert.equal((await d.docker(["tag", "busybox", `${cli}-box`])).code, 0);
      const r = await run(["run", "--rm", `${cli}-box`, "echo", "from latest"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "from latest\n");
      const c = await run(["create", "--name", `${cli}-named`, `${cli}-box:latest`]);
      const image = await run(["inspect", "--format", "{{.Config.Image}} {{.Image}}", `${cli}-named`]);
      const id = (await run(["image", "inspect", "--format", "{{.Id}}", "busybox"])).stdout.trim();
      assert.equal(c.code, 0, c.stderr);
      assert.equal(image.stdout, `${cli}-box:latest ${id}\n`);
      await run(["rm", `${cli}-named`]);
    });

    test(`${cli}: run of a missing image says it is not here, then why it cannot be had, and exits 125`, async () => {
      // a registry on a closed loopback port: nothing leaves the machine, whether pull exists or not
      const name = `127.0.0.1:9/${cli}-nosuch`;
      const r = await run(["run", "--rm", name]);
      assert.equal(r.code, 125);
      const [first, second] = r.stderr.split("\n");
      assert.equal(first, `Unable to find image '${name}:latest' locally`);
      assert.match(second, new RegExp(`^${cli}: .+`));
      assert.equal(r.stdout, "");
    });
  }
});
