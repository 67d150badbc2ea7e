import { createHash } from "node:crypto";

/** The run-time defaults an image carries (Docker's container.Config as images store it). */
export interface ContainerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Env?: string[];
  Cmd?: string[] | null;
  Healthcheck?: HealthConfig;
  ArgsEscaped?: boolean;
  Image?: string;
  Volumes?: Record<string, Record<string, never>> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  OnBuild?: string[] | null;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  Shell?: string[];
  [key: string]: unknown;
}

export interface HealthConfig {
  /** ["NONE"], ["CMD", args...] or ["CMD-SHELL", command] */
  Test?: string[];
  /** nanoseconds */
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The OCI / Docker image config JSON; its sha256 is the image id. */
export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created?: string;
  author?: string;
  comment?: string;
  config?: ContainerConfig;
  rootfs: { type: "layers"; diff_ids: string[] };
  history?: HistoryEntry[];
  [key: string]: unknown;
}

const KEY_ORDER = [
  "comment",
  "created",
  "author",
  "config",
  "architecture",
  "variant",
  "os",
  "rootfs",
  "history",
];

/**
 * The bytes kapsel writes for a config it makes: keys in the order Docker's image.Image marshals
 * them, empty optional fields left out. Configs that come from elsewhere (pull, load) are kept
 * byte for byte instead, since their id is the hash of their own bytes.
 */
export function serializeConfig(config: ImageConfig): Buffer {
  const ordered: Record<string, unknown> = {};
  for (const k of KEY_ORDER) if (config[k] !== undefined && config[k] !== "") ordered[k] = config[k];
  for (const k of Object.keys(config)) if (!(k in ordered) && config[k] !== undefined) ordered[k] = config[k];
  return Buffer.from(JSON.stringify(ordered));
}

export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

/** ChainIDs of a diff_id list: the first is its diff_id, each next is sha256("<prev> <diff_id>"). */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out.at(-1);
    out.push(prev ? `sha256:${createHash("sha256").update(`${prev} ${d}`).digest("hex")}` : d);
  }
  return out;
}

/** RFC 3339 with nanoseconds as Docker prints times (Go's time.RFC3339Nano, UTC). */
export function rfc3339Nano(d: Date): string {
  return d
    .toISOString()
    .replace(/\.000Z$/, "Z")
    .replace(/(\.\d*?)0*Z$/, "$1Z");
}
