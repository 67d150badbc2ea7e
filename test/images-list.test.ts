import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { CLIS, lines, rootfsTar, short } from "./images-fixtures.ts";

// Listing, inspecting, tagging and the history of images, through the docker CLI and kapsel,
// as Docker prints them. busybox comes from `kapsel image bootstrap`, the rest from import.
describe("images: list, inspect, tag, history", () => {
  let d: TestDaemon;
  let tmp: string;
  let busybox: string;
  let labelled: string;
  let dangling: string;

  before(async () => {
    d = await startDaemon({ busybox: false });
    tmp = mkdtempSync("/tmp/kapsel-images-list-");
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    rmSync(tmp, { recursive: true, force: true });
  });

  test("kapsel image bootstrap busybox makes busybox:latest and prints its id", async () => {
    const r = await d.kapsel(["image", "bootstrap", "busybox"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const out = lines(r.stdout);
    assert.equal(out[0], "Bootstrapping busybox:latest from the host");
    assert.match(out.at(-1)!, /^sha256:[0-9a-f]{64}$/);
    busybox = out.at(-1)!;
    // the same binary gives the same image: a second bootstrap changes nothing
    const again = await d.kapsel(["image", "bootstrap", "busybox"]);
    assert.equal(lines(again.stdout).at(-1), busybox);
    // made before the other images below: before/since filters rely on it
    const tar = rootfsTar(tmp, "labelled.tar", { "etc/labelled": "1" });
    labelled = (await d.docker(["import", "-c", "LABEL tier=base", tar, "labelled:1"])).stdout.trim();
    await new Promise((r) => setTimeout(r, 1100)); // created times in seconds must differ
    dangling = (await d.docker(["import", rootfsTar(tmp, "dangling.tar", { x: "dangling" })])).stdout.trim();
    assert.match(dangling, /^sha256:[0-9a-f]{64}$/);
  });

  test("image inspect: Id is the sha256 of the config, with RepoTags, RootFS, Config and Size", async () => {
    const [img] = JSON.parse((await d.docker(["image", "inspect", "busybox"])).stdout);
    const config = readFileSync(join(d.dataRoot, "image/blobs/sha256", img.Id.slice(7)));
    assert.equal(img.Id, `sha256:${createHash("sha256").update(config).digest("hex")}`);
    assert.equal(img.Id, busybox);
    assert.deepEqual(img.RepoTags, ["busybox:latest"]);
    assert.deepEqual(img.RepoDigests, []);
    assert.equal(img.RootFS.Type, "layers");
    assert.deepEqual(img.RootFS.Layers, JSON.parse(config.toString()).rootfs.diff_ids);
    assert.equal(img.RootFS.Layers.length, 1);
    assert.deepEqual(img.Config.Cmd, ["sh"]);
    assert.ok(img.Size > 1_000_000);
    assert.equal(img.Os, "linux");
  });

  for (const cli of CLIS) {
    const run = (args: string[]) => d[cli](args);

    test(`${cli}: images prints Docker's table, one row per tag`, async () => {
      const r = await run(["images"]);
      assert.equal(r.code, 0, r.stderr);
      const [header, ...rows] = lines(r.stdout);
      assert.match(header, /^REPOSITORY {3}TAG {7}IMAGE ID {7}CREATED {1,}SIZE$/);
      const row = rows.find((l) => l.startsWith("busybox "));
      assert.match(row ?? "", new RegExp(`^busybox +latest +${short(busybox)} +\\d+ \\w+ ago +1\\.\\d+MB$`));
      assert.ok(rows.some((l) => /^<none> +<none> +/.test(l) && l.includes(short(dangling))));
    });

    test(`${cli}: images -q, --no-trunc, -a and --digests`, async () => {
      const q = await run(["images", "-q", "busybox"]);
      assert.equal(q.stdout, `${short(busybox)}\n`);
      const full = await run(["images", "--no-trunc", "--format", "{{.ID}}", "busybox"]);
      assert.equal(full.stdout, `${busybox}\n`);
      const all = await run(["images", "-a", "-q"]);
      assert.equal(lines(all.stdout).length, 3);
      const digests = await run(["images", "--digests", "busybox"]);
      const [header, row] = lines(digests.stdout);
      assert.match(header, /^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE$/);
      assert.match(row, /^busybox +latest +<none> +/);
    });

    test(`${cli}: tag adds names; images lists each, and a name filters them`, async () => {
      for (const t of [`${cli}-multi:1`, `${cli}-multi:2`, `${cli}-multi`]) {
        const r = await run(["tag", "busybox", t]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout + r.stderr, "");
      }
      const r = await run(["images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}", `${cli}-multi`]);
      assert.deepEqual(lines(r.stdout).sort(), [
        `${cli}-multi:1 ${short(busybox)}`,
        `${cli}-multi:2 ${short(busybox)}`,
        `${cli}-multi:latest ${short(busybox)}`,
      ]);
      const one = await run(["images", "--format", "{{.Repository}}:{{.Tag}}", `${cli}-multi:2`]);
      assert.equal(one.stdout, `${cli}-multi:2\n`);
      const glob = await run(["images", "--filter", `reference=${cli}-mul*:[12]`, "--format", "{{.Tag}}"]);
      assert.deepEqual(lines(glob.stdout).sort(), ["1", "2"]);
      const [img] = JSON.parse((await run(["image", "inspect", "busybox"])).stdout);
      assert.deepEqual(
        img.RepoTags.sort(),
        ["busybox:latest", `${cli}-multi:1`, `${cli}-multi:2`, `${cli}-multi:latest`].sort(),
      );
      assert.notEqual(img.Metadata.LastTagTime, "0001-01-01T00:00:00Z");
      for (const t of ["1", "2", "latest"]) await run(["rmi", `${cli}-multi:${t}`]);
    });

    test(`${cli}: tag refuses invalid names with Docker's messages`, async () => {
      const bad = await run(["tag", "busybox", "a b"]);
      assert.equal(bad.code, 1);
      assert.equal(
        bad.stderr,
        'Error parsing reference: "a b" is not a valid repository/tag: invalid reference format\n',
      );
      const upper = await run(["tag", "busybox", "Foo"]);
      assert.equal(upper.code, 1);
      assert.equal(
        upper.stderr,
        'Error parsing reference: "Foo" is not a valid repository/tag: invalid reference format: repository name (library/Foo) must be lowercase\n',
      );
      const missing = await run(["tag", `${cli}-nosuch`, "x"]);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, `Error response from daemon: No such image: ${cli}-nosuch:latest\n`);
    });

    test(`${cli}: images --filter dangling, label, before, since; bad filters are refused`, async () => {
      const f = (filter: string) => run(["images", "--filter", filter, "--format", "{{.ID}}"]);
      assert.equal((await f("dangling=true")).stdout, `${short(dangling)}\n`);
      assert.ok(!(await f("dangling=false")).stdout.includes(short(dangling)));
      assert.equal((await f("label=tier")).stdout, `${short(labelled)}\n`);
      assert.equal((await f("label=tier=base")).stdout, `${short(labelled)}\n`);
      assert.equal((await f("label=tier=other")).stdout, "");
      assert.equal((await f("before=labelled:1")).stdout, `${short(busybox)}\n`);
      assert.equal((await f(`since=${short(labelled)}`)).stdout, `${short(dangling)}\n`);
      const bad = await f("bogus=1");
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr, "Error response from daemon: invalid filter 'bogus'\n");
      const badValue = await f("dangling=maybe");
      assert.equal(badValue.stderr, "Error response from daemon: invalid filter 'dangling=maybe'\n");
      const noImage = await f("before=nosuch");
      assert.equal(noImage.stderr, "Error response from daemon: No such image: nosuch:latest\n");
    });

    test(`${cli}: images --format json and templates`, async () => {
      const r = await run(["images", "--format", "json", "busybox"]);
      const row = JSON.parse(r.stdout);
      assert.equal(row.Repository, "busybox");
      assert.equal(row.Tag, "latest");
      assert.equal(row.ID, short(busybox));
      assert.equal(row.Digest, "<none>");
      assert.equal(row.Containers, "N/A");
      assert.match(row.Size, /^1\.\d+MB$/);
      const t = await run(["images", "--format", "table {{.Repository}}\t{{.Size}}", "busybox"]);
      assert.match(t.stdout, /^REPOSITORY +SIZE\nbusybox +1\.\d+MB\n$/);
    });

    test(`${cli}: image inspect --format, and a missing image`, async () => {
      const r = await run([
        "image",
        "inspect",
        "--format",
        "{{.Id}} {{index .RepoTags 0}} {{.Config.Cmd}}",
        "busybox",
      ]);
      assert.equal(r.stdout, `${busybox} busybox:latest [sh]\n`);
      const missing = await run(["image", "inspect", `${cli}-nosuch:1`]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, new RegExp(`No such image: ${cli}-nosuch:1`));
    });

    test(`${cli}: history prints the layers newest first`, async () => {
      const r = await run(["history", "busybox"]);
      assert.equal(r.code, 0, r.stderr);
      const [header, top, base] = lines(r.stdout);
      assert.match(header, /^IMAGE {10}CREATED {1,}CREATED BY {1,}SIZE {6}COMMENT$/);
      assert.match(
        top,
        new RegExp(`^${short(busybox)} +\\d+ \\w+ ago +/bin/sh -c #\\(nop\\)  CMD \\["sh"\\] +0B +$`),
      );
      assert.match(
        base,
        /^<missing> +\d+ \w+ ago +\/bin\/sh -c #\(nop\) ADD file:busybox in \/ # Bu… +1\.\d+MB +$/,
      );
      const raw = await run(["history", "-H=false", "--no-trunc", "busybox"]);
      const rawRows = lines(raw.stdout);
      assert.match(rawRows[0], /^IMAGE +CREATED AT +CREATED BY +SIZE +COMMENT$/);
      assert.ok(rawRows[1].startsWith(`${busybox}   2024-01-01T00:00:00Z`));
      assert.match(rawRows[2], /ADD file:busybox in \/ # BusyBox v[\d.]+ .* from the host +\d{7} +$/);
      const q = await run(["history", "-q", "busybox"]);
      assert.equal(q.stdout, `${short(busybox)}\n<missing>\n`);
      const f = await run(["history", "--format", "{{.ID}}|{{.Size}}|{{.Comment}}", "labelled:1"]);
      assert.equal(f.stdout.replace(/\|[\d.]+MB\|/, "|SIZE|"), `${short(labelled)}|SIZE|\n`);
      const missing = await run(["history", "nosuch"]);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, "Error response from daemon: No such image: nosuch:latest\n");
    });
  }
});
