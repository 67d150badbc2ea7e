import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { CLIS, layerDirs, lines, rootfsTar, short, unixNow } from "./images-fixtures.ts";

// docker rmi as Docker does it: untag or delete, conflicts with containers and child images,
// --no-prune, and the image events, through the docker CLI and kapsel. Each case imports its
// own root file system, so that every image has a layer of its own to delete.
describe("images: rmi and image events", () => {
  let d: TestDaemon;
  let tmp: string;

  before(async () => {
    d = await startDaemon({ busybox: false });
    tmp = mkdtempSync("/tmp/kapsel-images-rm-");
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Imports a root file system of its own as `name`; returns the image id and its layers' chain ids. */
  async function importImage(name: string): Promise<{ id: string; layer: string }> {
    const r = await d.docker(["import", rootfsTar(tmp, `${name}.tar`, { name }), name]);
    assert.equal(r.code, 0, r.stderr);
    return { id: r.stdout.trim(), layer: await layersOf(name).then((l) => l[0]) };
  }

  /** The chain ids of an image's layers, bottom first. */
  async function layersOf(name: string): Promise<string[]> {
    const [img] = JSON.parse((await d.docker(["image", "inspect", name])).stdout);
    const chain: string[] = [];
    for (const diffId of img.RootFS.Layers as string[]) {
      const prev = chain.at(-1);
      chain.push(prev ? `sha256:${createHash("sha256").update(`${prev} ${diffId}`).digest("hex")}` : diffId);
    }
    return chain;
  }

  const onDisk = (chainId: string) => layerDirs(d.dataRoot).includes(chainId.slice(7));

  for (const cli of CLIS) {
    const run = (args: string[]) => d[cli](args);

    test(`${cli}: rmi of one of several tags untags; of the last deletes the image and its layer`, async () => {
      const name = `${cli}-untag`;
      const { id, layer } = await importImage(`${name}:1`);
      await d.docker(["tag", `${name}:1`, `${name}:2`]);
      const first = await run(["rmi", `${name}:1`]);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, `Untagged: ${name}:1\n`);
      assert.equal((await run(["images", "-q", name])).stdout, `${short(id)}\n`);
      const last = await run(["rmi", `${name}:2`]);
      assert.equal(last.code, 0, last.stderr);
      assert.equal(last.stdout, `Untagged: ${name}:2\nDeleted: ${id}\nDeleted: ${layer}\n`);
      assert.equal(onDisk(layer), false);
      const again = await run(["rmi", `${name}:2`]);
      assert.equal(again.code, 1);
      assert.equal(again.stderr, `Error response from daemon: No such image: ${name}:2\n`);
    });

    test(`${cli}: rmi by id of an image with several tags needs -f, then untags them all`, async () => {
      const name = `${cli}-byid`;
      const { id, layer } = await importImage(`${name}:a`);
      await d.docker(["tag", id, `${name}:b`]);
      const refused = await run(["rmi", short(id)]);
      assert.equal(refused.code, 1);
      assert.equal(
        refused.stderr,
        `Error response from daemon: conflict: unable to delete ${short(id)} (must be forced) - image is referenced in multiple repositories\n`,
      );
      const forced = await run(["rmi", "-f", short(id)]);
      assert.equal(forced.code, 0, forced.stderr);
      assert.equal(
        forced.stdout,
        `Untagged: ${name}:a\nUntagged: ${name}:b\nDeleted: ${id}\nDeleted: ${layer}\n`,
      );
    });

    test(`${cli}: rmi refuses an image containers use, with Docker's conflict messages`, async () => {
      const name = `${cli}-used`;
      const { id, layer } = await importImage(name);
      const stopped = (await d.docker(["create", "--name", `${cli}-stopped`, name, "true"])).stdout.trim();
      const byName = await run(["rmi", name]);
      assert.equal(byName.code, 1);
      assert.equal(
        byName.stderr,
        `Error response from daemon: conflict: unable to remove repository reference "${name}" (must force) - container ${short(stopped)} is using its referenced image ${short(id)}\n`,
      );
      const byId = await run(["rmi", short(id)]);
      assert.equal(
        byId.stderr,
        `Error response from daemon: conflict: unable to delete ${short(id)} (must be forced) - image is being used by stopped container ${short(stopped)}\n`,
      );
      const running = (
        await d.docker(["run", "-d", "--name", `${cli}-running`, name, "sleep", "30"])
      ).stdout.trim();
      const hard = await run(["rmi", "-f", short(id)]);
      assert.equal(hard.code, 1);
      assert.equal(
        hard.stderr,
        `Error response from daemon: conflict: unable to delete ${short(id)} (cannot be forced) - image is being used by running container ${short(running)}\n`,
      );
      // forced by name: the name goes, the image stays for its running container
      const untag = await run(["rmi", "-f", name]);
      assert.equal(untag.code, 0, untag.stderr);
      assert.equal(untag.stdout, `Untagged: ${name}:latest\n`);
      await d.docker(["rm", "-f", `${cli}-running`]);
      // forced by id with only a stopped container: deleted, its layer kept for the container
      const deleted = await run(["rmi", "-f", short(id)]);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.equal(deleted.stdout, `Deleted: ${id}\n`);
      assert.equal(onDisk(layer), true);
      const start = await d.docker(["start", "-a", `${cli}-stopped`]);
      assert.equal(start.code, 0, start.stderr);
      await d.docker(["rm", `${cli}-stopped`]);
      assert.equal(onDisk(layer), false);
    });

    test(`${cli}: an image with children stays valid; rmi prunes untagged parents unless --no-prune`, async () => {
      const parent = await importImage(`${cli}-parent`);
      const maker = `${cli}-maker`;
      await d.docker(["run", "--name", maker, `${cli}-parent`, "sh", "-c", "echo child > /child"]);
      // docker commit makes the child (kapsel has no commit command yet)
      const child = (await d.docker(["commit", maker, `${cli}-child`])).stdout.trim();
      await d.docker(["rm", maker]);
      const childLayer = (await layersOf(`${cli}-child`))[1];

      for (const args of [
        ["rmi", short(parent.id)],
        ["rmi", "-f", short(parent.id)],
      ]) {
        const r = await run(args);
        assert.equal(r.code, 1);
        assert.equal(
          r.stderr,
          `Error response from daemon: conflict: unable to delete ${short(parent.id)} (cannot be forced) - image has dependent child images\n`,
        );
      }
      const untag = await run(["rmi", `${cli}-parent`]);
      assert.equal(untag.stdout, `Untagged: ${cli}-parent:latest\n`);
      assert.ok(!(await run(["images", "-q"])).stdout.includes(short(parent.id)));
      assert.ok((await run(["images", "-a", "-q"])).stdout.includes(short(parent.id)));
      const runChild = await d.docker(["run", "--rm", `${cli}-child`, "cat", "/child", "/name"]);
      assert.equal(runChild.stdout, `child\n${cli}-parent`);

      const noPrune = await run(["rmi", "--no-prune", `${cli}-child`]);
      assert.equal(noPrune.code, 0, noPrune.stderr);
      assert.equal(
        noPrune.stdout,
        `Untagged: ${cli}-child:latest\nDeleted: ${child}\nDeleted: ${childLayer}\n`,
      );
      // the parent is left dangling, and listed as such
      assert.equal(
        (await run(["images", "--filter", "dangling=true", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"]))
          .stdout,
        `<none>:<none> ${short(parent.id)}\n`,
      );

      // again, pruning: the child's removal takes the untagged parent with it
      const again = (await d.docker(["tag", parent.id, `${cli}-parent`])).code;
      assert.equal(again, 0);
      await d.docker(["run", "--name", maker, `${cli}-parent`, "touch", "/x"]);
      const child2 = (await d.docker(["commit", maker, `${cli}-child`])).stdout.trim();
      await d.docker(["rm", maker]);
      const child2Layer = (await layersOf(`${cli}-child`))[1];
      await run(["rmi", `${cli}-parent`]);
      const pruned = await run(["rmi", `${cli}-child`]);
      assert.equal(
        pruned.stdout,
        `Untagged: ${cli}-child:latest\nDeleted: ${child2}\nDeleted: ${child2Layer}\nDeleted: ${parent.id}\nDeleted: ${parent.layer}\n`,
      );
      assert.equal(onDisk(parent.layer), false);
    });

    test(`${cli}: rmi -f of a missing image reports it and exits 0; without -f exits 1`, async () => {
      const forced = await run(["rmi", "-f", `${cli}-missing`]);
      assert.equal(forced.code, 0);
      assert.equal(forced.stderr, `Error response from daemon: No such image: ${cli}-missing:latest\n`);
      const plain = await run(["rmi", `${cli}-missing`]);
      assert.equal(plain.code, 1);
    });

    test(`${cli}: events shows import, tag, untag and delete of images`, async () => {
      const name = `${cli}-events`;
      const since = unixNow();
      const { id } = await importImage(`${name}:1`);
      await d.docker(["tag", `${name}:1`, `${name}:2`]);
      await d.docker(["rmi", `${name}:2`]);
      await d.docker(["rmi", `${name}:1`]);
      const until = unixNow();
      const r = await run([
        "events",
        "--since",
        since,
        "--until",
        until,
        "--filter",
        "type=image",
        "--format",
        "{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(lines(r.stdout), [
        `image tag ${id} ${name}:1`,
        `image import ${id} ${id}`,
        `image tag ${id} ${name}:2`,
        `image untag ${id} ${id}`,
        `image untag ${id} ${id}`,
        `image delete ${id} ${id}`,
      ]);
    });
  }
});
