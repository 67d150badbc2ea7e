import assert from "node:assert/strict";
import { utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { build, builtId, CLIS, type Cli, cachedSteps, contextDir } from "./build-support.ts";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// The step cache (issue 5, point 4): an unchanged rebuild runs nothing and gives the same image
// id; a changed file's content busts the cache from its COPY on, a changed mtime does not;
// --no-cache runs everything; the cache survives a daemon restart; builder prune clears it.
// Each case with both CLIs, on one daemon: each CLI's changes are its own, so it sees a miss.
const DOCKERFILE = `FROM busybox:latest
ENV APP=/app
COPY big.bin /app/big.bin
COPY small/ /app/small/
RUN sh -c 'ls /app/small | wc -l > /app/count'
CMD ["cat", "/app/count"]
`;

describe("build: the step cache", () => {
  let d: TestDaemon;
  const ctx = contextDir({
    Dockerfile: DOCKERFILE,
    "big.bin": "x".repeat(100_000),
    "small/a.txt": "a\n",
    "small/b.txt": "b\n",
  });
  const run = async (cli: Cli, ...extra: string[]) => build(d, cli, [...extra, "-t", "cached", ctx.dir]);
  const count = async () => (await d.docker(["run", "--rm", "cached"])).stdout;

  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    ctx[Symbol.dispose]();
  });

  let first: string | undefined;

  test("an unchanged rebuild runs nothing and gives the same image id, with either CLI", async () => {
    const one = await run("docker");
    assert.equal(cachedSteps(one), 0, one);
    first = builtId(one);
    for (const cli of CLIS) {
      const two = await run(cli);
      assert.equal(cachedSteps(two), 5, two);
      assert.doesNotMatch(two, /Running in/);
      assert.equal(builtId(two), first);
    }
    assert.equal(await count(), "2\n");
  });

  for (const cli of CLIS)
    test(`${cli}: a touched file (same content, new mtime) still hits the cache`, async () => {
      const later = new Date(Date.now() + (cli === "docker" ? 5000 : 10_000));
      utimesSync(join(ctx.dir, "big.bin"), later, later);
      utimesSync(join(ctx.dir, "small", "a.txt"), later, later);
      const out = await run(cli);
      assert.equal(cachedSteps(out), 5, out);
      assert.equal(builtId(out), first);
    });

  for (const cli of CLIS)
    test(`${cli}: a changed file's content busts the cache from its COPY on`, async () => {
      const content = cli === "docker" ? "D\n" : "K\n"; // same size, other content
      writeFileSync(join(ctx.dir, "small", "b.txt"), content);
      const out = await run(cli);
      assert.equal(cachedSteps(out), 2, out); // ENV and COPY big.bin
      assert.match(out, /Step 4\/6 : COPY small\/ \/app\/small\/\n ---> [0-9a-f]{12}\n/);
      assert.match(out, /Running in/);
      assert.notEqual(builtId(out), first);
      const b = await d.docker(["run", "--rm", "cached", "cat", "/app/small/b.txt"]);
      assert.equal(b.stdout, content);
      // and back: the first content's steps are still cached
      writeFileSync(join(ctx.dir, "small", "b.txt"), "b\n");
      const back = await run(cli);
      assert.equal(cachedSteps(back), 5, back);
      assert.equal(builtId(back), first);
    });

  for (const cli of CLIS)
    test(`${cli}: a new file in a copied directory busts the cache; --no-cache runs every step`, async () => {
      const before = Number(await count());
      writeFileSync(join(ctx.dir, "small", `new-${cli}.txt`), "new\n");
      const out = await run(cli);
      assert.equal(cachedSteps(out), 2, out);
      assert.equal(await count(), `${before + 1}\n`);
      const none = await run(cli, "--no-cache");
      assert.equal(cachedSteps(none), 0, none);
      assert.match(none, /Running in/);
    });

  test("the cache survives a daemon restart", async () => {
    const before = builtId(await run("docker"));
    await d.stop();
    await d.start();
    for (const cli of CLIS) {
      const out = await run(cli);
      assert.equal(cachedSteps(out), 5, out);
      assert.equal(builtId(out), before);
    }
  });

  for (const cli of CLIS)
    test(`${cli}: --cache-from limits the cache to those images and their ancestors`, async () => {
      const cachedId = builtId(await run(cli));
      // an image that is no build's result: no step's cached image is one of its ancestors
      const none = await run(cli, "--cache-from", "busybox:latest");
      assert.equal(cachedSteps(none), 0, none);
      const unknown = await run(cli, "--cache-from", "nosuchimage:1");
      assert.equal(cachedSteps(unknown), 0, unknown);
      // the image built before: each of its steps is an ancestor (or the image itself)
      await d.docker(["tag", cachedId ?? "", `from-${cli}`]);
      const hit = await run(cli, "--cache-from", `from-${cli}`);
      assert.equal(cachedSteps(hit), 5, hit);
    });

  for (const cli of CLIS)
    test(`${cli}: builder prune forgets the cache and removes the images only it kept`, async () => {
      const images = async () => (await d.docker(["images", "-aq"])).stdout.trim().split("\n");
      // an untagged build: only the cache keeps its images
      writeFileSync(join(ctx.dir, "small", "b.txt"), `only cached ${cli}\n`);
      const untagged = await build(d, cli, [ctx.dir]);
      const dangling = builtId(untagged);
      assert.ok(dangling && (await images()).includes(dangling), untagged);
      const r = await d[cli](["builder", "prune", "-f"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        /^Deleted build cache objects:\n([0-9a-f]{64}\n)+\nTotal reclaimed space: [1-9]/,
      );
      const left = await images();
      assert.ok(!left.includes(dangling), `${dangling} in ${left}`);
      // the tagged image and its parents stay
      const tagged = (await d.docker(["image", "inspect", "-f", "{{.Id}}", "cached"])).stdout.slice(7, 19);
      assert.ok(left.includes(tagged), `${tagged} in ${left}`);
      const out = await run(cli);
      assert.equal(cachedSteps(out), 0, out);
      const again = await d[cli](["builder", "prune", "-f"]);
      assert.match(again.stdout, /^Deleted build cache objects:\n/);
      const none = await d[cli](["builder", "prune", "-f"]);
      assert.equal(none.stdout, "Total reclaimed space: 0B\n");
    });
});
