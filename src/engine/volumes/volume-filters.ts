import { invalid } from "../../lib/errors.ts";
import { parseGoBool } from "../../lib/go-bool.ts";

/** What list and prune filters look at. */
export interface FilterSubject {
  name: string;
  driver: string;
  labels: Record<string, string>;
  /** referenced by a container (running or not) */
  inUse: boolean;
}

export const ANONYMOUS_LABEL = "com.docker.volume.anonymous";

/** Go's fmt of a []string, as Docker's filter errors print values: [a b]. */
const goList = (values: string[]) => `[${values.join(" ")}]`;

function accept(filters: Map<string, string[]>, keys: string[]): void {
  for (const key of filters.keys()) if (!keys.includes(key)) throw invalid(`invalid filter '${key}'`);
}

/** Docker's filters.MatchKVList: every `key` or `key=value` is among the labels. */
function matchLabels(values: string[], labels: Record<string, string>): boolean {
  if (values.length === 0) return true;
  if (Object.keys(labels).length === 0) return false;
  return values.every((v) => {
    const eq = v.indexOf("=");
    const key = eq < 0 ? v : v.slice(0, eq);
    if (!Object.hasOwn(labels, key)) return false;
    return eq < 0 || labels[key] === v.slice(eq + 1);
  });
}

/** Docker's filters.Match: an exact value, or an (unanchored) regular expression that matches. */
function matchName(values: string[], name: string): boolean {
  if (values.includes(name)) return true;
  return values.some((v) => {
    try {
      return new RegExp(v).test(name);
    } catch {
      return false;
    }
  });
}

/** Docker's GetBoolOrDefault: only 1/true/0/false, and not both. */
function danglingValue(values: string[]): boolean {
  if (values.length === 0) throw invalid("invalid filter 'dangling'");
  const isTrue = values.includes("1") || values.includes("true");
  const isFalse = values.includes("0") || values.includes("false");
  if (isTrue === isFalse) throw invalid(`invalid filter 'dangling=${goList(values)}'`);
  return isTrue;
}

/** GET /volumes filters (moby volume/service/convert.go filtersToBy): dangling, name, driver, label. */
export function listPredicate(filters: Map<string, string[]>): (v: FilterSubject) => boolean {
  accept(filters, ["dangling", "name", "driver", "label"]);
  const drivers = filters.get("driver") ?? [];
  const names = filters.get("name");
  const labels = filters.get("label") ?? [];
  const dangling = filters.has("dangling") ? danglingValue(filters.get("dangling")!) : undefined;
  return (v) =>
    (drivers.length === 0 || drivers.includes(v.driver)) &&
    (names === undefined || names.length === 0 || matchName(names, v.name)) &&
    matchLabels(labels, v.labels) &&
    (dangling === undefined || dangling === !v.inUse);
}

/**
 * POST /volumes/prune filters: label, label!, all. Without all=true only anonymous volumes go
 * (Docker 23+). The caller narrows to unused local volumes without options, as Docker does.
 */
export function prunePredicate(filters: Map<string, string[]>): (v: FilterSubject) => boolean {
  accept(filters, ["label", "label!", "all"]);
  const all = filters.get("all") ?? [];
  if (all.length > 1) throw invalid(`invalid filter 'all=${goList(all)}': only one value is expected`);
  let everything = false;
  if (all.length === 1) {
    const b = parseGoBool(all[0]);
    if (b === undefined)
      throw invalid(
        `invalid filter 'all': strconv.ParseBool: parsing ${JSON.stringify(all[0])}: invalid syntax`,
      );
    everything = b;
  }
  const labels = [...(filters.get("label") ?? [])];
  if (!everything) labels.push(ANONYMOUS_LABEL);
  const notLabels = filters.get("label!") ?? [];
  return (v) =>
    !v.inUse &&
    matchLabels(labels, v.labels) &&
    (notLabels.length === 0 || !matchLabels(notLabels, v.labels));
}
