import { invalid } from "../../lib/errors.ts";
import { withDefaultTag } from "../images/index.ts";
import { connectClient, type DistributionContext } from "./context.ts";
import { readBody } from "./http-transport.ts";
import type { RegistryCredentials } from "./index.ts";
import { parseManifest, sha256Digest } from "./manifest.ts";
import { fetchManifest, pullReference } from "./pull.ts";

/** Docker's DistributionInspect: the manifest's descriptor and the platforms it serves. */
export interface DistributionInspect {
  Descriptor: { mediaType: string; digest: string; size: number };
  Platforms: OciPlatform[];
}

export interface OciPlatform {
  architecture: string;
  os: string;
  "os.version"?: string;
  "os.features"?: string[];
  variant?: string;
}

/**
 * GET /distribution/{name}/json (moby's getDistributionInfo): asks the registry for the
 * manifest a name (latest when untagged) or digest resolves to; its platforms come from a
 * list's entries, or from an image manifest's config. Nothing is stored.
 */
export async function inspectDistribution(
  ctx: DistributionContext,
  o: { image: string; auth?: RegistryCredentials; signal?: AbortSignal },
): Promise<DistributionInspect> {
  let ref = pullReference(o.image, undefined);
  if (!ref.digest) ref = withDefaultTag(ref);
  const clients = await connectClient(ctx, ref, o.auth, { pull: true, signal: o.signal });
  const client = clients[clients.length - 1]; // the registry itself: a mirror may lag behind
  await client.connect(o.signal);
  const fetched = await fetchManifest(client, ref, ref.digest ?? ref.tag ?? "latest", o.signal);
  const manifest = parseManifest(fetched.bytes, fetched.contentType);
  const out: DistributionInspect = {
    Descriptor: { mediaType: manifest.mediaType, digest: fetched.digest, size: fetched.bytes.length },
    Platforms: [],
  };
  if (manifest.kind === "list") {
    for (const m of manifest.manifests) if (m.platform) out.Platforms.push(ociPlatform(m.platform));
    return out;
  }
  const res = await client.request("GET", `/v2/${ref.path}/blobs/${manifest.config.digest}`, {
    scopes: [`repository:${ref.path}:pull`],
    redirect: true,
    signal: o.signal,
  });
  const bytes = await readBody(res, 64 * 1024 * 1024);
  if (sha256Digest(bytes) !== manifest.config.digest)
    throw invalid(`image config verification failed for digest ${manifest.config.digest}`);
  try {
    const config = JSON.parse(bytes.toString("utf8")) as Partial<OciPlatform>;
    if (config.os || config.architecture) out.Platforms.push(ociPlatform(config));
  } catch {
    // a config that is not JSON has no platform to tell (moby leaves the list empty too)
  }
  return out;
}

/** ocispec.Platform's JSON: empty fields left out. */
function ociPlatform(p: Partial<OciPlatform>): OciPlatform {
  return {
    architecture: p.architecture ?? "",
    os: p.os ?? "",
    ...(p["os.version"] ? { "os.version": p["os.version"] } : {}),
    ...(p["os.features"]?.length ? { "os.features": p["os.features"] } : {}),
    ...(p.variant ? { variant: p.variant } : {}),
  };
}
