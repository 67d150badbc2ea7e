import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync, zstdCompressSync } from "node:zlib";
import tar from "tar-stream";

/**
 * Test images made without any engine: layer tars built here, written as an OCI image layout
 * (oci-layout, index.json, blobs/sha256) that skopeo copies into a registry
 * (`skopeo copy oci:<dir>:<tag> docker://…`). The first layer can carry the host's static
 * busybox, so the image runs.
 */
export interface TestFile {
  name: string;
  type?: "file" | "directory" | "symlink";
  body?: string | Buffer;
  linkname?: string;
  mode?: number;
}

export type Compression = "gzip" | "zstd" | "none";

const sha256 = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

export async function layerTar(files: TestFile[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on("data", (c: unknown) => {
      chunks.push(c as Buffer);
    });
    pack.on("end", () => resolve());
    pack.on("error", reject);
  });
  const mtime = new Date("2024-01-01T00:00:00Z");
  for (const f of files) {
    const type = f.type ?? "file";
    const body = type === "file" ? Buffer.from(f.body ?? "") : undefined;
    const header = {
      name: f.name,
      type,
      mode: f.mode ?? (type === "directory" ? 0o755 : 0o644),
      mtime,
      uid: 0,
      gid: 0,
      ...(type === "symlink" ? { linkname: f.linkname } : {}),
      ...(body ? { size: body.length } : {}),
    };
    if (body) pack.entry(header as tar.Header, body);
    else pack.entry(header as tar.Header);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** The files of a runnable busybox layer (sh and a few applets as symlinks). */
export function busyboxFiles(): TestFile[] {
  return [
    { name: "bin", type: "directory" },
    { name: "bin/busybox", body: readFileSync("/bin/busybox"), mode: 0o755 },
    ...["sh", "echo", "cat", "ls", "true"].map((a) => ({
      name: `bin/${a}`,
      type: "symlink" as const,
      linkname: "busybox",
    })),
    { name: "etc", type: "directory" },
    { name: "etc/passwd", body: "root:x:0:0:root:/root:/bin/sh\n" },
    { name: "tmp", type: "directory", mode: 0o1777 },
  ];
}

export interface WrittenImage {
  /** the config digest: the image id every engine gives it */
  id: string;
  manifestDigest: string;
  diffIds: string[];
  layerDigests: string[];
}

/**
 * Writes an image into an OCI layout at dir under tag (several tags/images may share a dir).
 */
export async function writeOciImage(
  dir: string,
  tag: string,
  o: {
    layers: TestFile[][];
    compression?: Compression;
    architecture?: string;
    cmd?: string[];
    /** zlib level for gzip layers (default 6) */
    gzipLevel?: number;
    /** raw layer blobs to use instead of compressing (bad-input tests) */
    overrideBlobs?: Buffer[];
  },
): Promise<WrittenImage> {
  mkdirSync(join(dir, "blobs/sha256"), { recursive: true });
  const put = (bytes: Uint8Array) => {
    const d = sha256(bytes);
    writeFileSync(join(dir, "blobs/sha256", d.slice(7)), bytes);
    return d;
  };
  const compression = o.compression ?? "gzip";
  const diffIds: string[] = [];
  const layers: Array<{ mediaType: string; digest: string; size: number }> = [];
  for (const [i, files] of o.layers.entries()) {
    const plain = await layerTar(files);
    diffIds.push(sha256(plain));
    const blob =
      o.overrideBlobs?.[i] ??
      (compression === "gzip"
        ? gzipSync(plain, { level: o.gzipLevel ?? 6 })
        : compression === "zstd"
          ? zstdCompressSync(plain)
          : plain);
    const mediaType =
      compression === "gzip"
        ? "application/vnd.oci.image.layer.v1.tar+gzip"
        : compression === "zstd"
          ? "application/vnd.oci.image.layer.v1.tar+zstd"
          : "application/vnd.oci.image.layer.v1.tar";
    layers.push({ mediaType, digest: put(blob), size: blob.length });
  }
  const created = "2024-01-01T00:00:00Z";
  const config = Buffer.from(
    JSON.stringify({
      architecture: o.architecture ?? "amd64",
      os: "linux",
      created,
      config: { Env: ["PATH=/bin"], Cmd: o.cmd ?? ["sh"] },
      rootfs: { type: "layers", diff_ids: diffIds },
      history: o.layers.map(() => ({ created, created_by: "kapsel test layer" })),
    }),
  );
  const configDigest = put(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: configDigest,
        size: config.length,
      },
      layers,
    }),
  );
  const manifestDigest = put(manifest);
  writeFileSync(join(dir, "oci-layout"), JSON.stringify({ imageLayoutVersion: "1.0.0" }));
  let index: { schemaVersion: number; manifests: unknown[] } = { schemaVersion: 2, manifests: [] };
  try {
    index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
  } catch {}
  index.manifests.push({
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: manifestDigest,
    size: manifest.length,
    annotations: { "org.opencontainers.image.ref.name": tag },
  });
  writeFileSync(join(dir, "index.json"), JSON.stringify(index));
  return { id: configDigest, manifestDigest, diffIds, layerDigests: layers.map((l) => l.digest) };
}
