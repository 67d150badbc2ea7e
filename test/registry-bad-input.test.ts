import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { freePort } from "./harness/docker-registry.ts";
import { busyboxFiles, layerTar, type TestFile } from "./harness/oci-image.ts";

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/**
 * A tiny registry in the test that serves what real ones should not: blobs that do not match
 * their digest, blobs cut short, gzip that does not decompress, lists without our platform,
 * unknown media types, layers aimed outside their root. Each pull must fail clearly, leave
 * nothing half-stored, and (where the registry mends) succeed when retried.
 */
class BadRegistry {
  server!: Server;
  port = 0;
  manifests = new Map<string, { body: Buffer; type: string }>();
  blobs = new Map<string, Buffer>();
  /** digest → what to do instead of serving it */
  faults = new Map<string, "mismatch" | "truncate" | "stall">();

  get host() {
    return `127.0.0.1:${this.port}`;
  }

  async start() {
    this.server = createServer((req, res) => {
      const url = req.url ?? "/";
      if (url === "/v2/") return res.end("{}");
      const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url);
      if (m?.[1] === "private") {
        res.writeHead(401, { "Content-Type": "application/json" });
        return res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      }
      if (m?.[2] === "manifests") {
        const found = this.manifests.get(`${m[1]}:${m[3]}`);
        if (!found) {
          res.writeHead(404, { "Content-Type": "application/json" });
          return res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
        }
        res.writeHead(200, { "Content-Type": found.type, "Docker-Content-Digest": sha256(found.body) });
        return res.end(found.body);
      }
      const blob = m ? this.blobs.get(m[3]) : undefined;
      if (!blob) {
        res.writeHead(404, { "Content-Type": "application/json" });
        return res.end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}');
      }
      const fault = this.faults.get(m![3]);
      res.writeHead(200, { "Content-Length": blob.length, "Content-Type": "application/octet-stream" });
      if (fault === "mismatch") return res.end(Buffer.alloc(blob.length, 7));
      if (fault === "stall") return res.write(blob.subarray(0, 1000)); // and then nothing
      if (fault === "truncate") {
        res.write(blob.subarray(0, Math.floor(blob.length / 2)));
        return setTimeout(() => res.socket?.destroy(), 10);
      }
      res.end(blob);
    });
    this.port = await freePort();
    await new Promise<void>((r) => this.server.listen(this.port, "127.0.0.1", r));
  }

  /** Adds an image (Docker schema 2) from layer tars, or raw layer blobs; returns its config digest. */
  async addImage(
    name: string,
    layers: TestFile[][],
    o: { blobs?: (Buffer | undefined)[]; layerType?: string; architecture?: string } = {},
  ): Promise<{ id: string; layerDigests: string[]; manifest: Buffer }> {
    const diffIds: string[] = [];
    const descs = [];
    for (const [i, files] of layers.entries()) {
      const plain = await layerTar(files);
      diffIds.push(sha256(plain));
      const blob = o.blobs?.[i] ?? gzipSync(plain);
      this.blobs.set(sha256(blob), blob);
      descs.push({
        mediaType: o.layerType ?? "application/vnd.docker.image.rootfs.diff.tar.gzip",
        size: blob.length,
        digest: sha256(blob),
      });
    }
    const config = Buffer.from(
      JSON.stringify({
        architecture: o.architecture ?? "amd64",
        os: "linux",
        config: { Cmd: ["sh"] },
        rootfs: { type: "layers", diff_ids: diffIds },
      }),
    );
    this.blobs.set(sha256(config), config);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.docker.distribution.manifest.v2+json",
        config: {
          mediaType: "application/vnd.docker.container.image.v1+json",
          size: config.length,
          digest: sha256(config),
        },
        layers: descs,
      }),
    );
    this.manifests.set(name, {
      body: manifest,
      type: "application/vnd.docker.distribution.manifest.v2+json",
    });
    return { id: sha256(config), layerDigests: descs.map((d) => d.digest), manifest };
  }
}

describe("registry bad input", () => {
  let reg: BadRegistry;
  let d: TestDaemon;
  const escapeName = `kapsel-escape-${randomBytes(4).toString("hex")}`;

  before(async () => {
    reg = new BadRegistry();
    await reg.start();
    d = await startDaemon({ busybox: false });
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    reg?.server.closeAllConnections();
    reg?.server.close();
  });

  const images = async () => (await d.docker(["images", "-a", "-q", "--no-trunc"])).stdout.trim();
  const storageLayers = () => readdirSync(join(d.dataRoot, "storage", "layers")).sort();
  const leftovers = () => [
    ...readdirSync(join(d.dataRoot, "distribution", "tmp")),
    ...readdirSync(join(d.dataRoot, "storage", "tmp")),
  ];

  test("a blob that does not match its digest fails the pull, leaves nothing behind, and a retry succeeds", async () => {
    const img = await reg.addImage("mismatch:1", [
      busyboxFiles(),
      [{ name: "data", body: "x".repeat(5000) }],
    ]);
    reg.faults.set(img.layerDigests[1], "mismatch");
    const layersBefore = storageLayers();
    const r = await d.docker(["pull", `${reg.host}/mismatch:1`]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`filesystem layer verification failed for digest ${img.layerDigests[1]}`),
    );
    assert.equal(await images(), "");
    assert.deepEqual(storageLayers(), layersBefore);
    assert.deepEqual(leftovers(), []);
    assert.ok(!existsSync(join(d.dataRoot, "distribution", "blobs", "sha256", img.layerDigests[1].slice(7))));

    reg.faults.delete(img.layerDigests[1]);
    const again = await d.docker(["pull", `${reg.host}/mismatch:1`]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await images(), img.id);
  });

  test("a blob cut short is retried, then fails with unexpected EOF; nothing is left and a retry succeeds", async () => {
    const img = await reg.addImage("truncated:1", [[{ name: "big", body: randomBytes(300_000) }]]);
    reg.faults.set(img.layerDigests[0], "truncate");
    const before = await images();
    const r = await d.api("POST", `/images/create?fromImage=${reg.host}/truncated&tag=1`);
    assert.equal(r.status, 200);
    const lines = r.body
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.ok(
      lines.some((l) => /^Retrying in \d+ seconds?$/.test(l.status)),
      r.body,
    );
    assert.deepEqual(lines.at(-1), { errorDetail: { message: "unexpected EOF" }, error: "unexpected EOF" });
    assert.equal(await images(), before);
    assert.deepEqual(leftovers(), []);
    reg.faults.delete(img.layerDigests[0]);
    const again = await d.docker(["pull", `${reg.host}/truncated:1`]);
    assert.equal(again.code, 0, again.stderr);
  });

  test("a gzip-corrupt blob (its digest right) fails to unpack and leaves no layer", async () => {
    const good = gzipSync(await layerTar([{ name: "f", body: "y".repeat(10_000) }]));
    const corrupt = Buffer.concat([good.subarray(0, 20), Buffer.alloc(200, 0xff), good.subarray(220)]);
    const layersBefore = storageLayers();
    const before = await images();
    await reg.addImage("corrupt:1", [[{ name: "f", body: "y".repeat(10_000) }]], { blobs: [corrupt] });
    const r = await d.docker(["pull", `${reg.host}/corrupt:1`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /failed to register layer: /);
    assert.equal(await images(), before);
    assert.deepEqual(storageLayers(), layersBefore);
    assert.deepEqual(leftovers(), []);
  });

  test("a manifest list without our platform, and an unknown layer media type, are clear errors", async () => {
    const arm = await reg.addImage("arm:1", [[{ name: "a", body: "arm" }]], { architecture: "arm64" });
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.docker.distribution.manifest.list.v2+json",
        manifests: [
          {
            mediaType: "application/vnd.docker.distribution.manifest.v2+json",
            size: arm.manifest.length,
            digest: sha256(arm.manifest),
            platform: { os: "linux", architecture: "arm64", variant: "v8" },
          },
        ],
      }),
    );
    reg.manifests.set("list:1", {
      body: index,
      type: "application/vnd.docker.distribution.manifest.list.v2+json",
    });
    const r = await d.docker(["pull", `${reg.host}/list:1`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no matching manifest for linux\/amd64 in the manifest list entries/);

    await reg.addImage("weird:1", [[{ name: "w", body: "w" }]], { layerType: "application/x-weird" });
    const w = await d.docker(["pull", `${reg.host}/weird:1`]);
    assert.equal(w.code, 1);
    assert.match(w.stderr, /unsupported media type application\/x-weird/);
  });

  test("a layer aimed outside its root (../ names, absolute symlinks) writes nothing outside", async () => {
    await reg.addImage("escape:1", [
      [
        { name: `../../../../../../tmp/${escapeName}-dotdot`, body: "out" },
        { name: "link", type: "symlink", linkname: "/tmp" },
        { name: `link/${escapeName}-symlink`, body: "out" },
      ],
    ]);
    await d.docker(["pull", `${reg.host}/escape:1`]);
    assert.ok(!existsSync(`/tmp/${escapeName}-dotdot`));
    assert.ok(!existsSync(`/tmp/${escapeName}-symlink`));
  });

  test("a pull the client walks away from stops, and leaves nothing behind", async () => {
    const img = await reg.addImage("stall:1", [[{ name: "s", body: randomBytes(100_000) }]]);
    reg.faults.set(img.layerDigests[0], "stall");
    const before = await images();
    await new Promise<void>((resolve, reject) => {
      const req = request(
        { socketPath: d.socket, method: "POST", path: `/images/create?fromImage=${reg.host}/stall&tag=1` },
        (res) => {
          res.on("data", (chunk: Buffer) => {
            if (chunk.toString().includes("Downloading")) {
              req.destroy();
              resolve();
            }
          });
        },
      );
      req.on("error", () => {});
      req.on("close", () => resolve());
      setTimeout(() => reject(new Error("no Downloading message")), 10_000);
      req.end();
    });
    // the daemon notices the closed connection and tidies up: nothing left for half a second
    // (the layer's staging may only begin after the client left)
    let quiet = 0;
    for (let i = 0; i < 100 && quiet < 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      quiet = leftovers().length === 0 ? quiet + 1 : 0;
    }
    assert.deepEqual(leftovers(), []);
    assert.equal(await images(), before);
    reg.faults.delete(img.layerDigests[0]);
  });

  test("a registry that is down, and one that refuses us, say so before any progress", async () => {
    const port = await freePort();
    const down = await d.docker(["pull", `127.0.0.1:${port}/x:1`]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, new RegExp(`dial tcp 127.0.0.1:${port}: connect: connection refused`));

    const refused = await apiWithAuth(d, `/images/create?fromImage=${reg.host}/private&tag=1`, {
      username: "who",
      password: "wrong",
    });
    assert.equal(refused.status, 401, refused.body);
    assert.deepEqual(JSON.parse(refused.body), { message: "unauthorized: authentication required" });
  });
});

/** POST with an X-Registry-Auth header, as the docker CLI sends it. */
function apiWithAuth(
  d: TestDaemon,
  path: string,
  auth: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath: d.socket,
        method: "POST",
        path,
        headers: { "X-Registry-Auth": Buffer.from(JSON.stringify(auth)).toString("base64url") },
      },
      (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}
