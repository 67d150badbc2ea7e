import assert from "node:assert/strict";
import { test } from "node:test";
import {
  buildManifest,
  decodePlatformJson,
  MT,
  parseManifest,
  parsePlatform,
  platformMatches,
  selectPlatform,
} from "./manifest.ts";

const d = (c: string) => `sha256:${c.repeat(64)}`;

test("parseManifest reads Docker schema 2 and OCI manifests, the type from the body or the header", () => {
  const body = {
    schemaVersion: 2,
    mediaType: MT.dockerManifest,
    config: { mediaType: MT.dockerConfig, digest: d("a"), size: 10 },
    layers: [{ mediaType: MT.dockerLayer, digest: d("b"), size: 20 }],
  };
  const m = parseManifest(Buffer.from(JSON.stringify(body)), "");
  assert.equal(m.kind, "image");
  assert.equal(m.kind === "image" && m.layers[0].digest, d("b"));
  const oci = { ...body, mediaType: undefined, config: { ...body.config, mediaType: MT.ociConfig } };
  const o = parseManifest(Buffer.from(JSON.stringify(oci)), MT.ociManifest);
  assert.equal(o.mediaType, MT.ociManifest);
});

test("parseManifest refuses schema 1, unknown layer types and bad digests with Docker's words", () => {
  assert.throws(
    () => parseManifest(Buffer.from('{"schemaVersion":1,"name":"x"}'), MT.schema1),
    /schema 1 support has been removed/,
  );
  const bad = {
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    config: { mediaType: MT.ociConfig, digest: d("a"), size: 1 },
    layers: [{ mediaType: "application/x-weird", digest: d("b"), size: 1 }],
  };
  assert.throws(
    () => parseManifest(Buffer.from(JSON.stringify(bad)), ""),
    /unsupported media type application\/x-weird/,
  );
  const badDigest = { ...bad, layers: [{ mediaType: MT.ociLayerGzip, digest: "md5:abc", size: 1 }] };
  assert.throws(() => parseManifest(Buffer.from(JSON.stringify(badDigest)), ""), /unsupported digest/);
  assert.throws(
    () => parseManifest(Buffer.from("{}"), "text/html"),
    /unsupported manifest media type and no default available: text\/html/,
  );
  assert.throws(() => parseManifest(Buffer.from("{}"), ""), /unsupported manifest format/);
});

test("selectPlatform picks linux/amd64, honours arm variants and says Docker's error when none fits", () => {
  const list = parseManifest(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MT.ociIndex,
        manifests: [
          {
            mediaType: MT.ociManifest,
            digest: d("1"),
            size: 1,
            platform: { os: "linux", architecture: "arm", variant: "v6" },
          },
          {
            mediaType: MT.ociManifest,
            digest: d("2"),
            size: 1,
            platform: { os: "linux", architecture: "arm", variant: "v7" },
          },
          {
            mediaType: MT.ociManifest,
            digest: d("3"),
            size: 1,
            platform: { os: "linux", architecture: "amd64" },
          },
          {
            mediaType: MT.ociManifest,
            digest: d("4"),
            size: 1,
            platform: { os: "linux", architecture: "arm64", variant: "v8" },
          },
          {
            mediaType: MT.ociManifest,
            digest: d("5"),
            size: 1,
            platform: { os: "unknown", architecture: "unknown" },
          },
        ],
      }),
    ),
    "",
  );
  assert.equal(list.kind, "list");
  if (list.kind !== "list") return;
  assert.equal(selectPlatform(list, parsePlatform(undefined, "amd64")).digest, d("3"));
  assert.equal(selectPlatform(list, parsePlatform("linux/arm/v7", "amd64")).digest, d("2"));
  assert.equal(selectPlatform(list, parsePlatform("linux/arm64", "amd64")).digest, d("4"));
  assert.throws(
    () => selectPlatform(list, parsePlatform("linux/s390x", "amd64")),
    /no matching manifest for linux\/s390x in the manifest list entries/,
  );
});

test("parsePlatform normalises and refuses what is not a platform", () => {
  assert.deepEqual(parsePlatform("linux/x86_64", "amd64"), { os: "linux", architecture: "amd64" });
  assert.deepEqual(parsePlatform("linux/aarch64", "amd64"), {
    os: "linux",
    architecture: "arm64",
    variant: "v8",
  });
  assert.throws(() => parsePlatform("windows/amd64", "amd64"), /operating system is not supported/);
  assert.throws(() => parsePlatform("linux//", "amd64"), /invalid platform/);
});

test("buildManifest writes Docker schema 2 for gzip layers, OCI when a layer is zstd or plain", () => {
  const docker = buildManifest({ digest: d("a"), size: 5 }, [
    { digest: d("b"), size: 7, compression: "gzip" },
  ]);
  assert.equal(docker.mediaType, MT.dockerManifest);
  assert.match(docker.bytes.toString(), /^\{\n {3}"schemaVersion": 2,/);
  const parsed = JSON.parse(docker.bytes.toString());
  assert.equal(parsed.config.mediaType, MT.dockerConfig);
  assert.equal(parsed.layers[0].mediaType, MT.dockerLayer);
  const oci = buildManifest({ digest: d("a"), size: 5 }, [
    { digest: d("b"), size: 7, compression: "gzip" },
    { digest: d("c"), size: 8, compression: "zstd" },
  ]);
  assert.equal(oci.mediaType, MT.ociManifest);
  assert.deepEqual(
    JSON.parse(oci.bytes.toString()).layers.map((l: { mediaType: string }) => l.mediaType),
    [MT.ociLayerGzip, MT.ociLayerZstd],
  );
});

test("the API's JSON platform (push --platform): decoded as moby's DecodePlatform, matched as containerd", () => {
  assert.deepEqual(decodePlatformJson('{"os":"linux","architecture":"amd64"}'), {
    os: "linux",
    architecture: "amd64",
  });
  assert.equal(
    platformMatches(decodePlatformJson('{"os":"linux","architecture":"aarch64"}'), {
      os: "linux",
      architecture: "arm64",
    }),
    true,
  );
  assert.throws(() => decodePlatformJson("linux/amd64"), {
    kind: "invalid",
    message: /^failed to parse platform: /,
  });
  assert.throws(() => decodePlatformJson('{"os":"linux"}'), {
    kind: "invalid",
    message: "both OS and Architecture must be provided",
  });
  assert.throws(() => decodePlatformJson('{"variant":"v7"}'), {
    message: "optional platform fields provided, but OS and Architecture are missing",
  });
  const amd64 = { os: "linux", architecture: "amd64" };
  assert.equal(platformMatches(amd64, { os: "linux", architecture: "x86_64" }), true);
  assert.equal(platformMatches({ os: "linux", architecture: "arm64" }, amd64), false);
  assert.equal(
    platformMatches(
      { os: "linux", architecture: "arm", variant: "v7" },
      { os: "linux", architecture: "arm", variant: "v6" },
    ),
    false,
  );
});
