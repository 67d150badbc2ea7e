/**
 * The columns of `docker ps` (docker/cli v28.2 cli/command/formatter/container.go): truncated
 * IDs, the quoted and ellipsized COMMAND, the PORTS column with its ranges, names, sizes, and
 * the row object a --format template sees (containerRow).
 */

import { goQuote } from "../../lib/go-quote.ts";
import { joinHostPort } from "../../lib/host-port.ts";
import { humanDuration } from "../../lib/human-duration.ts";
import { goStruct } from "./go-print.ts";
import { goTimeString } from "./go-time.ts";
import { humanSizeWithPrecision } from "./human-units.ts";
import { eastAsianWidth } from "./text-width.ts";

/** stringid.TruncateID: drops an "algo:" prefix and keeps 12 characters. */
export function truncateId(id: string): string {
  const i = id.indexOf(":");
  if (i >= 0) id = id.slice(i + 1);
  return id.length > 12 ? id.slice(0, 12) : id;
}

/** formatter.Ellipsis: cuts s to maxDisplayWidth columns, the last one an "…". */
export function ellipsis(s: string, maxDisplayWidth: number): string {
  if (maxDisplayWidth <= 0) return "";
  const rs = [...s];
  if (maxDisplayWidth === 1) return rs[0] ?? "";
  let width = 0;
  const ends: number[] = [];
  for (const r of rs) {
    width += eastAsianWidth(r);
    ends.push(width);
  }
  if (width <= maxDisplayWidth) return s;
  for (let i = 0; i < ends.length - 1; i++) {
    if (ends[i] <= maxDisplayWidth - 1 && ends[i + 1] > maxDisplayWidth - 1)
      return `${rs.slice(0, i + 1).join("")}…`;
  }
  return s;
}

/** COMMAND: Go-quoted, ellipsized to 20 columns unless --no-trunc (`"sh -c 'echo hi'"`). */
export function containerCommand(command: string, trunc: boolean): string {
  return goQuote(trunc ? ellipsis(command, 20) : command);
}

/** NAMES: slashes stripped; truncated output keeps the first name that is not a legacy link. */
export function containerNames(names: readonly string[], trunc: boolean): string {
  let stripped = names.map((n) => (n.startsWith("/") ? n.slice(1) : n));
  if (trunc) {
    const plain = stripped.find((n) => !n.includes("/"));
    if (plain !== undefined) stripped = [plain];
  }
  return stripped.join(",");
}

/** A reference's familiar form: "docker.io/library/busybox:1" → "busybox:1". */
export function familiarName(ref: string): string {
  let name = ref;
  const slash = name.indexOf("/");
  const first = slash < 0 ? "" : name.slice(0, slash);
  if (first === "docker.io" || first === "index.docker.io") name = name.slice(slash + 1);
  if (name.startsWith("library/") && !name.slice("library/".length).includes("/"))
    name = name.slice("library/".length);
  return name;
}

/** IMAGE: truncated output shows an image ID short, and a reference without its digest. */
export function containerImage(image: string, imageId: string, trunc: boolean): string {
  if (image === "") return "<no image>";
  if (!trunc) return image;
  const short = truncateId(imageId);
  if (short === truncateId(image)) return short;
  if (/[A-Z\s]/.test(image)) return image; // not a reference: shown as is
  const at = image.indexOf("@");
  const named = at >= 0 ? image.slice(0, at) : image;
  return familiarName(named);
}

export interface PortSummary {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

function formGroup(key: string, start: number, last: number): string {
  const parts = key.split("/");
  let groupType = parts[0];
  let ip = "";
  if (parts.length > 1) {
    ip = parts[0];
    groupType = parts[1];
  }
  let group = String(start);
  if (start !== last) group = `${group}-${last}`;
  if (ip !== "") group = `${joinHostPort(ip, group)}->${group}`;
  return `${group}/${groupType}`;
}

/**
 * PORTS (formatter.DisplayablePorts): "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp, 9000-9002/tcp".
 * Consecutive ports with the same address and protocol collapse into ranges; mappings to a
 * different host port are listed last.
 */
export function displayablePorts(ports: readonly PortSummary[]): string {
  const sorted = [...ports].sort((a, b) => {
    if (a.PrivatePort !== b.PrivatePort) return a.PrivatePort - b.PrivatePort;
    const ia = a.IP ?? "";
    const ib = b.IP ?? "";
    if (ia !== ib) return ia < ib ? -1 : 1;
    if ((a.PublicPort ?? 0) !== (b.PublicPort ?? 0)) return (a.PublicPort ?? 0) - (b.PublicPort ?? 0);
    return a.Type < b.Type ? -1 : a.Type > b.Type ? 1 : 0;
  });
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const hostMappings: string[] = [];
  for (const port of sorted) {
    const current = port.PrivatePort;
    let key = port.Type;
    if (port.IP) {
      const pub = port.PublicPort ?? 0;
      if (pub !== current) {
        hostMappings.push(`${joinHostPort(port.IP, String(pub))}->${port.PrivatePort}/${port.Type}`);
        continue;
      }
      key = `${port.IP}/${port.Type}`;
    }
    const group = groups.get(key);
    if (!group) {
      groups.set(key, { first: current, last: current });
      continue;
    }
    if (current === group.last + 1) {
      group.last = current;
      continue;
    }
    result.push(formGroup(key, group.first, group.last));
    // Re-inserted keys keep their first position, as docker's key list does.
    groups.set(key, { first: current, last: current });
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last));
  return [...result, ...hostMappings].join(", ");
}

/** What a container's status line is made of (the daemon's container.State). */
export interface StatusState {
  running: boolean;
  paused?: boolean;
  restarting?: boolean;
  removalInProgress?: boolean;
  dead?: boolean;
  /** Milliseconds since the epoch; 0 or absent when never started. */
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  /** Health status when a healthcheck is configured. */
  health?: "starting" | "healthy" | "unhealthy";
}

/**
 * The STATUS text Docker's daemon puts in a container summary (moby container.State.String):
 * "Up 3 seconds", "Up 3 seconds (Paused)", "Up 2 minutes (healthy)", "Up 1 second (health:
 * starting)", "Restarting (1) 2 seconds ago", "Exited (0) 2 minutes ago", "Created", "Dead".
 */
export function containerStatus(s: StatusState, nowMs: number = Date.now()): string {
  const since = (t: number | undefined) => humanDuration(nowMs - (t ?? 0));
  if (s.running) {
    if (s.paused) return `Up ${since(s.startedAt)} (Paused)`;
    if (s.restarting) return `Restarting (${s.exitCode ?? 0}) ${since(s.finishedAt)} ago`;
    if (s.health)
      return `Up ${since(s.startedAt)} (${s.health === "starting" ? "health: starting" : s.health})`;
    return `Up ${since(s.startedAt)}`;
  }
  if (s.removalInProgress) return "Removal In Progress";
  if (s.dead) return "Dead";
  if (!s.startedAt) return "Created";
  if (!s.finishedAt) return "";
  return `Exited (${s.exitCode ?? 0}) ${since(s.finishedAt)} ago`;
}

/** The fields of an Engine API container summary (GET /containers/json) the columns use. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  /** Unix seconds. */
  Created: number;
  Ports: PortSummary[];
  SizeRw?: number;
  SizeRootFs?: number;
  Labels?: Record<string, string> | null;
  State: string;
  Status: string;
  Mounts?: { Name?: string; Source?: string; Driver?: string }[];
  NetworkSettings?: { Networks?: Record<string, unknown> } | null;
  ImageManifestDescriptor?: { platform?: OciPlatform } | null;
}

export interface OciPlatform {
  architecture: string;
  os: string;
  "os.version"?: string;
  "os.features"?: string[];
  variant?: string;
}

/** The PLATFORM column's value: JSON as the OCI platform, printed "linux/amd64" (platforms.FormatAll). */
export function platformValue(p: OciPlatform | undefined | null): OciPlatform | null {
  if (!p) return null;
  const value = { ...p };
  const text = p.os === "" ? "unknown" : [p.os, p.architecture, p.variant].filter((x) => x).join("/");
  Object.defineProperty(value, "String", { value: () => text, enumerable: false });
  return value;
}

export const CONTAINER_HEADERS: Record<string, string> = {
  ID: "CONTAINER ID",
  Names: "NAMES",
  Image: "IMAGE",
  Command: "COMMAND",
  CreatedAt: "CREATED AT",
  RunningFor: "CREATED",
  Ports: "PORTS",
  State: "STATE",
  Status: "STATUS",
  Size: "SIZE",
  Labels: "LABELS",
  Mounts: "MOUNTS",
  LocalVolumes: "LOCAL VOLUMES",
  Networks: "NETWORKS",
  Platform: "PLATFORM",
};

export const DEFAULT_CONTAINER_TABLE_FORMAT =
  "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

export interface ContainerRowOptions {
  /** Truncate IDs, commands and names (false with --no-trunc). */
  trunc: boolean;
  /** Now, in ms since the epoch (for "CREATED"). */
  now?: number;
  timeZone?: string;
}

/**
 * The value a `docker ps --format` template sees for one container: docker's ContainerContext,
 * its methods as fields plus `Label "key"`. `{{json .}}` gives its fields in sorted order.
 */
export function containerRow(c: ContainerSummary, o: ContainerRowOptions): Record<string, unknown> {
  const labels = c.Labels ?? {};
  const row = {
    ID: o.trunc ? truncateId(c.Id) : c.Id,
    Names: containerNames(c.Names, o.trunc),
    Image: containerImage(c.Image, c.ImageID, o.trunc),
    Command: containerCommand(c.Command, o.trunc),
    // a getter: ICU's time formatting is slow to start and most formats never print it
    get CreatedAt() {
      return goTimeString(c.Created * 1000, o.timeZone);
    },
    RunningFor: `${humanDuration((o.now ?? Date.now()) - c.Created * 1000)} ago`,
    Ports: displayablePorts(c.Ports ?? []),
    State: c.State,
    Status: c.Status,
    Size: containerSize(c.SizeRw ?? 0, c.SizeRootFs ?? 0),
    Labels: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(","),
    Mounts: (c.Mounts ?? [])
      .map((m) => (o.trunc ? ellipsis(m.Name || m.Source || "", 15) : m.Name || m.Source || ""))
      .join(","),
    LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Driver === "local").length),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {})
      .sort()
      .join(","),
    Platform: platformValue(c.ImageManifestDescriptor?.platform),
    Label: (name: string) => labels[name] ?? "",
  };
  return goStruct(row, "*formatter.ContainerContext");
}

/** SIZE: "2B (virtual 21.5MB)". */
export function containerSize(sizeRw: number, sizeRootFs: number): string {
  const srw = humanSizeWithPrecision(sizeRw, 3);
  return sizeRootFs > 0 ? `${srw} (virtual ${humanSizeWithPrecision(sizeRootFs, 3)})` : srw;
}
