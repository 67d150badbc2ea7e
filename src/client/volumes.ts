import { invalid } from "../lib/errors.ts";
import { filtersParam, type Transport } from "./transport.ts";
import type { FilterArgs } from "./types.ts";

/** A volume as the Engine API describes it (Docker's volume.Volume). */
export interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt?: string;
  Status?: Record<string, unknown> | null;
  Labels: Record<string, string> | null;
  Scope: string;
  Options: Record<string, string> | null;
  UsageData?: { Size: number; RefCount: number } | null;
  ClusterVolume?: unknown;
}

export interface VolumeListResponse {
  Volumes: Volume[] | null;
  Warnings: string[] | null;
}

/** POST /volumes/create's body (Docker's volume.CreateOptions). */
export interface VolumeCreateOptions {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels?: Record<string, string>;
  ClusterVolumeSpec?: unknown;
}

export interface VolumePruneResponse {
  VolumesDeleted: string[] | null;
  SpaceReclaimed: number;
}

/**
 * Docker's client trimID: a name is trimmed of spaces, and an empty one fails before any
 * request with "Error: No such volume: ".
 */
function trimName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === "") throw invalid("Error: No such volume: ");
  return trimmed;
}

const enc = encodeURIComponent;

/** The /volumes endpoints. */
export function volumesApi(t: Transport) {
  return {
    list: (filters?: FilterArgs) =>
      t.json<VolumeListResponse>({
        method: "GET",
        path: "/volumes",
        query: { filters: filtersParam(filters) },
      }),

    create: (body: VolumeCreateOptions) => t.json<Volume>({ method: "POST", path: "/volumes/create", body }),

    inspect: async (name: string) =>
      t.json<Volume>({ method: "GET", path: `/volumes/${enc(trimName(name))}` }),

    /** inspect, also returning the daemon's JSON text. */
    inspectRaw: async (name: string) =>
      t.jsonWithRaw<Volume>({ method: "GET", path: `/volumes/${enc(trimName(name))}` }),

    /** force: also when in use by a container record (Docker: "force=1"), and no error when missing. */
    remove: async (name: string, opts: { force?: boolean } = {}) =>
      t.call({ method: "DELETE", path: `/volumes/${enc(trimName(name))}`, query: { force: opts.force } }),

    prune: (filters?: FilterArgs) =>
      t.json<VolumePruneResponse>({
        method: "POST",
        path: "/volumes/prune",
        query: { filters: filtersParam(filters) },
      }),
  };
}

export type VolumesApi = ReturnType<typeof volumesApi>;
