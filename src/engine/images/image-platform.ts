import { invalid, notFound } from "../../lib/errors.ts";
import type { ImageRecord } from "./index.ts";

/** containerd's names for what people write ("x86_64", "aarch64"), and arm64's default variant. */
function normalize(os: string, architecture: string, variant?: string) {
  const arch = (
    { x86_64: "amd64", "x86-64": "amd64", aarch64: "arm64", i386: "386" } as Record<string, string>
  )[architecture];
  const a = arch ?? architecture;
  let v = variant || undefined;
  if (a === "arm64" && (v === undefined || v === "8")) v = "v8";
  if (a === "amd64" && v === "v1") v = undefined;
  return { os, architecture: a, variant: v };
}

/**
 * POST /containers/create?platform=os[/arch[/variant]] (API 1.41): the image must be of that
 * platform. As Docker (GetImage with a platform): otherwise a 404 that says so, after which the
 * docker CLI tries a pull of the platform asked for.
 */
export function checkImagePlatform(img: ImageRecord, ref: string, platform: string): void {
  const parts = platform.toLowerCase().split("/");
  if (parts.length > 3 || parts.some((p) => p === ""))
    throw invalid(`"${platform}": invalid platform specifier, expected os[/arch[/variant]]`);
  const c = img.config;
  const have = normalize(c.os ?? "linux", c.architecture ?? "amd64", c.variant);
  const want = normalize(parts[0], parts[1] ?? have.architecture, parts[2]);
  const matches =
    want.os === have.os &&
    want.architecture === have.architecture &&
    (!want.variant || !have.variant || want.variant === have.variant);
  if (!matches)
    throw notFound(
      `image with reference ${ref} was found but does not match the specified platform: wanted ${platform}`,
    );
}
