import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runCommand, startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { SKOPEO_BIN } from "./harness/docker-registry.ts";
import { layerDirs } from "./images-fixtures.ts";

// docker save and docker load between two daemons (kapsel's CLI has no save/load yet: docker only),
// skopeo reading the archive, and what load says of an archive it cannot read.
describe("images: save and load", () => {
  let a: TestDaemon;
  let b: TestDaemon;
  let tmp: string;

  before(async () => {
    a = await startDaemon();
    b = await startDaemon({ busybox: false });
    tmp = mkdtempSync("/tmp/kapsel-images-archive-");
  });
  after(async () => {
    await a?.[Symbol.asyncDispose]();
    await b?.[Symbol.asyncDispose]();
    rmSync(tmp, { recursive: true, force: true });
  });

  const id = async (d: TestDaemon, ref: string) =>
    (await d.docker(["image", "inspect", "--format", "{{.Id}}", ref])).stdout.trim();

  test("save -o then load -i into another daemon gives the same image, which runs", async () => {
    const commit = await a.docker(["run", "--name", "c1", "busybox", "sh", "-c", "echo saved > /saved"]);
    assert.equal(commit.code, 0, commit.stderr);
    assert.equal((await a.docker(["commit", "c1", "made:1"])).code, 0);
    const file = join(tmp, "two.tar");
    const saved = await a.docker(["save", "-o", file, "busybox", "made:1"]);
    assert.equal(saved.code, 0, saved.stderr);
    const names = execFileSync("tar", ["tf", file], { encoding: "utf8" }).split("\n");
    for (const n of ["manifest.json", "index.json", "oci-layout", "repositories"])
      assert.ok(names.includes(n), n);

    const loaded = await b.docker(["load", "-i", file]);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.match(loaded.stdout, /Loaded image: busybox:latest\n/);
    assert.match(loaded.stdout, /Loaded image: made:1\n/);
    assert.equal(await id(b, "busybox"), await id(a, "busybox"));
    assert.equal(await id(b, "made:1"), await id(a, "made:1"));
    const run = await b.docker(["run", "--rm", "made:1", "cat", "/saved"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "saved\n");
  });

  test("skopeo reads the archive; an image saved by id loads untagged", async () => {
    const file = join(tmp, "by-id.tar");
    const imageId = await id(a, "busybox");
    assert.equal((await a.docker(["save", "-o", file, imageId])).code, 0);
    const inspect = await runCommand(
      SKOPEO_BIN,
      ["inspect", `docker-archive:${join(tmp, "two.tar")}:busybox:latest`],
      {},
    );
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.equal(JSON.parse(inspect.stdout).Layers.length, 1);
    const loaded = await b.docker(["load", "-i", file]);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.equal(loaded.stdout, `Loaded image ID: ${imageId}\n`);
  });

  test("save and load are image events, named by the image id", async () => {
    const events = async (d: TestDaemon) => {
      const until = (Date.now() / 1000).toFixed(3);
      const filters = encodeURIComponent('{"type":["image"]}');
      const r = await d.api("GET", `/events?since=0&until=${until}&filters=${filters}`);
      return r.body
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { Action: string; Actor: { ID: string } })
        .map((e) => `${e.Action} ${e.Actor.ID}`);
    };
    const busyboxId = await id(a, "busybox");
    assert.ok((await events(a)).includes(`save ${busyboxId}`));
    assert.ok((await events(b)).includes(`load ${busyboxId}`));
  });

  test("load reads the layout of Docker before 25 (<id>/layer.tar, symlinked duplicates)", async () => {
    const dir = join(tmp, "new");
    const old = join(tmp, "old");
    mkdirSync(dir);
    mkdirSync(old);
    execFileSync("tar", ["xf", join(tmp, "two.tar"), "-C", dir]);
    const entries = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    const made = entries.find((m: { RepoTags: string[] }) => m.RepoTags?.includes("made:1"));
    const cfg = basename(made.Config);
    writeFileSync(join(old, `${cfg}.json`), readFileSync(join(dir, made.Config)));
    const layers = made.Layers.map((l: string, i: number) => {
      const hex = basename(l);
      mkdirSync(join(old, hex));
      writeFileSync(join(old, hex, "layer.tar"), readFileSync(join(dir, l)));
      if (i > 0) return `${hex}/layer.tar`;
      // Docker links a layer saved twice to its first copy
      mkdirSync(join(old, "dup"));
      symlinkSync(`../${hex}/layer.tar`, join(old, "dup", "layer.tar"));
      return "dup/layer.tar";
    });
    writeFileSync(
      join(old, "manifest.json"),
      JSON.stringify([{ Config: `${cfg}.json`, RepoTags: ["old:1"], Layers: layers }]),
    );
    execFileSync("tar", ["cf", join(tmp, "old.tar"), "-C", old, "."]);
    await using c = await startDaemon({ busybox: false });
    const loaded = await c.docker(["load", "-i", join(tmp, "old.tar")]);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.equal(loaded.stdout, "Loaded image: old:1\n");
    assert.equal(await id(c, "old:1"), await id(a, "made:1"));
    const run = await c.docker(["run", "--rm", "old:1", "cat", "/saved"]);
    assert.equal(run.stdout, "saved\n", run.stderr);
  });

  test("save of an unknown image is Docker's error; a corrupt archive loads nothing", async () => {
    const missing = await a.docker(["save", "-o", join(tmp, "x.tar"), "nosuch:1"]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /No such image: nosuch:1/);

    const before = (await b.docker(["images", "-q", "--no-trunc"])).stdout;
    const layersBefore = layerDirs(b.dataRoot);
    const junk = join(tmp, "junk.tar");
    writeFileSync(junk, "this is not a tar archive at all".repeat(40));
    const r1 = await b.docker(["load", "-i", junk]);
    assert.notEqual(r1.code, 0);
    assert.match(r1.stderr, /invalid (tar|image) archive/);

    // a real archive whose new layer's bytes were altered: the diffId check refuses it
    assert.equal((await a.docker(["run", "--name", "c2", "busybox", "sh", "-c", "echo x > /new"])).code, 0);
    assert.equal((await a.docker(["commit", "c2", "corrupt:1"])).code, 0);
    const dir = join(tmp, "bad");
    mkdirSync(dir);
    assert.equal((await a.docker(["save", "-o", join(tmp, "corrupt.tar"), "corrupt:1"])).code, 0);
    execFileSync("tar", ["xf", join(tmp, "corrupt.tar"), "-C", dir]);
    const [entry] = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    const layer = join(dir, entry.Layers.at(-1));
    const bytes = readFileSync(layer);
    const at = bytes.indexOf("x\n", 512);
    bytes[at] = "y".charCodeAt(0); // the file's body: still a valid tar, another digest
    writeFileSync(layer, bytes);
    const bad = join(tmp, "bad.tar");
    execFileSync("tar", ["cf", bad, "-C", dir, "."]);
    const r2 = await b.docker(["load", "-i", bad]);
    assert.notEqual(r2.code, 0);
    assert.match(r2.stderr, /layer digest mismatch/);
    assert.equal((await b.docker(["images", "-q", "--no-trunc"])).stdout, before);
    assert.deepEqual(layerDirs(b.dataRoot), layersBefore);
    assert.deepEqual(readdirSync(join(b.dataRoot, "image/tmp")), []);
    assert.notEqual((await b.docker(["image", "inspect", "corrupt:1"])).code, 0);
  });
});
