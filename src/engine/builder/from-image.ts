import { invalid, isKind } from "../../lib/errors.ts";
import { hostArchitecture } from "../../lib/host-arch.ts";
import { type ImageRecord, parseNormalizedNamed } from "../images/index.ts";
import type { BuildJob } from "./build-job.ts";
import type { StageOutput } from "./build-output.ts";
import type { RegistryAuth } from "./index.ts";

/** The platform kapsel builds for: the host's. */
export function hostPlatform(): string {
  return `linux/${hostArchitecture()}`;
}

/**
 * A --platform value (FROM's or the build's) checked against the host's: kapsel builds for
 * the host's platform only. "linux" alone and the host's "linux/<arch>[/variant]" pass.
 */
export function checkPlatform(value: string | undefined): void {
  if (!value) return;
  const [os, arch] = value.toLowerCase().split("/");
  if (os !== "linux" || (arch && arch !== hostArchitecture()))
    throw invalid(`kapsel builds for ${hostPlatform()} only (the host's platform), not ${value}`);
}

/**
 * The image a FROM or COPY --from names, as the classic builder finds it: the local image,
 * pulled when missing or when --pull asks (stages are the caller's business). Pull progress
 * goes to the stage's output as Docker's JSON progress messages.
 */
export async function imageFor(
  job: BuildJob,
  name: string,
  out: StageOutput,
  o: { pull: boolean },
): Promise<ImageRecord> {
  const { images, distribution } = job.deps;
  if (!o.pull) {
    try {
      return images.resolve(name);
    } catch (err) {
      if (!isKind(err, "not_found") || !distribution) throw err;
    }
  }
  if (!distribution) return images.resolve(name);
  const ref = parseNormalizedNamed(name);
  await distribution.pull({
    image: name,
    auth: authFor(job.options.auth ?? {}, ref.domain),
    progress: (m) => out.raw(m),
    signal: job.signal,
  });
  return images.resolve(name);
}

const HUB_KEYS = ["https://index.docker.io/v1/", "index.docker.io", "docker.io", "registry-1.docker.io"];

/** X-Registry-Config's entry for a registry (Docker's resolveAuthConfig: keys normalised to hosts). */
export function authFor(auths: Record<string, RegistryAuth>, domain: string): RegistryAuth | undefined {
  const host = (key: string) => key.replace(/^https?:\/\//, "").split("/")[0];
  for (const [key, value] of Object.entries(auths)) {
    const h = host(key);
    if (domain === "docker.io" ? HUB_KEYS.some((k) => host(k) === h) : h === domain) return value;
  }
  return undefined;
}
