/**
 * Docker image references, as distribution/reference normalizes them: "busybox" is
 * docker.io/library/busybox, a missing tag means "latest" where a tag is needed, and the
 * familiar form drops docker.io/ and library/ again for display.
 */

export interface ImageReference {
  domain: string;
  /** repository path without the domain, e.g. library/busybox */
  path: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::\d+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$/;
const HEX64 = /^[a-f0-9]{64}$/;

/** ParseNormalizedNamed: throws Docker's "invalid reference format" errors. */
export function parseNormalizedNamed(raw: string): ImageReference {
  if (HEX64.test(raw)) {
    throw new Error(`invalid repository name (${raw}), cannot specify 64-byte hexadecimal strings`);
  }
  let rest = raw;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw new Error("invalid reference format");
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new Error("invalid reference format");
  }
  const { domain, path } = splitDomain(rest);
  if (domain !== "docker.io" && !DOMAIN.test(domain)) throw new Error("invalid reference format");
  if (path === "" || !path.split("/").every((c) => COMPONENT.test(c))) {
    if (
      path.toLowerCase() !== path &&
      path
        .toLowerCase()
        .split("/")
        .every((c) => COMPONENT.test(c))
    ) {
      throw new Error(`invalid reference format: repository name (${path}) must be lowercase`);
    }
    throw new Error("invalid reference format");
  }
  if (domain.length + path.length + 1 > 255)
    throw new Error("repository name must not be more than 255 characters");
  return { domain, path, tag, digest };
}

function splitDomain(name: string): { domain: string; path: string } {
  const i = name.indexOf("/");
  const first = i < 0 ? "" : name.slice(0, i);
  let domain: string;
  let path: string;
  if (i < 0 || (!/[.:]/.test(first) && first !== "localhost" && first.toLowerCase() === first)) {
    domain = "docker.io";
    path = name;
  } else {
    domain = first;
    path = name.slice(i + 1);
  }
  if (domain === "index.docker.io") domain = "docker.io";
  if (domain === "docker.io" && !path.includes("/")) path = `library/${path}`;
  return { domain, path };
}

/** ParseAnyReference: a bare 64-hex id (or sha256:<hex>) is an image id, not a name. */
export function parseAnyReference(raw: string): ImageReference | { id: string } {
  if (HEX64.test(raw)) return { id: `sha256:${raw}` };
  if (/^sha256:[a-f0-9]{64}$/.test(raw)) return { id: raw };
  return parseNormalizedNamed(raw);
}

/** TagNameOnly: adds :latest when there is neither tag nor digest. */
export function withDefaultTag(ref: ImageReference): ImageReference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: "latest" } : ref;
}

/** The full repository name, e.g. docker.io/library/busybox. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The familiar repository name, e.g. busybox or example.com/app. */
export function familiarName(ref: ImageReference): string {
  if (ref.domain !== "docker.io") return `${ref.domain}/${ref.path}`;
  return ref.path.startsWith("library/") && ref.path.split("/").length === 2 ? ref.path.slice(8) : ref.path;
}

/** FamiliarString: busybox:latest, example.com/app@sha256:... */
export function familiarString(ref: ImageReference): string {
  return (
    familiarName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : "") + (ref.digest ? `@${ref.digest}` : "")
  );
}
