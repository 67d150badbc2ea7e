import type { Volume } from "../client/index.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, list, str } from "./command.ts";
import { parseFilters, validateFilter } from "./filters.ts";
import { goStruct } from "./format/go-print.ts";
import { humanSize } from "./format/human-units.ts";
import { formatRows } from "./format/table-format.ts";
import { naturalLess } from "./network-ls.ts";
import { FORMAT_HELP } from "./ps.ts";

/** `docker volume ls` (docker/cli cli/command/volume/list.go, formatter/volume.go). */

export const VOLUME_TABLE_FORMAT = "table {{.Driver}}\t{{.Name}}";
const CLUSTER_TABLE_FORMAT = "table {{.Name}}\t{{.Group}}\t{{.Driver}}\t{{.Availability}}\t{{.Status}}";

export const VOLUME_HEADERS = {
  ID: "ID",
  Name: "VOLUME NAME",
  Group: "GROUP",
  Driver: "DRIVER",
  Scope: "SCOPE",
  Availability: "AVAILABILITY",
  Mountpoint: "MOUNTPOINT",
  Labels: "LABELS",
  Links: "LINKS",
  Size: "SIZE",
  Status: "STATUS",
};

export const volumeLsFlags: FlagSpec[] = [
  { name: "quiet", short: "q", type: "bool", description: "Only display volume names" },
  { name: "format", type: "string", description: FORMAT_HELP },
  {
    name: "filter",
    short: "f",
    type: "list",
    typeName: "filter",
    description: 'Provide filter values (e.g. "dangling=true")',
    validate: validateFilter,
  },
  {
    name: "cluster",
    type: "bool",
    description: "Display only cluster volumes, and use cluster volume list formatting",
  },
];

export function toVolumeLsOptions(flags: ParsedArgs) {
  return {
    quiet: bool(flags, "quiet"),
    format: str(flags, "format"),
    cluster: bool(flags, "cluster"),
    filters: parseFilters(list(flags, "filter")),
  };
}

/** docker's runList and NewVolumeFormat: "table" and "raw" have quiet forms; a custom format wins over -q. */
export function volumeFormat(o: { format: string; quiet: boolean; cluster: boolean }): string {
  let format = o.format;
  if (o.cluster) format = o.quiet ? "table" : CLUSTER_TABLE_FORMAT;
  else if (format === "") format = "table";
  if (format === "table") return o.quiet ? "{{.Name}}" : VOLUME_TABLE_FORMAT;
  if (format === "raw") return o.quiet ? "name: {{.Name}}" : "name: {{.Name}}\\ndriver: {{.Driver}}\\n";
  return format;
}

/** docker's volumeContext: what a `volume ls --format` template sees. */
export function volumeRow(v: Volume): Record<string, unknown> {
  const labels = v.Labels ?? {};
  const cluster = v.ClusterVolume as
    | {
        Spec?: { Group?: string; Availability?: string };
        Info?: { VolumeID?: string };
        PublishStatus?: unknown[];
      }
    | null
    | undefined;
  return goStruct(
    {
      Name: () => v.Name,
      Driver: () => v.Driver,
      Scope: () => v.Scope,
      Mountpoint: () => v.Mountpoint,
      // docker joins a Go map's entries in random order; sorted here so the output is stable
      Labels: () =>
        Object.entries(labels)
          .map(([k, val]) => `${k}=${val}`)
          .sort()
          .join(","),
      Label: (name: string) => labels[name] ?? "",
      Links: () => (v.UsageData ? String(v.UsageData.RefCount) : "N/A"),
      Size: () => (v.UsageData ? humanSize(v.UsageData.Size) : "N/A"),
      Group: () => (cluster ? (cluster.Spec?.Group ?? "") : "N/A"),
      Availability: () => (cluster ? (cluster.Spec?.Availability ?? "") : "N/A"),
      Status: () => {
        if (!cluster) return "N/A";
        if (!cluster.Info?.VolumeID) return "pending creation";
        const n = cluster.PublishStatus?.length ?? 0;
        return n === 0 ? "created" : n === 1 ? "in use (1 node)" : `in use (${n} nodes)`;
      },
    },
    "*formatter.volumeContext",
  );
}

export const command: CommandModule = {
  usage: "[OPTIONS]",
  short: "List volumes",
  aliases: ["kapsel volume ls", "kapsel volume list"],
  flags: volumeLsFlags,
  args: { kind: "none" },
  async run(ctx) {
    const o = toVolumeLsOptions(ctx.flags);
    const res = await ctx.client().volumes.list(o.filters);
    let volumes = res.Volumes ?? [];
    if (o.cluster) volumes = volumes.filter((v) => v.ClusterVolume);
    volumes.sort((a, b) => naturalLess(a.Name, b.Name));
    ctx.stdio.stdout.write(formatRows(volumeFormat(o), volumes.map(volumeRow), { header: VOLUME_HEADERS }));
    return 0;
  },
};
