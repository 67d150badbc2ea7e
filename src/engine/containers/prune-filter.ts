import { invalid } from "../../lib/errors.ts";
import type { ContainerRecord } from "./model.ts";

/** Docker's container prune filters (until, label, label!), checked before anything is removed. */
export function pruneFilter(filters: Map<string, string[]>): (rec: ContainerRecord) => boolean {
  for (const key of filters.keys()) {
    if (!["until", "label", "label!"].includes(key)) throw invalid(`invalid filter '${key}'`);
  }
  const until = (filters.get("until") ?? []).map(parseUntil);
  const hasLabel = (rec: ContainerRecord, v: string) => {
    const eq = v.indexOf("=");
    return eq < 0 ? v in rec.config.Labels : rec.config.Labels[v.slice(0, eq)] === v.slice(eq + 1);
  };
  // as moby's MatchKVList: every `label` must match; excluded when every `label!` matches
  const not = filters.get("label!") ?? [];
  return (rec) =>
    until.every((limit) => Date.parse(rec.created) < limit) &&
    (filters.get("label") ?? []).every((v) => hasLabel(rec, v)) &&
    !(not.length > 0 && not.every((v) => hasLabel(rec, v)));
}

/** `until` in prune filters: a timestamp, unix seconds, or a duration ago (10m, 1h30m). */
export function parseUntil(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const d = /^(\d+h)?(\d+m)?(\d+(\.\d+)?s)?$/.exec(v);
  if (d && v !== "") {
    const ms =
      (Number.parseFloat(d[1] ?? "0") * 3600 +
        Number.parseFloat(d[2] ?? "0") * 60 +
        Number.parseFloat(d[3] ?? "0")) *
      1000;
    return Date.now() - ms;
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalid(`failed to parse value as time or duration: "${v}"`);
  return t;
}
