import { invalid } from "../../lib/errors.ts";
import type { ImageRecord, ListOptions } from "./index.ts";
import { pathPattern } from "./path-match.ts";
import { familiarName, parseNormalizedNamed } from "./reference.ts";

/** The filters `GET /images/json` takes (moby daemon/images/image_list.go). */
const ACCEPTED = ["dangling", "label", "before", "since", "reference", "until"];

/** What the list needs of the store. */
export interface ListSource {
  /** every image, names unfiltered */
  all: ImageRecord[];
  /** ids of the images that are some image's parent */
  parents: ReadonlySet<string>;
  /** an image by name or id (for before/since), throwing notFound like Docker */
  resolve(ref: string): ImageRecord;
}

/**
 * Docker's image list: `before`/`since`/`until`/`label` narrow the images; `reference` (Go's
 * path.Match on the familiar `name:tag`, or on the name alone) narrows each image's names too,
 * and an image left without names is then dropped. Without `all`, untagged images that are
 * some image's parent are left out; `dangling=true` keeps only untagged images without children.
 * Newest first.
 */
export function listImages(src: ListSource, o: ListOptions = {}): ImageRecord[] {
  const filters = o.filters ?? new Map<string, string[]>();
  for (const key of filters.keys()) if (!ACCEPTED.includes(key)) throw invalid(`invalid filter '${key}'`);
  const danglingOnly = boolFilter(filters, "dangling");
  let before: number | undefined;
  let since: number | undefined;
  for (const ref of filters.get("before") ?? []) {
    const t = Date.parse(src.resolve(ref).created);
    if (before === undefined || t < before) before = t; // several: the oldest, i.e. all of them
  }
  for (const value of filters.get("until") ?? []) {
    const t = untilTime(value, o.now ?? new Date());
    if (before === undefined || t < before) before = t;
  }
  for (const ref of filters.get("since") ?? []) {
    const t = Date.parse(src.resolve(ref).created);
    if (since === undefined || t > since) since = t;
  }
  const labels = filters.get("label") ?? [];
  const patterns = (filters.get("reference") ?? []).map(pathPattern);

  const out: ImageRecord[] = [];
  for (const img of src.all) {
    const created = Date.parse(img.created);
    if (danglingOnly && src.parents.has(img.id)) continue; // Docker's Heads(): no children
    if (before !== undefined && !(created < before)) continue;
    if (since !== undefined && !(created > since)) continue;
    if (labels.length > 0 && !matchLabels(labels, img.config.config?.Labels ?? {})) continue;
    const keep = (name: string) => patterns.length === 0 || patterns.some((p) => matchRef(p, name));
    const repoTags = img.repoTags.filter(keep);
    const repoDigests = img.repoDigests.filter(keep);
    if (repoTags.length === 0 && repoDigests.length === 0) {
      if (!o.all && src.parents.has(img.id)) continue;
      if (filters.has("dangling") && !danglingOnly) continue;
      if (patterns.length > 0) continue;
    } else if (danglingOnly && repoTags.length > 0) continue;
    out.push({ ...img, repoTags, repoDigests });
  }
  return out.sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
}

/** reference.FamiliarMatch: the pattern against `name:tag` (or `name@digest`), then the name. */
function matchRef(pattern: RegExp, familiar: string): boolean {
  if (pattern.test(familiar)) return true;
  try {
    return pattern.test(familiarName(parseNormalizedNamed(familiar)));
  } catch {
    return false;
  }
}

/** filters.GetBoolOrDefault */
function boolFilter(filters: Map<string, string[]>, key: string): boolean {
  const values = filters.get(key);
  if (values === undefined) return false;
  if (values.includes("true") || values.includes("1")) return true;
  if (values.includes("false") || values.includes("0")) return false;
  throw invalid(values.length > 0 ? `invalid filter '${key}=${values.join(",")}'` : "invalid filter");
}

/** filters.MatchKVList: every `key` must be there, every `key=value` must match. */
export function matchLabels(wanted: string[], labels: Record<string, string>): boolean {
  return wanted.every((w) => {
    const eq = w.indexOf("=");
    const key = eq < 0 ? w : w.slice(0, eq);
    if (!Object.hasOwn(labels, key)) return false;
    return eq < 0 || labels[key] === w.slice(eq + 1);
  });
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** GetTimestamp for `until`: a Go duration back from now, Unix seconds, or an RFC 3339 time; in ms. */
export function untilTime(value: string, now: Date): number {
  const dur = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.test(value) && value !== "0";
  if (dur) {
    let ms = 0;
    for (const m of value.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g))
      ms += Number(m[1]) * DURATION_UNITS[m[2]];
    return now.getTime() - (value.startsWith("-") ? -ms : ms);
  }
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalid(`failed to parse value as time or duration: "${value}"`);
  return t;
}
