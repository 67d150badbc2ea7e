import assert from "node:assert/strict";
import { utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { contextDir } from "./build-support.ts";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// The step cache (issue 5, point 4): an unchanged rebuild runs nothing and gives the same image
// id; a changed file's content busts the cache from its COPY on, a changed mtime does not;
// --no-cache runs everything; the cache survives a daemon restart; builder prune clears it.
const DOCKERFILE = `FROM busybox:latest
ENV APP=/app
COPY big.bin /app/big.bin
COPY small/ /app/small/
RUN sh -c 'ls /app/small | wc -l > /app/count'
CMD ["cat", "/app/count"]
`;

const cached = (out: string) => (out.match(/ ---> Using cache\n/g) ?? []).length;
const builtId = (out: string) => /Successfully built ([0-9a-f]{12})/.exec(out)?.[1];

describe("build: the step cache", () => {
  let d: TestDaemon;
  const ctx = contextDir({
    Dockerfile: DOCKERFILE,
    "big.bin": "x".repeat(100_000),
    "small/a.txt": "a\n",
    "small/b.txt": "b\n",
  });
  const build = async (...extra: string[]) => {
    const r = await d.docker(["build", ...extra, "-t", "cached", ctx.dir], { timeout: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    ctx[Symbol.dispose]();
  });

  let first: string | undefined;

  test("an unchanged rebuild runs nothing and gives the same image id", async () => {
    const one = await build();
    assert.equal(cached(one), 0, one);
    first = builtId(one);
    const two = await build();
    assert.equal(cached(two), 5, two);
    assert.doesNotMatch(two, /Running in/);
    assert.equal(builtId(two), first);
    const run = await d.docker(["run", "--rm", "cached"]);
    assert.equal(run.stdout, "2\n");
  });

  test("a touched file (same content, new mtime) still hits the cache", async () => {
    const later = new Date(Date.now() + 5000);
    utimesSync(join(ctx.dir, "big.bin"), later, later);
    utimesSync(join(ctx.dir, "small", "a.txt"), later, later);
    const out = await build();
    assert.equal(cached(out), 5, out);
    assert.equal(builtId(out), first);
  });

  test("a changed file's content busts the cache from its COPY on", async () => {
    writeFileSync(join(ctx.dir, "small", "b.txt"), "B\n"); // same size, other content
    const out = await build();
    assert.equal(cached(out), 2, out); // ENV and COPY big.bin
    assert.match(out, /Step 4\/6 : COPY small\/ \/app\/small\/\n ---> [0-9a-f]{12}\n/);
    assert.match(out, /Running in/);
    assert.notEqual(builtId(out), first);
    const b = await d.docker(["run", "--rm", "cached", "cat", "/app/small/b.txt"]);
    assert.equal(b.stdout, "B\n");
    // and back: the first content's steps are still cached
    writeFileSync(join(ctx.dir, "small", "b.txt"), "b\n");
    const back = await build();
    assert.equal(cached(back), 5, back);
    assert.equal(builtId(back), first);
  });

  test("a new file in a copied directory busts the cache; --no-cache runs every step", async () => {
    writeFileSync(join(ctx.dir, "small", "c.txt"), "c\n");
    const out = await build();
    assert.equal(cached(out), 2, out);
    assert.equal((await d.docker(["run", "--rm", "cached"])).stdout, "3\n");
    const none = await build("--no-cache");
    assert.equal(cached(none), 0, none);
    assert.match(none, /Running in/);
  });

  test("the cache survives a daemon restart", async () => {
    const before = builtId(await build());
    await d.stop();
    await d.start();
    const out = await build();
    assert.equal(cached(out), 5, out);
    assert.equal(builtId(out), before);
  });

  test("builder prune forgets the cache and removes the images only it kept", async () => {
    const images = async () => (await d.docker(["images", "-aq"])).stdout.trim().split("\n").length;
    const r = await d.docker(["builder", "prune", "-f"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Total reclaimed space: /);
    const left = await images();
    const out = await build();
    assert.equal(cached(out), 0, out);
    // the tagged image and its parents stay; the older builds' dangling steps went
    assert.ok(left >= 7, `images left: ${left}`);
  });
});
