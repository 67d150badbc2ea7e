import assert from "node:assert/strict";
import { test } from "node:test";
import { startDaemon } from "./harness/daemon.ts";

// docker image prune: dangling images by default, -a for every unused image, images in use
// kept, filters, and the reclaimed space.
for (const cli of ["docker", "kapsel"] as const)
  test(`${cli}: image prune removes dangling images, -a the unused ones, never those in use`, async () => {
    await using d = await startDaemon();
    const ok = async (args: string[]) => {
      const r = await d[cli](args);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      return r.stdout.trim();
    };
    await ok(["run", "--name", "c1", "busybox", "sh", "-c", "echo 1 > /one"]);
    const first = await ok(["commit", "c1", "pr:one"]);
    await ok(["run", "--name", "c2", "busybox", "sh", "-c", "echo 2 > /two"]);
    await ok(["commit", "c2", "pr:two"]);
    // retagging pr:one leaves the first commit dangling
    await ok(["tag", "pr:two", "pr:one"]);
    await ok(["run", "--name", "c3", "busybox", "sh", "-c", "echo 3 > /three"]);
    await ok(["commit", "--change", "LABEL keep=yes", "c3", "pr:labelled"]);

    const dangling = await ok(["images", "-q", "--no-trunc", "--filter", "dangling=true"]);
    assert.equal(dangling, first);
    const prune = await ok(["image", "prune", "-f"]);
    assert.match(prune, new RegExp(`^Deleted Images:\\ndeleted: ${first}\\n`));
    assert.match(prune, /Total reclaimed space: \d/);
    assert.equal(await ok(["images", "-q", "--filter", "dangling=true"]), "");

    // -a: unused images go (label filters narrow), busybox stays while c1 uses it
    const labelled = await ok(["image", "prune", "-a", "-f", "--filter", "label=keep=yes"]);
    assert.match(labelled, /untagged: pr:labelled/);
    assert.equal((await d.docker(["image", "inspect", "pr:two"])).code, 0);
    const all = await ok(["image", "prune", "-a", "-f"]);
    assert.match(all, /untagged: pr:two/);
    assert.doesNotMatch(all, /busybox/);
    assert.equal(await ok(["images", "--format", "{{.Repository}}:{{.Tag}}"]), "busybox:latest");

    const bad = await d[cli](["image", "prune", "-f", "--filter", "bogus=1"]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /invalid filter 'bogus'/);
    const nothing = await ok(["image", "prune", "-f"]);
    assert.equal(nothing, "Total reclaimed space: 0B");
  });
