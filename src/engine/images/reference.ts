import { invalid } from "../../lib/errors.ts";

/**
 * Image references as Docker's distribution/reference parses them: `busybox` is
 * docker.io/library/busybox, shown back in its familiar form. Grammar and error wording follow
 * distribution/reference (reference.go, regexp.go, normalize.go).
 */
export interface NamedRef {
  /** registry host[:port], e.g. "docker.io", "localhost:5000" */
  domain: string;
  /** repository path, e.g. "library/busybox" */
  path: string;
  tag?: string;
  /** "sha256:<hex>" */
  digest?: string;
}

const DEFAULT_DOMAIN = "docker.io";
const LEGACY_DEFAULT_DOMAIN = "index.docker.io";
const OFFICIAL_PREFIX = "library/";
export const DEFAULT_TAG = "latest";
const NAME_TOTAL_LENGTH_MAX = 255;

const alphanumeric = "[a-z0-9]+";
const separator = "(?:[._]|__|[-]+)";
const domainNameComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const ipv6 = "\\[(?:[a-fA-F0-9:]+)\\]";
const domainAndPort = `(?:${domainNameComponent}(?:\\.${domainNameComponent})*|${ipv6})(?::[0-9]+)?`;
const tagPat = "[\\w][\\w.-]{0,127}";
const digestPat = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}";
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;

const referenceRe = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const anchoredNameRe = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const identifierRe = /^[a-f0-9]{64}$/;
const tagRe = new RegExp(`^${tagPat}$`);

/** distribution/reference Parse: the grammar, without Docker's normalisation. */
function parse(s: string): NamedRef {
  const m = referenceRe.exec(s);
  if (!m) {
    if (s === "") throw invalid("invalid reference format: repository name must have at least one component");
    if (referenceRe.test(s.toLowerCase()))
      throw invalid("invalid reference format: repository name must be lowercase");
    throw invalid("invalid reference format");
  }
  const nm = anchoredNameRe.exec(m[1])!;
  const ref: NamedRef = { domain: nm[1] ?? "", path: nm[2] };
  if (ref.path.length > NAME_TOTAL_LENGTH_MAX)
    throw invalid(
      `invalid reference format: repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`,
    );
  if (m[2]) ref.tag = m[2];
  if (m[3]) {
    if (!/^sha256:[a-f0-9]{64}$/.test(m[3]) && /^sha256:/.test(m[3]))
      throw invalid("invalid checksum digest length");
    ref.digest = m[3];
  }
  return ref;
}

/** splitDockerDomain: which part of a name is the registry. */
function splitDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf("/");
  if (slash === -1) return { domain: DEFAULT_DOMAIN, remainder: OFFICIAL_PREFIX + name };
  const maybeDomain = name.slice(0, slash);
  const rest = name.slice(slash + 1);
  let domain: string;
  let remainder: string;
  if (maybeDomain === "localhost") [domain, remainder] = [maybeDomain, rest];
  else if (maybeDomain === LEGACY_DEFAULT_DOMAIN) [domain, remainder] = [DEFAULT_DOMAIN, rest];
  else if (/[.:]/.test(maybeDomain)) [domain, remainder] = [maybeDomain, rest];
  else if (maybeDomain.toLowerCase() !== maybeDomain) [domain, remainder] = [maybeDomain, rest];
  else [domain, remainder] = [DEFAULT_DOMAIN, name];
  if (domain === DEFAULT_DOMAIN && !remainder.includes("/")) remainder = OFFICIAL_PREFIX + remainder;
  return { domain, remainder };
}

/** ParseNormalizedNamed: `busybox:1` → docker.io/library/busybox:1. Throws invalid like Docker. */
export function parseNormalizedNamed(s: string): NamedRef {
  if (identifierRe.test(s))
    throw invalid(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  const { domain, remainder } = splitDomain(s);
  const tagSep = remainder.indexOf(":");
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remote.toLowerCase() !== remote)
    throw invalid(`invalid reference format: repository name (${remote}) must be lowercase`);
  return parse(`${domain}/${remainder}`);
}

/** What a string given where an image is expected names: an image id (digest) or a name. */
export type AnyRef = { kind: "id"; id: string } | { kind: "named"; ref: NamedRef };

/** ParseAnyReference: 64 hex digits or sha256:<hex> is an id; anything else must be a name. */
export function parseAnyReference(s: string): AnyRef {
  if (identifierRe.test(s)) return { kind: "id", id: `sha256:${s}` };
  if (/^sha256:[a-f0-9]{64}$/.test(s)) return { kind: "id", id: s };
  return { kind: "named", ref: parseNormalizedNamed(s) };
}

/** TagNameOnly: adds :latest to a name with neither tag nor digest. */
export function withDefaultTag(ref: NamedRef): NamedRef {
  return ref.tag || ref.digest ? ref : { ...ref, tag: DEFAULT_TAG };
}

export function isValidTag(tag: string): boolean {
  return tagRe.test(tag);
}

/** docker.io/library/busybox */
export function fullName(ref: NamedRef): string {
  return `${ref.domain}/${ref.path}`;
}

/** busybox, user/app, localhost:5000/x/y */
export function familiarName(ref: NamedRef): string {
  if (ref.domain !== DEFAULT_DOMAIN) return fullName(ref);
  const rest = ref.path.startsWith(OFFICIAL_PREFIX) ? ref.path.slice(OFFICIAL_PREFIX.length) : ref.path;
  return rest.includes("/") ? ref.path : rest;
}

function suffix(ref: NamedRef): string {
  return (ref.tag ? `:${ref.tag}` : "") + (ref.digest ? `@${ref.digest}` : "");
}

/** busybox:latest, busybox@sha256:… */
export function familiarString(ref: NamedRef): string {
  return familiarName(ref) + suffix(ref);
}

/** docker.io/library/busybox:latest */
export function canonicalString(ref: NamedRef): string {
  return fullName(ref) + suffix(ref);
}
