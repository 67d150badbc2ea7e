import { invalid, notFound } from "../../lib/errors.ts";
import { mountPointsOf } from "./container-volumes.ts";
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
const STATUSES = ["created", "running", "paused", "restarting", "removing", "exited", "dead"];
const HEALTHS = ["none", "starting", "healthy", "unhealthy"];

export interface ListOptions {
  all: boolean;
  limit?: number;
  filters: Map<string, string[]>;
  /** image ref → image id, for `ancestor` (undefined when unknown) */
  resolveImage: (ref: string) => string | undefined;
  /** container ref → record, for before/since */
  find: (ref: string) => ContainerRecord | undefined;
  /** a container's networks (name → NetworkID) and published ports, for `network` and `publish` */
  networking?: (rec: ContainerRecord) => {
    networks: Record<string, { NetworkID: string }>;
    ports: Record<string, { HostPort: string }[] | null>;
  };
}

/** Docker's `ps` selection: newest first, filters, then -n/-l. */
export function selectContainers(all: ContainerRecord[], o: ListOptions): ContainerRecord[] {
  for (const key of o.filters.keys()) if (!ALLOWED.includes(key)) throw invalid(`invalid filter '${key}'`);
  for (const s of o.filters.get("status") ?? []) {
    if (!STATUSES.includes(s))
      throw invalid(
        `invalid filter 'status=${s}': invalid value for state (${s}): must be one of ${STATUSES.join(", ")}`,
      );
  }
  for (const h of o.filters.get("health") ?? []) {
    if (!HEALTHS.includes(h))
      throw invalid(
        `invalid filter 'health=${h}': invalid value for health (${h}): must be one of ${HEALTHS.join(", ")}`,
      );
  }
  for (const v of o.filters.get("exited") ?? []) {
    if (!/^[-+]?\d+$/.test(v))
      throw invalid(
        `invalid filter 'exited=${v}': strconv.Atoi: parsing ${JSON.stringify(v)}: invalid syntax`,
      );
  }
  const sorted = [...all].sort(
    (a, b) => Date.parse(b.created) - Date.parse(a.created) || (b.id < a.id ? -1 : 1),
  );
  const pivot = (key: "before" | "since") => {
    const ref = o.filters.get(key)?.[0];
    if (ref === undefined) return undefined;
    const rec = o.find(ref);
    if (!rec) throw notFound(`No such container: ${ref}`);
    return rec;
  };
  const before = pivot("before");
  const since = pivot("since");
  // as moby's foldFilter: only a status filter (or -n) lists stopped containers without -a
  const showAll = o.all || (o.limit ?? -1) > 0 || o.filters.has("status");
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
    any("name", (v) => v === rec.name || matchesRegexp(v, `/${rec.name}`) || matchesRegexp(v, rec.name)) &&
    any("id", (v) => v === rec.id || matchesRegexp(v, rec.id)) &&
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
    any("exited", (v) => rec.state.Status === "exited" && rec.state.ExitCode === Number(v)) &&
    any("network", (v) => {
      if (!o.networking) return (rec.hostConfig.NetworkMode ?? "bridge") === v;
      const nets = o.networking(rec).networks;
      return Object.entries(nets).some(
        ([name, ep]) => name === v || (ep.NetworkID !== "" && ep.NetworkID.startsWith(v)),
      );
    }) &&
    any("is-task", (v) => v === "false") &&
    any("volume", (v) =>
      mountPointsOf(rec).some(
        (mp) => (mp.Type === "volume" ? mp.Name : mp.Source) === v || mp.Destination === v,
      ),
    ) &&
    any("expose", (v) => portSpec(v).some((p) => p in (rec.config.ExposedPorts ?? {}))) &&
    any("publish", (v) => {
      if (!o.networking) return false;
      const published = new Set<string>();
      for (const [key, bindings] of Object.entries(o.networking(rec).ports)) {
        const proto = key.split("/")[1] ?? "tcp";
        for (const b of bindings ?? []) published.add(`${b.HostPort}/${proto}`);
      }
      return portSpec(v).some((p) => published.has(p));
    }) &&
    any("health", (v) => v === (rec.state.Health?.Status ?? "none"))
  );
}

/** A `publish`/`expose` filter value: "80", "80/udp", "8000-8002/tcp" → "80/tcp"... */
function portSpec(v: string): string[] {
  const [range, proto = "tcp"] = v.split("/");
  const [start, end = start] = range.split("-").map(Number);
  if (!Number.isInteger(start) || !Number.isInteger(end) || end < start || end - start > 65535) return [];
  return Array.from({ length: end - start + 1 }, (_, i) => `${start + i}/${proto || "tcp"}`);
}

/** moby's filters.Match: the value is a regular expression, searched anywhere; a bad one matches nothing. */
function matchesRegexp(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern).test(text);
  } catch {
    return false;
  }
}
