import type { Transport } from "./transport.ts";
import type { ContainerSummary, ImageSummary } from "./types.ts";
import type { Volume } from "./volumes.ts";

/** A BuildKit cache record (Docker's build.CacheRecord); kapseld's classic builder sends none. */
export interface BuildCacheRecord {
  ID: string;
  /** deprecated since API 1.42: Parents */
  Parent?: string;
  Parents?: string[] | null;
  Type: string;
  Description: string;
  InUse: boolean;
  Shared: boolean;
  Size: number;
  /** RFC 3339 */
  CreatedAt: string;
  LastUsedAt?: string | null;
  UsageCount: number;
}

/**
 * GET /system/df's answer (Docker's types.DiskUsage, API < 1.52): each list is present when its
 * type was asked for (all of them without `types`); images and containers carry the counts and
 * sizes `system df` adds up (SharedSize, Containers, SizeRw, UsageData).
 */
export interface DiskUsage {
  /** the bytes of every layer some image uses */
  LayersSize?: number;
  Images?: ImageSummary[] | null;
  Containers?: ContainerSummary[] | null;
  Volumes?: Volume[] | null;
  BuildCache?: BuildCacheRecord[] | null;
  /** deprecated since API 1.42: the CLI adds up BuildCache instead */
  BuilderSize?: number;
}

/** The object types the daemon can be asked about alone. */
export type DiskUsageType = "container" | "image" | "volume" | "build-cache";

/** GET /system/df; `types` narrows the answer (Docker's DiskUsageOptions.Types, sent as `type=`). */
export function diskUsage(t: Transport, types: readonly string[] = []): Promise<DiskUsage> {
  return t.json<DiskUsage>({ method: "GET", path: "/system/df", query: { type: types } });
}
