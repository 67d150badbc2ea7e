import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { TestRegistry } from "./harness/docker-registry.ts";
import { busyboxFiles, type WrittenImage, writeOciImage } from "./harness/oci-image.ts";

/**
 * Pull and push against Debian's docker-registry 2.8 on 127.0.0.1 (plain http, no auth),
 * driven by the real docker CLI (and kapsel's, once it has the command). Test images are
 * made without an engine and copied into the registry by skopeo; what kapsel pushes is read
 * back by skopeo and pulled into a second daemon with another data root.
 */
describe("registry pull and push", () => {
  let reg: TestRegistry;
  let reg2: TestRegistry;
  let a: TestDaemon;
  let b: TestDaemon;
  let layout: string;
  let src: WrittenImage;
  let zstd: WrittenImage;
  let plain: WrittenImage;
  let arm: WrittenImage;

  const skopeoCopy = async (from: string, to: string, extra: string[] = []) => {
    const r = await reg.skopeo([
      "copy",
      "--dest-tls-verify=false",
      "--src-tls-verify=false",
      ...extra,
      from,
      to,
    ]);
    assert.equal(r.code, 0, r.stderr);
  };
  const id = async (d: TestDaemon, ref: string) =>
    (await d.docker(["image", "inspect", "--format", "{{.Id}}", ref])).stdout.trim();

  before(async () => {
    [reg, reg2] = await Promise.all([TestRegistry.start(), TestRegistry.start()]);
    [a, b] = await Promise.all([startDaemon({ busybox: false }), startDaemon({ busybox: false })]);
    layout = mkdtempSync("/tmp/koci-");
    const hello = [{ name: "hello.txt", body: "hello from the registry\n" }];
    src = await writeOciImage(layout, "src", { layers: [busyboxFiles(), hello] });
    // the same layers, compressed otherwise, under other configs (so other image ids)
    zstd = await writeOciImage(layout, "zstd", {
      layers: [busyboxFiles(), hello],
      compression: "zstd",
      cmd: ["zstd"],
    });
    plain = await writeOciImage(layout, "plain", {
      layers: [busyboxFiles(), hello],
      compression: "none",
      cmd: ["plain"],
    });
    arm = await writeOciImage(layout, "arm", {
      layers: [[{ name: "arch", body: "arm64\n" }]],
      architecture: "arm64",
    });
    await skopeoCopy(`oci:${layout}:src`, `docker://${reg.host}/src:1`, ["--format", "v2s2"]);
    await skopeoCopy(`oci:${layout}:zstd`, `docker://${reg.host}/zstd:1`);
    await skopeoCopy(`oci:${layout}:plain`, `docker://${reg.host}/plain:1`);
    for (const tag of ["a", "b"]) await skopeoCopy(`oci:${layout}:src`, `docker://${reg.host}/tags:${tag}`);
    // an OCI index with an amd64 and an arm64 image, put by hand (skopeo copies indexes, not makes them)
    await skopeoCopy(`oci:${layout}:src`, `docker://${reg.host}/multi:amd64`);
    await skopeoCopy(`oci:${layout}:arm`, `docker://${reg.host}/multi:arm64`);
    const entry = async (tag: string, arch: string) => {
      const r = await fetch(`http://${reg.host}/v2/multi/manifests/${tag}`, {
        method: "HEAD",
        headers: { Accept: "application/vnd.oci.image.manifest.v1+json" },
      });
      return {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: r.headers.get("docker-content-digest"),
        size: Number(r.headers.get("content-length")),
        platform: { os: "linux", architecture: arch, ...(arch === "arm64" ? { variant: "v8" } : {}) },
      };
    };
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.index.v1+json",
      manifests: [await entry("arm64", "arm64"), await entry("amd64", "amd64")],
    });
    const put = await fetch(`http://${reg.host}/v2/multi/manifests/1`, {
      method: "PUT",
      headers: { "Content-Type": "application/vnd.oci.image.index.v1+json" },
      body: index,
    });
    assert.equal(put.status, 201, await put.text());
  });

  after(async () => {
    await a?.[Symbol.asyncDispose]();
    await b?.[Symbol.asyncDispose]();
    await reg?.[Symbol.asyncDispose]();
    await reg2?.[Symbol.asyncDispose]();
    if (layout) rmSync(layout, { recursive: true, force: true });
  });

  test("a pull streams Docker's per-layer progress; the image runs; pulling again is up to date", async () => {
    const r = await a.api("POST", `/images/create?fromImage=${reg.host}/src&tag=1`);
    assert.equal(r.status, 200);
    const lines = r.body
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            status: string;
            id?: string;
            progressDetail?: { current?: number; total?: number };
          },
      );
    assert.deepEqual(lines[0], { status: "Pulling from src", id: "1" });
    const layer = src.layerDigests[0].slice(7, 19);
    const forLayer = lines.filter((l) => l.id === layer).map((l) => l.status);
    assert.deepEqual(
      [...new Set(forLayer)],
      [
        "Pulling fs layer",
        "Downloading",
        "Verifying Checksum",
        "Download complete",
        "Extracting",
        "Pull complete",
      ],
    );
    const downloading = lines.find((l) => l.id === layer && l.status === "Downloading");
    assert.ok((downloading?.progressDetail?.total ?? 0) > 1_000_000);
    assert.match(lines.at(-2)!.status, /^Digest: sha256:[a-f0-9]{64}$/);
    assert.deepEqual(lines.at(-1), { status: `Status: Downloaded newer image for ${reg.host}/src:1` });

    const again = await a.docker(["pull", `${reg.host}/src:1`]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      new RegExp(`Status: Image is up to date for ${reg.host}/src:1\\n${reg.host}/src:1\\n$`),
    );
    assert.equal(await id(a, `${reg.host}/src:1`), src.id);
    const run = await a.docker(["run", "--rm", `${reg.host}/src:1`, "cat", "/hello.txt"]);
    assert.equal(run.stdout, "hello from the registry\n", run.stderr);
  });

  test("OCI images with zstd and with uncompressed layers pull and run; layers already here are not fetched again", async () => {
    for (const [repo, img] of [
      ["zstd", zstd],
      ["plain", plain],
    ] as const) {
      const r = await b.docker(["pull", `${reg.host}/${repo}:1`]);
      assert.equal(r.code, 0, r.stderr);
      // plain:1 has zstd:1's layers, uncompressed
      assert.equal((r.stdout.match(/: Already exists\n/g) ?? []).length, repo === "plain" ? 2 : 0, r.stdout);
      assert.equal(await id(b, `${reg.host}/${repo}:1`), img.id);
      const run = await b.docker(["run", "--rm", `${reg.host}/${repo}:1`, "cat", "/hello.txt"]);
      assert.equal(run.stdout, "hello from the registry\n", run.stderr);
    }
  });

  test("a pull by digest names the image by its digest", async () => {
    const head = await fetch(`http://${reg.host}/v2/src/manifests/1`, {
      method: "HEAD",
      headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json" },
    });
    const digest = head.headers.get("docker-content-digest");
    const r = await b.docker(["pull", `${reg.host}/src@${digest}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Status: Downloaded newer image for ${reg.host}/src@${digest}`));
    const all = await b.docker(["images", "-a", "-q", "--no-trunc"]);
    assert.ok(all.stdout.split("\n").includes(src.id), all.stdout);
  });

  test("pull -a pulls every tag of a repository", async () => {
    const r = await b.docker(["pull", "-a", `${reg.host}/tags`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /a: Pulling from tags/);
    assert.match(r.stdout, /b: Pulling from tags/);
    const tags = await b.docker(["images", "--format", "{{.Tag}}", `${reg.host}/tags`]);
    assert.deepEqual(tags.stdout.trim().split("\n").sort(), ["a", "b"]);
  });

  test("from an index the host's platform is chosen, --platform another, and a missing one is Docker's error", async () => {
    const r = await b.docker(["pull", `${reg.host}/multi:1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await id(b, `${reg.host}/multi:1`), src.id);
    const other = await b.docker(["pull", "--platform", "linux/arm64", `${reg.host}/multi:1`]);
    assert.equal(other.code, 0, other.stderr);
    assert.equal(await id(b, `${reg.host}/multi:1`), arm.id);
    const none = await b.docker(["pull", "--platform", "linux/s390x", `${reg.host}/multi:1`]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /no matching manifest for linux\/s390x in the manifest list entries/);
  });

  test("an unknown tag or repository is a 404 before any progress, in Docker's words", async () => {
    const r = await a.docker(["pull", `${reg.host}/src:nope`]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      `Error response from daemon: manifest for ${reg.host}/src:nope not found: manifest unknown: manifest unknown`,
    );
    const api = await a.api("POST", `/images/create?fromImage=${reg.host}/nothing&tag=1`);
    assert.equal(api.status, 404);
    assert.match((api.json() as { message: string }).message, /^manifest for .*\/nothing:1 not found/);
    const all = await a.api("POST", `/images/create?fromImage=${reg.host}/nothing`);
    assert.equal(all.status, 404);
    assert.match(
      (all.json() as { message: string }).message,
      /^repository .*\/nothing not found: name unknown/,
    );
  });

  test("push mounts layers from another repository, finds them there the second time; a second daemon pulls the same image", async () => {
    await a.docker(["tag", `${reg.host}/src:1`, `${reg.host}/pushed:1`]);
    const first = await a.docker(["push", `${reg.host}/pushed:1`]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`^The push refers to repository \\[${reg.host}/pushed\\]\\n`));
    assert.equal((first.stdout.match(/: Mounted from src/g) ?? []).length, 2, first.stdout);
    assert.match(first.stdout, /1: digest: sha256:[a-f0-9]{64} size: \d+\n$/);
    const second = await a.docker(["push", `${reg.host}/pushed:1`]);
    assert.equal((second.stdout.match(/: Layer already exists/g) ?? []).length, 2, second.stdout);

    const inspect = await reg.skopeo(["inspect", "--tls-verify=false", `docker://${reg.host}/pushed:1`]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.deepEqual(JSON.parse(inspect.stdout).Layers, src.layerDigests);

    const pulled = await b.docker(["pull", `${reg.host}/pushed:1`]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal(await id(b, `${reg.host}/pushed:1`), src.id);
  });

  test("push to another registry uploads the kept blobs; skopeo copies them on and the copy pulls", async () => {
    await a.docker(["pull", `${reg.host}/zstd:1`]);
    await a.docker(["tag", `${reg.host}/zstd:1`, `${reg2.host}/x:1`]);
    const r = await a.docker(["push", `${reg2.host}/x:1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stdout.match(/: Pushed/g) ?? []).length, 2, r.stdout);
    const copied = await reg.skopeo([
      "copy",
      "--src-tls-verify=false",
      "--dest-tls-verify=false",
      `docker://${reg2.host}/x:1`,
      `docker://${reg2.host}/y:1`,
    ]);
    assert.equal(copied.code, 0, copied.stderr);
    const pulled = await b.docker(["pull", `${reg2.host}/y:1`]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal(await id(b, `${reg2.host}/y:1`), zstd.id);
    const run = await b.docker(["run", "--rm", `${reg2.host}/y:1`, "cat", "/hello.txt"]);
    assert.equal(run.stdout, "hello from the registry\n", run.stderr);
  });

  test("pushing a name that has no image, or a missing tag, says so in Docker's words", async () => {
    const none = await a.docker(["push", `${reg.host}/never:1`]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, new RegExp(`An image does not exist locally with the tag: ${reg.host}/never`));
    const tag = await a.docker(["push", `${reg.host}/pushed:nope`]);
    assert.match(tag.stderr, new RegExp(`tag does not exist: ${reg.host}/pushed:nope`));
  });

  test("a Docker Hub name is pulled from a registry mirror when the daemon has one", async () => {
    await skopeoCopy(`oci:${layout}:src`, `docker://${reg.host}/library/mirrored:1`);
    await using m = await startDaemon({ busybox: false, args: ["--registry-mirror", `http://${reg.host}`] });
    const r = await m.docker(["pull", "mirrored:1"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^1: Pulling from library\/mirrored\n/);
    assert.match(r.stdout, /Status: Downloaded newer image for mirrored:1\n/);
    assert.equal(await id(m, "mirrored:1"), src.id);
  });

  test("pull and push are image events", async () => {
    const r = await a.api(
      "GET",
      `/events?since=0&until=${(Date.now() / 1000).toFixed(3)}&filters=${encodeURIComponent('{"type":["image"]}')}`,
    );
    const actions = r.body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { Action: string; Actor: { ID: string } })
      .map((e) => `${e.Action} ${e.Actor.ID}`);
    assert.ok(actions.includes(`pull ${reg.host}/src:1`), actions.join("\n"));
    assert.ok(actions.includes(`push ${reg.host}/pushed:1`), actions.join("\n"));
  });

  test("pulled and pushed images show their RepoDigests; an image pulled by digest is named by it", async () => {
    const digests = await b.docker([
      "image",
      "inspect",
      "--format",
      "{{json .RepoDigests}}",
      `${reg.host}/pushed:1`,
    ]);
    assert.match(digests.stdout, new RegExp(`${reg.host}/pushed@sha256:`));
    const head = await fetch(`http://${reg.host}/v2/src/manifests/1`, {
      method: "HEAD",
      headers: { Accept: "application/vnd.docker.distribution.manifest.v2+json" },
    });
    assert.equal(await id(b, `${reg.host}/src@${head.headers.get("docker-content-digest")}`), src.id);
  });

  test("distribution inspect: a manifest's descriptor and platforms, from an image and from an index", async () => {
    const manifestOf = async (name: string) => {
      const r = await fetch(`http://${reg.host}/v2/${name}/manifests/1`, {
        method: "HEAD",
        headers: {
          Accept:
            "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json",
        },
      });
      return {
        digest: r.headers.get("docker-content-digest"),
        size: Number(r.headers.get("content-length")),
      };
    };
    const single = await a.api("GET", `/distribution/${reg.host}/src:1/json`);
    assert.equal(single.status, 200, single.body);
    assert.deepEqual(single.json(), {
      Descriptor: {
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        ...(await manifestOf("src")),
      },
      Platforms: [{ architecture: "amd64", os: "linux" }],
    });
    const index = await a.api("GET", `/distribution/${reg.host}/multi:1/json`);
    assert.deepEqual(index.json(), {
      Descriptor: { mediaType: "application/vnd.oci.image.index.v1+json", ...(await manifestOf("multi")) },
      Platforms: [
        { architecture: "arm64", os: "linux", variant: "v8" },
        { architecture: "amd64", os: "linux" },
      ],
    });
    // by digest, as docker service create pins an image
    const digest = (await manifestOf("src")).digest;
    const pinned = await a.api("GET", `/distribution/${reg.host}/src@${digest}/json`);
    assert.equal((pinned.json() as { Descriptor: { digest: string } }).Descriptor.digest, digest);
    const missing = await a.api("GET", `/distribution/${reg.host}/src:nope/json`);
    assert.equal(missing.status, 404, missing.body);
  });

  test("push --platform: the image's own platform pushes as usual, another fails in Docker's words, a malformed one is a 400", async () => {
    const arch = (
      await a.docker(["image", "inspect", "--format", "{{.Architecture}}", `${reg.host}/src:1`])
    ).stdout.trim();
    const other = arch === "arm64" ? "amd64" : "arm64";
    for (const cli of ["docker", "kapsel"] as const) {
      const name = `${reg.host}/plat-${cli}:1`;
      await a.docker(["tag", `${reg.host}/src:1`, name]);
      const ok = await a[cli](["push", "--platform", `linux/${arch}`, name]);
      assert.equal(ok.code, 0, ok.stderr);
      const wrong = await a[cli](["push", "--platform", `linux/${other}`, name]);
      assert.notEqual(wrong.code, 0);
      assert.match(
        wrong.stderr,
        new RegExp(
          `image with reference ${name} was found but does not match the specified platform: wanted linux/${other}, actual: linux/${arch}`,
        ),
      );
    }
    const bad = await a.api("POST", `/v1.47/images/${reg.host}/src/push?tag=1&platform=linux`);
    assert.equal(bad.status, 400);
    assert.match(bad.body, /failed to parse platform/);
  });

  test("an image made here (bootstrapped busybox) pushes, and pulls into another daemon unchanged", async () => {
    await a.bootstrapBusybox();
    await a.docker(["tag", "busybox", `${reg.host}/bb:1`]);
    const r = await a.docker(["push", `${reg.host}/bb:1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /: Pushed\n/);
    const pulled = await b.docker(["pull", `${reg.host}/bb:1`]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal(await id(b, `${reg.host}/bb:1`), await id(a, "busybox"));
    const skopeo = await reg.skopeo(["inspect", "--tls-verify=false", `docker://${reg.host}/bb:1`]);
    assert.equal(skopeo.code, 0, skopeo.stderr);
  });
});
