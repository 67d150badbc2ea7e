import type { ImageSummary } from "../client/index.ts";
import { parseNormalizedNamed, familiarName as refFamiliarName } from "../client/reference.ts";
import { humanDuration } from "../lib/human-duration.ts";
import { truncateId } from "./format/container-columns.ts";
import { isDangling } from "./format/disk-usage.ts";
import { goStruct } from "./format/go-print.ts";
import { goTimeString } from "./format/go-time.ts";
import { humanSize, humanSizeWithPrecision } from "./format/human-units.ts";

/**
 * The rows of `docker images` (docker/cli cli/command/formatter/image.go): one row per
 * repository:tag (and per digest with --digests), "<none>" for dangling images, and the
 * fields a --format template sees.
 */

export const IMAGE_HEADERS: Record<string, string> = {
  ID: "IMAGE ID",
  Repository: "REPOSITORY",
  Tag: "TAG",
  Digest: "DIGEST",
  CreatedSince: "CREATED",
  CreatedAt: "CREATED AT",
  Size: "SIZE",
  Containers: "CONTAINERS",
  VirtualSize: "SIZE",
  SharedSize: "SHARED SIZE",
  UniqueSize: "UNIQUE SIZE",
};

const CREATED = "{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}";
export const DEFAULT_IMAGE_TABLE_FORMAT = `table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t${CREATED}\t{{.Size}}`;
export const DIGEST_IMAGE_TABLE_FORMAT = `table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t${CREATED}\t{{.Size}}`;

/** Docker's NewImageFormat: a custom format wins over -q; a table with --digests gets the column. */
export function imageFormat(format: string, quiet: boolean, digests: boolean): string {
  if (format === "" || format === "table") {
    if (quiet) return "{{.ID}}";
    return digests ? DIGEST_IMAGE_TABLE_FORMAT : DEFAULT_IMAGE_TABLE_FORMAT;
  }
  if (format.startsWith("table") && digests && !format.includes("{{.Digest}}"))
    return `${format}\t{{.Digest}}`;
  return format;
}

export interface ImageRowOptions {
  trunc: boolean;
  /** --digests */
  digests: boolean;
  /** the format mentions {{.Digest}} */
  formatHasDigest: boolean;
  now?: number;
}

/** The rows for one image (several when it has several tags). */
export function imageRows(img: ImageSummary, o: ImageRowOptions): Record<string, unknown>[] {
  if (isDangling(img)) return [imageRow(img, "<none>", "<none>", "<none>", o)];
  const repoTags = new Map<string, string[]>();
  const repoDigests = new Map<string, string[]>();
  for (const ref of img.RepoTags ?? []) {
    try {
      const r = parseNormalizedNamed(ref);
      if (r.tag !== undefined) push(repoTags, refFamiliarName(r), r.tag);
    } catch {
      // not a valid reference: Docker skips it
    }
  }
  for (const ref of img.RepoDigests ?? []) {
    try {
      const r = parseNormalizedNamed(ref);
      if (r.digest !== undefined) push(repoDigests, refFamiliarName(r), r.digest);
    } catch {
      // idem
    }
  }
  const needDigest = o.digests || o.formatHasDigest;
  const rows: Record<string, unknown>[] = [];
  for (const [repo, tags] of repoTags) {
    const digests = needDigest ? (repoDigests.get(repo) ?? []) : [];
    repoDigests.delete(repo);
    for (const tag of tags) {
      if (digests.length === 0) rows.push(imageRow(img, repo, tag, "<none>", o));
      else for (const d of digests) rows.push(imageRow(img, repo, tag, d, o));
    }
  }
  for (const [repo, digests] of repoDigests) {
    if (o.digests) for (const d of digests) rows.push(imageRow(img, repo, "<none>", d, o));
    else rows.push(imageRow(img, repo, "<none>", "", o));
  }
  return rows;
}

function push(m: Map<string, string[]>, k: string, v: string): void {
  const list = m.get(k) ?? [];
  list.push(v);
  m.set(k, list);
}

function imageRow(img: ImageSummary, repo: string, tag: string, digest: string, o: ImageRowOptions) {
  const now = o.now ?? Date.now();
  return goStruct(
    {
      ID: o.trunc ? truncateId(img.Id) : img.Id,
      Repository: repo,
      Tag: tag,
      Digest: digest,
      CreatedSince: `${humanDuration(now - img.Created * 1000)} ago`,
      // a getter: ICU's time formatting is slow to start and most formats never print it
      get CreatedAt() {
        return goTimeString(img.Created * 1000);
      },
      Size: humanSizeWithPrecision(img.Size, 3),
      Containers: img.Containers === -1 ? "N/A" : String(img.Containers ?? -1),
      VirtualSize: humanSize(img.Size),
      SharedSize: img.SharedSize === -1 ? "N/A" : humanSize(img.SharedSize),
      UniqueSize: img.Size === -1 || img.SharedSize === -1 ? "N/A" : humanSize(img.Size - img.SharedSize),
    },
    "*formatter.imageContext",
  );
}
