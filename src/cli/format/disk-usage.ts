/**
 * What `docker system df` prints (docker/cli v28.2 cli/command/formatter/disk_usage.go and
 * system/df.go), from GET /system/df's answer: the summary (one row per object type, with the
 * "(NN%)" reclaimable share), and with -v the sections of images, containers, local volumes and
 * build cache, or one template run over all of them.
 */
import { familiarName, parseNormalizedNamed } from "../../client/reference.ts";
import type { BuildCacheRecord, DiskUsage } from "../../client/system-df.ts";
import type { ImageSummary } from "../../client/types.ts";
import { humanDuration } from "../../lib/human-duration.ts";
import { IMAGE_HEADERS } from "../image-rows.ts";
import { VOLUME_HEADERS, volumeRow } from "../volume-ls.ts";
import { CONTAINER_HEADERS, type ContainerSummary, containerRow, truncateId } from "./container-columns.ts";
import { goStruct } from "./go-print.ts";
import { goTimeString } from "./go-time.ts";
import { humanSize, humanSizeWithPrecision } from "./human-units.ts";
import { formatRows, formatTemplateText, isTableFormat } from "./table-format.ts";
import { GoTemplate } from "./template/go-template.ts";
import { TemplateError } from "./template/template-error.ts";

export const DISK_USAGE_TABLE_FORMAT =
  "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";
const IMAGE_TABLE_FORMAT =
  "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}";
const CONTAINER_TABLE_FORMAT =
  "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.RunningFor}}\t{{.Status}}\t{{.Names}}";
const VOLUME_TABLE_FORMAT = "table {{.Name}}\t{{.Links}}\t{{.Size}}";
const BUILD_CACHE_TABLE_FORMAT =
  "table {{.ID}}\t{{.CacheType}}\t{{.Size}}\t{{.CreatedSince}}\t{{.LastUsedSince}}\t{{.UsageCount}}\t{{.Shared}}";

export const DISK_USAGE_HEADERS = {
  Type: "TYPE",
  TotalCount: "TOTAL",
  Active: "ACTIVE",
  Size: "SIZE",
  Reclaimable: "RECLAIMABLE",
};

export const BUILD_CACHE_HEADERS = {
  ID: "CACHE ID",
  Parent: "PARENT",
  CacheType: "CACHE TYPE",
  Size: "SIZE",
  CreatedSince: "CREATED",
  LastUsedSince: "LAST USED",
  UsageCount: "USAGE",
  InUse: "IN USE",
  Shared: "SHARED",
  Description: "DESCRIPTION",
};

// the "raw" formats of each object (NewImageFormat with digests, NewContainerFormat with size, ...)
const RAW_IMAGE = `repository: {{ .Repository }}
tag: {{.Tag}}
digest: {{.Digest}}
image_id: {{.ID}}
created_at: {{.CreatedAt}}
virtual_size: {{.Size}}
`;
const RAW_CONTAINER = `container_id: {{.ID}}
image: {{.Image}}
command: {{.Command}}
created_at: {{.CreatedAt}}
state: {{- pad .State 1 0}}
status: {{- pad .Status 1 0}}
names: {{.Names}}
labels: {{- pad .Labels 1 0}}
ports: {{- pad .Ports 1 0}}
size: {{.Size}}\\n`;
const RAW_VOLUME = "name: {{.Name}}\\ndriver: {{.Driver}}\\n";
const RAW_BUILD_CACHE = `build_cache_id: {{.ID}}
parent_id: {{.Parent}}
build_cache_type: {{.CacheType}}
description: {{.Description}}
created_at: {{.CreatedAt}}
created_since: {{.CreatedSince}}
last_used_at: {{.LastUsedAt}}
last_used_since: {{.LastUsedSince}}
usage_count: {{.UsageCount}}
in_use: {{.InUse}}
shared: {{.Shared}}
`;

/** Docker's NewDiskUsageFormat: what "table" and "raw" stand for; any other format is a template. */
export function diskUsageFormat(format: string, verbose: boolean): string {
  if (verbose && format === "raw") {
    return `{{range .Images}}type: Image\n${RAW_IMAGE}\n{{end -}}
{{range .Containers}}type: Container\n${RAW_CONTAINER}\n{{end -}}
{{range .Volumes}}type: Volume\n${RAW_VOLUME}\n{{end -}}
{{range .BuildCache}}type: Build Cache\n${RAW_BUILD_CACHE}\n{{end -}}`;
  }
  if (!verbose && format === "table") return DISK_USAGE_TABLE_FORMAT;
  if (!verbose && format === "raw")
    return "type: {{.Type}}\ntotal: {{.TotalCount}}\nactive: {{.Active}}\nsize: {{.Size}}\nreclaimable: {{.Reclaimable}}\n";
  return format;
}

/** One line of the summary, as numbers. */
export interface DiskUsageTotal {
  type: "Images" | "Containers" | "Local Volumes" | "Build Cache";
  totalCount: number;
  active: number;
  size: number;
  reclaimable: number;
}

const isActiveContainer = (state: string) =>
  state === "running" || state === "paused" || state === "restarting";

/** The build cache's size as df.go adds it up: records not shared with others. */
export function builderSize(records: readonly BuildCacheRecord[]): number {
  return records.reduce((sum, r) => (r.Shared ? sum : sum + r.Size), 0);
}

/**
 * The four summary lines, computed by the CLI from the lists as docker CLI 28 does: images
 * are LayersSize minus what images used by a container hold alone; containers count only
 * their writable layers, reclaimable when not running, paused or restarting; volumes of
 * unknown size (-1) count for nothing; build cache in use and not shared is kept.
 */
export function diskUsageTotals(du: DiskUsage): DiskUsageTotal[] {
  const images = du.Images ?? [];
  const containers = du.Containers ?? [];
  const volumes = du.Volumes ?? [];
  const cache = du.BuildCache ?? [];

  const layers = du.LayersSize ?? 0;
  let usedByContainers = 0;
  for (const i of images) {
    if (i.Containers === 0 || i.Size === -1 || i.SharedSize === -1) continue;
    usedByContainers += i.Size - i.SharedSize;
  }

  let rw = 0;
  let rwReclaimable = 0;
  for (const c of containers) {
    rw += c.SizeRw ?? 0;
    if (!isActiveContainer(c.State)) rwReclaimable += c.SizeRw ?? 0;
  }

  let volumeSize = 0;
  let volumeReclaimable = 0;
  for (const v of volumes) {
    const usage = v.UsageData ?? { Size: -1, RefCount: 0 };
    if (usage.Size === -1) continue;
    volumeSize += usage.Size;
    if (usage.RefCount === 0) volumeReclaimable += usage.Size;
  }

  const cacheSize = builderSize(cache);
  const inUse = cache.reduce((sum, r) => (r.InUse && !r.Shared ? sum + r.Size : sum), 0);

  return [
    {
      type: "Images",
      totalCount: images.length,
      active: images.filter((i) => i.Containers > 0).length,
      size: layers,
      reclaimable: layers - usedByContainers,
    },
    {
      type: "Containers",
      totalCount: containers.length,
      active: containers.filter((c) => isActiveContainer(c.State)).length,
      size: rw,
      reclaimable: rwReclaimable,
    },
    {
      type: "Local Volumes",
      totalCount: volumes.length,
      active: volumes.filter((v) => (v.UsageData?.RefCount ?? 0) > 0).length,
      size: volumeSize,
      reclaimable: volumeReclaimable,
    },
    {
      type: "Build Cache",
      totalCount: cache.length,
      active: cache.filter((r) => r.InUse).length,
      size: cacheSize,
      reclaimable: cacheSize - inUse,
    },
  ];
}

const SUMMARY_TYPES = {
  Images: "*formatter.diskUsageImagesContext",
  Containers: "*formatter.diskUsageContainersContext",
  "Local Volumes": "*formatter.diskUsageVolumesContext",
  "Build Cache": "*formatter.diskUsageBuilderContext",
};

/** "1.2MB (45%)": the share is Go's int64 division; the build cache line never has one. */
function reclaimableText(t: DiskUsageTotal): string {
  const size = humanSize(t.reclaimable);
  if (t.type === "Build Cache" || t.size <= 0) return size;
  return `${size} (${Math.trunc((t.reclaimable * 100) / t.size)}%)`;
}

/** What a non-verbose --format template sees for one line (.Type .TotalCount .Active .Size .Reclaimable). */
export function summaryRow(t: DiskUsageTotal): Record<string, unknown> {
  return goStruct(
    {
      Type: t.type,
      TotalCount: String(t.totalCount),
      Active: String(t.active),
      Size: humanSize(t.size),
      Reclaimable: reclaimableText(t),
    },
    SUMMARY_TYPES[t.type],
  );
}

/** docker's isDangling: no name at all, or only "<none>:<none>" and "<none>@<none>". */
export function isDangling(img: ImageSummary): boolean {
  const tags = img.RepoTags ?? [];
  const digests = img.RepoDigests ?? [];
  if (tags.length === 0 && digests.length === 0) return true;
  return (
    tags.length === 1 && tags[0] === "<none>:<none>" && digests.length === 1 && digests[0] === "<none>@<none>"
  );
}

/**
 * One image's line in `df -v` (docker's imageContext): only its first tag, no digest. An image
 * whose first tag does not parse is left out, as docker does.
 */
export function diskUsageImageRow(
  img: ImageSummary,
  o: { trunc: boolean; now?: number },
): Record<string, unknown> | undefined {
  let repo = "<none>";
  let tag = "<none>";
  const tags = img.RepoTags ?? [];
  if (tags.length > 0 && !isDangling(img)) {
    let ref: ReturnType<typeof parseNormalizedNamed>;
    try {
      ref = parseNormalizedNamed(tags[0]);
    } catch {
      return undefined;
    }
    if (ref.tag !== undefined) {
      repo = familiarName(ref);
      tag = ref.tag;
    }
  }
  const now = o.now ?? Date.now();
  return goStruct(
    {
      ID: o.trunc ? truncateId(img.Id) : img.Id,
      Repository: repo,
      Tag: tag,
      Digest: "",
      CreatedSince: `${humanDuration(now - img.Created * 1000)} ago`,
      get CreatedAt() {
        return goTimeString(img.Created * 1000);
      },
      Size: humanSizeWithPrecision(img.Size, 3),
      Containers: img.Containers === -1 ? "N/A" : String(img.Containers),
      VirtualSize: humanSize(img.Size),
      SharedSize: img.SharedSize === -1 ? "N/A" : humanSize(img.SharedSize),
      UniqueSize: img.Size === -1 || img.SharedSize === -1 ? "N/A" : humanSize(img.Size - img.SharedSize),
    },
    "*formatter.imageContext",
  );
}

/** One container's line in `df -v`: `ps`'s row without the virtual size. */
export function diskUsageContainerRow(
  c: ContainerSummary,
  o: { trunc: boolean; now?: number },
): Record<string, unknown> {
  return containerRow({ ...c, SizeRootFs: 0 }, o);
}

/** One build cache record (docker's buildCacheContext); "*" marks one in use. */
export function buildCacheRow(
  r: BuildCacheRecord,
  o: { trunc: boolean; now?: number },
): Record<string, unknown> {
  const now = o.now ?? Date.now();
  const created = Date.parse(r.CreatedAt);
  const lastUsed = r.LastUsedAt ? Date.parse(r.LastUsedAt) : undefined;
  const parent = r.Parents && r.Parents.length > 0 ? r.Parents.join(", ") : (r.Parent ?? "");
  const id = o.trunc ? truncateId(r.ID) : r.ID;
  return goStruct(
    {
      ID: r.InUse ? `${id}*` : id,
      Parent: o.trunc ? truncateId(parent) : parent,
      CacheType: r.Type,
      Description: r.Description,
      Size: humanSizeWithPrecision(r.Size, 3),
      // Go prints the time in the zone it was decoded with: RFC 3339 from the daemon is UTC
      get CreatedAt() {
        return goTimeString(created, "UTC");
      },
      CreatedSince: `${humanDuration(now - created)} ago`,
      get LastUsedAt() {
        return lastUsed === undefined ? "" : goTimeString(lastUsed, "UTC");
      },
      LastUsedSince: lastUsed === undefined ? "" : `${humanDuration(now - lastUsed)} ago`,
      UsageCount: String(r.UsageCount),
      InUse: String(r.InUse),
      Shared: String(r.Shared),
    },
    "*formatter.buildCacheContext",
  );
}

/** docker's buildCacheSort: never-used records first, then by last use, ties by ID. */
export function sortBuildCache(records: readonly BuildCacheRecord[]): BuildCacheRecord[] {
  const byId = (a: BuildCacheRecord, b: BuildCacheRecord) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0);
  return [...records].sort((a, b) => {
    const x = a.LastUsedAt ? Date.parse(a.LastUsedAt) : undefined;
    const y = b.LastUsedAt ? Date.parse(b.LastUsedAt) : undefined;
    if (x === undefined && y === undefined) return byId(a, b);
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    return x === y ? byId(a, b) : x - y;
  });
}

export interface DiskUsageRenderOptions {
  /** --format; "" is "table" */
  format: string;
  /** -v */
  verbose: boolean;
  /** now, in ms since the epoch (the "ago" columns) */
  now?: number;
}

/**
 * The text `docker system df` prints. Throws TemplateError: "template parsing error: ..." for
 * a bad template; with -v and a custom template, an execution error comes unwrapped, carrying
 * in `output` what the template printed before it failed (docker prints that first).
 */
export function renderDiskUsage(du: DiskUsage, o: DiskUsageRenderOptions): string {
  const format = diskUsageFormat(o.format === "" ? "table" : o.format, o.verbose);
  if (!o.verbose) {
    return formatRows(format, diskUsageTotals(du).map(summaryRow), { header: DISK_USAGE_HEADERS });
  }
  const rowOpts = { trunc: isTableFormat(format), now: o.now };
  const data = {
    Images: (du.Images ?? []).flatMap((i) => diskUsageImageRow(i, rowOpts) ?? []),
    Containers: (du.Containers ?? []).map((c) => diskUsageContainerRow(c, rowOpts)),
    Volumes: (du.Volumes ?? []).map(volumeRow),
    BuildCache: sortBuildCache(du.BuildCache ?? []).map((r) => buildCacheRow(r, rowOpts)),
  };
  if (format === "table") {
    const cache = builderSize(du.BuildCache ?? []);
    return [
      "Images space usage:\n\n",
      formatRows(IMAGE_TABLE_FORMAT, data.Images, { header: IMAGE_HEADERS }),
      "\nContainers space usage:\n\n",
      formatRows(CONTAINER_TABLE_FORMAT, data.Containers, { header: CONTAINER_HEADERS }),
      "\nLocal Volumes space usage:\n\n",
      formatRows(VOLUME_TABLE_FORMAT, data.Volumes, { header: VOLUME_HEADERS }),
      `\nBuild cache usage: ${humanSize(cache)}\n\n`,
      formatRows(BUILD_CACHE_TABLE_FORMAT, data.BuildCache, { header: BUILD_CACHE_HEADERS }),
    ].join("");
  }
  // One template over all four lists (a Go struct without MarshalJSON: `{{json .}}` keeps
  // this field order, which a plain object gives), written as is: no trailing newline.
  let tmpl: GoTemplate;
  try {
    tmpl = GoTemplate.parse(formatTemplateText(format));
  } catch (err) {
    if (err instanceof TemplateError) throw new TemplateError(`template parsing error: ${err.message}`);
    throw err;
  }
  return tmpl.execute(data);
}
