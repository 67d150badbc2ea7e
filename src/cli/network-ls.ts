import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, list, str } from "./command.ts";
import { parseFilters, validateFilter } from "./filters.ts";
import { truncateId } from "./format/container-columns.ts";
import { goStruct } from "./format/go-print.ts";
import { goTimeString } from "./format/go-time.ts";
import { formatRows, listFormat } from "./format/table-format.ts";
import { type NetworkSummary, networksApi } from "./network-client.ts";
import { FORMAT_HELP } from "./ps.ts";

export const NETWORK_TABLE_FORMAT = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";

export const NETWORK_HEADERS = {
  ID: "NETWORK ID",
  Name: "NAME",
  Driver: "DRIVER",
  Scope: "SCOPE",
  IPv4: "IPV4",
  IPv6: "IPV6",
  Internal: "INTERNAL",
  Labels: "LABELS",
  CreatedAt: "CREATED AT",
};

export const lsFlags: FlagSpec[] = [
  { name: "quiet", short: "q", type: "bool", description: "Only display network IDs" },
  { name: "no-trunc", type: "bool", description: "Do not truncate the output" },
  { name: "format", type: "string", description: FORMAT_HELP },
  {
    name: "filter",
    short: "f",
    type: "list",
    typeName: "filter",
    description: 'Provide filter values (e.g. "driver=bridge")',
    validate: validateFilter,
  },
];

export function toLsOptions(flags: ParsedArgs) {
  return {
    quiet: bool(flags, "quiet"),
    noTrunc: bool(flags, "no-trunc"),
    format: str(flags, "format"),
    filters: parseFilters(list(flags, "filter")),
  };
}

/** docker's networkContext: what a `network ls --format` template sees. */
export function networkRow(n: NetworkSummary, trunc: boolean): Record<string, unknown> {
  const labels = n.Labels ?? {};
  return goStruct(
    {
      ID: trunc ? truncateId(n.Id) : n.Id,
      Name: n.Name,
      Driver: n.Driver,
      Scope: n.Scope,
      IPv4: String(n.EnableIPv4 ?? true),
      IPv6: String(n.EnableIPv6),
      Internal: String(n.Internal),
      Labels: Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .sort()
        .join(","),
      get CreatedAt() {
        return goTimeString(Date.parse(n.Created), "UTC");
      },
      Label: (name: string) => labels[name] ?? "",
    },
    "*network.networkContext",
  );
}

/** fvbommel/sortorder's NaturalLess as a comparator: digit runs compare as numbers, the rest by bytes. */
export function naturalLess(a: string, b: string): number {
  const chunks = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const x = chunks(a);
  const y = chunks(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [p, q] = [x[i], y[i]];
    if (p === q) continue;
    if (/^\d/.test(p) && /^\d/.test(q)) {
      const diff = Number(p) - Number(q);
      if (diff !== 0) return diff;
      return p.length - q.length; // "01" after "1"
    }
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}

export const command: CommandModule = {
  usage: "[OPTIONS]",
  short: "List networks",
  aliases: ["kapsel network ls", "kapsel network list"],
  flags: lsFlags,
  args: { kind: "none" },
  async run(ctx) {
    const o = toLsOptions(ctx.flags);
    const api = networksApi(ctx.client());
    try {
      const networks = await api.list(o.filters);
      networks.sort((a, b) => naturalLess(a.Name, b.Name));
      const format = listFormat(o.format, { defaultTable: NETWORK_TABLE_FORMAT, quiet: o.quiet });
      const rows = networks.map((n) => networkRow(n, !o.noTrunc));
      ctx.stdio.stdout.write(formatRows(format, rows, { header: NETWORK_HEADERS }));
    } finally {
      api.close();
    }
    return 0;
  },
};
