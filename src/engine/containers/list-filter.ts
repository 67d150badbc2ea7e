import { invalid } from "../../lib/errors.ts";
import type { ContainerRecord } from "./model.ts";

const ALLOWED = [
  "status",
  "name",
  "id",
  "label",
  "ancestor",
  "exited",
  "before",
  "since",
  "health",
  "network",
  "volume",
  "publish",
  "expose",
  "is-task",
];
const STATUSES = ["created", "restarting", "running", "removing", "paused", "exited", "dead"];

export interface ListOptions {
  all: boolean;
  limit?: number;
  filters: Map<string, string[]>;
  /** image ref → image id, for `ancestor` (undefined when unknown) */
  resolveImage: (ref: string) => string | undefined;
  /** container ref → record, for before/since */
  find: (ref: string) => ContainerRecord | undefined;
}

/** Docker's `ps` selection: newest first, filters, then -n/-l. */
export function selectContainers(all: ContainerRecord[], o: ListOptions): ContainerRecord[] {
  for (const key of o.filters.keys()) if (!ALLOWED.includes(key)) throw invalid(`invalid filter '${key}'`);
  for (const s of o.filters.get("status") ?? []) {
    if (!STATUSES.includes(s)) throw invalid(`invalid filter 'status=${s}'`);
  }
  const sorted = [...all].sort(
    (a, b) => Date.parse(b.created) - Date.parse(a.created) || (b.id < a.id ? -1 : 1),
  );
  const pivot = (key: "before" | "since") => {
    const ref = o.filters.get(key)?.[0];
    if (ref === undefined) return undefined;
    const rec = o.find(ref);
    if (!rec) throw invalid(`No such container: ${ref}`);
    return rec;
  };
  const before = pivot("before");
  const since = pivot("since");
  const showAll =
    o.all || (o.limit ?? -1) > 0 || o.filters.has("status") || o.filters.has("exited") || !!before || !!since;
  const out: ContainerRecord[] = [];
  for (const rec of sorted) {
    if (!showAll && !rec.state.Running) continue;
    if (before && Date.parse(rec.created) >= Date.parse(before.created)) continue;
    if (since && Date.parse(rec.created) <= Date.parse(since.created)) continue;
    if (!matches(rec, o)) continue;
    out.push(rec);
  }
  return o.limit && o.limit > 0 ? out.slice(0, o.limit) : out;
}

function matches(rec: ContainerRecord, o: ListOptions): boolean {
  const f = o.filters;
  const any = (key: string, test: (v: string) => boolean) => {
    const values = f.get(key);
    return !values || values.length === 0 || values.some(test);
  };
  return (
    any("status", (v) => rec.state.Status === v) &&
    any("name", (v) => new RegExp(v).test(`/${rec.name}`)) &&
    any("id", (v) => rec.id.startsWith(v)) &&
    (f.get("label") ?? []).every((v) => {
      const eq = v.indexOf("=");
      return eq < 0
        ? v in (rec.config.Labels ?? {})
        : rec.config.Labels?.[v.slice(0, eq)] === v.slice(eq + 1);
    }) &&
    any("ancestor", (v) => {
      const id = o.resolveImage(v);
      return rec.image === v || (id !== undefined && rec.imageId === id);
    }) &&
    any("exited", (v) => {
      if (!/^-?\d+$/.test(v)) throw invalid(`invalid filter 'exited=${v}'`);
      return rec.state.Status === "exited" && rec.state.ExitCode === Number(v);
    }) &&
    any("network", (v) => (rec.hostConfig.NetworkMode ?? "bridge") === v) &&
    any("is-task", (v) => v === "false") &&
    any("volume", (v) =>
      (rec.hostConfig.Binds ?? []).some((b) => b.split(":")[0] === v || b.split(":")[1] === v),
    ) &&
    any("expose", (v) =>
      Object.keys(rec.config.ExposedPorts ?? {}).some((p) => p === v || p === `${v}/tcp`),
    ) &&
    any("publish", () => false) &&
    any("health", (v) => v === "none")
  );
}
