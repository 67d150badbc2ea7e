import { createHash } from "node:crypto";
import { invalid, notFound } from "../../lib/errors.ts";

/**
 * Manifests as registries serve them: Docker schema 2 and OCI image manifests, and the lists
 * that point at one per platform (Docker manifest lists, OCI indexes). Parsing checks what a
 * puller relies on; building gives the bytes a pusher sends.
 */
export const MT = {
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerForeignLayer: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  schema1: "application/vnd.docker.distribution.manifest.v1+json",
  schema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
} as const;

/** What a puller asks for, in Docker's order of preference. */
export const MANIFEST_ACCEPT = [MT.dockerManifest, MT.dockerList, MT.ociManifest, MT.ociIndex].join(", ");

/** Layer media types kapsel can unpack, and the compression each one means. */
export const LAYER_TYPES: Record<string, LayerCompression> = {
  [MT.dockerLayer]: "gzip",
  [MT.ociLayerGzip]: "gzip",
  [MT.ociLayerZstd]: "zstd",
  [MT.ociLayer]: "none",
  // old pushes used these for plain layers; the content tells the truth anyway
  "application/vnd.docker.image.rootfs.diff.tar": "none",
};

const CONFIG_TYPES: string[] = [MT.dockerConfig, MT.ociConfig, "application/octet-stream"];

export type LayerCompression = "gzip" | "zstd" | "none";

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  "os.version"?: string;
}

export interface ImageManifest {
  kind: "image";
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ManifestList {
  kind: "list";
  mediaType: string;
  manifests: Descriptor[];
}

export const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

function checkDescriptor(d: unknown, what: string): Descriptor {
  const desc = d as Descriptor;
  if (typeof desc !== "object" || desc === null || typeof desc.mediaType !== "string")
    throw invalid(`invalid manifest: ${what} has no media type`);
  if (typeof desc.digest !== "string" || !DIGEST_RE.test(desc.digest))
    throw invalid(`invalid manifest: ${what} has an unsupported digest ${JSON.stringify(desc.digest)}`);
  if (typeof desc.size !== "number" || desc.size < 0 || !Number.isInteger(desc.size))
    throw invalid(`invalid manifest: ${what} has no size`);
  return desc;
}

/**
 * Parses manifest bytes. The media type comes from the body, else from the response's
 * Content-Type. Throws invalid with Docker's wording for schema 1 and unknown types.
 */
export function parseManifest(bytes: Uint8Array, contentType: string): ImageManifest | ManifestList {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (err) {
    throw invalid("invalid manifest: not JSON", err);
  }
  if (typeof body !== "object" || body === null) throw invalid("invalid manifest: not a JSON object");
  const ct = contentType.split(";")[0].trim();
  let mediaType = typeof body.mediaType === "string" ? body.mediaType : ct;
  // an OCI manifest or index may leave mediaType out; its shape tells which it is
  if (!mediaType || mediaType === "application/json" || mediaType === "text/plain")
    mediaType = Array.isArray(body.manifests)
      ? MT.ociIndex
      : Array.isArray(body.layers)
        ? MT.ociManifest
        : "";
  if (mediaType === MT.schema1 || mediaType === MT.schema1Signed || body.schemaVersion === 1)
    throw invalid(
      "Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed. More information at https://docs.docker.com/go/deprecated-image-specs/",
    );
  if (mediaType === MT.dockerList || mediaType === MT.ociIndex) {
    if (!Array.isArray(body.manifests)) throw invalid("invalid manifest: an index without manifests");
    return {
      kind: "list",
      mediaType,
      manifests: body.manifests.map((m, i) => checkDescriptor(m, `manifests[${i}]`)),
    };
  }
  if (mediaType === MT.dockerManifest || mediaType === MT.ociManifest) {
    if (!Array.isArray(body.layers)) throw invalid("invalid manifest: no layers");
    const config = checkDescriptor(body.config, "config");
    if (!CONFIG_TYPES.includes(config.mediaType)) {
      throw invalid(
        config.mediaType.startsWith("application/vnd.docker.ai.")
          ? `AI models are not yet supported by the Engine, please use "docker model pull/run" instead`
          : `Encountered remote "${config.mediaType}"(unknown) when fetching`,
      );
    }
    const layers = body.layers.map((l, i) => checkDescriptor(l, `layers[${i}]`));
    for (const l of layers) {
      // foreign (Windows) layers included: a Linux engine has no use for them
      if (!(l.mediaType in LAYER_TYPES)) throw invalid(`unsupported media type ${l.mediaType}`);
    }
    return { kind: "image", mediaType, config, layers };
  }
  throw invalid(
    mediaType
      ? `unsupported manifest media type and no default available: ${mediaType}`
      : "unsupported manifest format",
  );
}

/** "linux/amd64", "linux/arm64/v8" → a platform; the default is linux on the host's architecture. */
export function parsePlatform(s: string | undefined, hostArch: string): Platform {
  if (!s) return normalizePlatform({ os: "linux", architecture: hostArch });
  const parts = s.toLowerCase().split("/");
  if (parts.length > 3 || parts.some((p) => p === ""))
    throw invalid(`"${s}": invalid platform specifier, expected os[/arch[/variant]]`);
  const [os, architecture, variant] = parts;
  if (os !== "linux") throw invalid(`"${s}": operating system is not supported`);
  return normalizePlatform({ os, architecture: architecture ?? hostArch, ...(variant ? { variant } : {}) });
}

/** containerd's platforms.Normalize, for the names people write. */
function normalizePlatform(p: Platform): Platform {
  const archAlias: Record<string, string> = {
    x86_64: "amd64",
    "x86-64": "amd64",
    aarch64: "arm64",
    i386: "386",
  };
  const architecture = archAlias[p.architecture] ?? p.architecture;
  let variant = p.variant;
  if (architecture === "arm64" && (variant === undefined || variant === "8")) variant = "v8";
  if (architecture === "arm" && variant === undefined) variant = "v7";
  if (architecture === "amd64" && variant === "v1") variant = undefined;
  return { os: p.os, architecture, ...(variant ? { variant } : {}) };
}

/**
 * The platform of the API's `platform` parameter (moby's httputils.DecodePlatform): JSON of an
 * OCI platform, OS and architecture required.
 */
export function decodePlatformJson(s: string): Platform {
  let p: {
    os?: unknown;
    architecture?: unknown;
    variant?: unknown;
    "os.version"?: unknown;
    "os.features"?: unknown;
  };
  try {
    p = JSON.parse(s);
  } catch (err) {
    throw invalid(`failed to parse platform: ${(err as Error).message}`);
  }
  if (typeof p !== "object" || p === null || Array.isArray(p))
    throw invalid("failed to parse platform: not a JSON object");
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  const [os, architecture, variant] = [str(p.os), str(p.architecture), str(p.variant)];
  const features = Array.isArray(p["os.features"]) && p["os.features"].length > 0;
  if (!os && !architecture && (variant || str(p["os.version"]) || features))
    throw invalid("optional platform fields provided, but OS and Architecture are missing");
  if (!os || !architecture) throw invalid("both OS and Architecture must be provided");
  // as sent (Docker's messages show it so); platformMatches normalizes
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** Whether an image of platform `have` is one of `want` (containerd's matcher, as selectPlatform). */
export function platformMatches(want: Platform, have: Platform): boolean {
  const w = normalizePlatform(want);
  const h = normalizePlatform(have);
  if (w.os !== h.os || w.architecture !== h.architecture) return false;
  return !w.variant || !h.variant || w.variant === h.variant;
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

/**
 * The entry of a manifest list for a platform (containerd's matcher: same os and architecture;
 * the variant must match when both sides give one, arm64's "v8" being the default). Entries that
 * are attestations (unknown/unknown) never match. Throws notFound with Docker's wording.
 */
export function selectPlatform(list: ManifestList, want: Platform): Descriptor {
  const matches = list.manifests.filter((m) => {
    if (!m.platform) return false;
    const p = normalizePlatform(m.platform);
    if (p.os !== want.os || p.architecture !== want.architecture) return false;
    return !want.variant || !p.variant || p.variant === want.variant;
  });
  // an exact variant match wins over an entry without one
  const exact = matches.find((m) => normalizePlatform(m.platform!).variant === want.variant);
  const found = exact ?? matches[0];
  if (!found) throw notFound(`no matching manifest for ${formatPlatform(want)} in the manifest list entries`);
  return found;
}

/**
 * The manifest a pusher writes for a config and its layers: Docker schema 2 when every layer is
 * gzip (what Docker pushes; indented with three spaces, as Docker's encoder does), else OCI,
 * which alone can say zstd or plain tar.
 */
export function buildManifest(
  config: { digest: string; size: number },
  layers: Array<{ digest: string; size: number; compression: LayerCompression }>,
): { mediaType: string; bytes: Buffer } {
  const docker = layers.every((l) => l.compression === "gzip");
  const layerType = (c: LayerCompression) =>
    docker ? MT.dockerLayer : c === "gzip" ? MT.ociLayerGzip : c === "zstd" ? MT.ociLayerZstd : MT.ociLayer;
  const mediaType = docker ? MT.dockerManifest : MT.ociManifest;
  const body = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: docker ? MT.dockerConfig : MT.ociConfig, size: config.size, digest: config.digest },
    layers: layers.map((l) => ({ mediaType: layerType(l.compression), size: l.size, digest: l.digest })),
  };
  return { mediaType, bytes: Buffer.from(JSON.stringify(body, null, 3)) };
}
