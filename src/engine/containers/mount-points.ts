import { existsSync } from "node:fs";
import { posix } from "node:path";
import { invalid } from "../../lib/errors.ts";
import type { MountInput } from "../runtime/index.ts";
import type { DockerConfig, HostConfig, Json } from "./model.ts";

/**
 * A bind or volume mount of a container, Docker's MountPoint: what `inspect` shows under
 * Mounts and what start binds into the container. tmpfs mounts stay in HostConfig (Tmpfs,
 * Mounts) as they hold no data.
 */
export interface MountPoint {
  Type: "bind" | "volume";
  /** volumes: the volume's name */
  Name?: string;
  /** binds: the host path; volumes: the volume's mountpoint (known once mounted for plugins) */
  Source: string;
  Destination: string;
  Driver?: string;
  /** the mode as given (-v a:/b:ro,z → "ro,z"); Docker shows "z" for -v volumes */
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** volumes: fill an empty volume with the image's content at Destination (not `nocopy`) */
  copyData?: boolean;
  /** volumes: made for this container (image VOLUME, -v /path, --mount without a source): rm -v removes them */
  anonymous?: boolean;
  /** binds: plain bind instead of rbind (bind-recursive=disabled) */
  nonRecursive?: boolean;
  /** volumes to create: driver options and labels (from --mount volume-opt / volume-label) */
  volumeOptions?: { driverOpts?: Record<string, string>; labels?: Record<string, string> };
  /** volumes: only this path inside the volume is mounted (--mount volume-subpath=) */
  subpath?: string;
}

const MODES = new Set(["ro", "rw", "z", "Z", "nocopy", "copy"]);
const PROPAGATIONS = new Set(["private", "rprivate", "shared", "rshared", "slave", "rslave"]);

/** moby's ValidMountMode: at most one rw/ro, one propagation, one copy mode, one label mode. */
function validMode(mode: string): boolean {
  if (mode === "") return true;
  const seen = { rw: 0, prop: 0, copy: 0, label: 0 };
  for (const o of mode.split(",")) {
    if (o === "ro" || o === "rw") seen.rw++;
    else if (PROPAGATIONS.has(o)) seen.prop++;
    else if (o === "nocopy" || o === "copy") seen.copy++;
    else if (o === "z" || o === "Z") seen.label++;
    else if (!MODES.has(o)) return false;
  }
  return seen.rw <= 1 && seen.prop <= 1 && seen.copy <= 1 && seen.label <= 1;
}

/** A path in the container, cleaned; Docker's error when it is not absolute. */
function containerPath(raw: string, spec: string, kind = "volume specification"): string {
  if (!raw.startsWith("/"))
    throw invalid(
      `invalid ${kind}: '${spec}': invalid mount config: invalid mount path: '${raw}' mount path must be absolute`,
    );
  if (raw === "/" || posix.normalize(raw) === "/")
    throw invalid(
      `invalid ${kind}: '${spec}': invalid mount config: invalid specification: destination can't be '/'`,
    );
  return posix.normalize(raw).replace(/\/$/, "");
}

/** -v / --volume / HostConfig.Binds: moby's linux parser (ParseMountRaw). */
export function parseBind(spec: string, volumeDriver: string): MountPoint {
  const parts = spec.split(":");
  let source = "";
  let target: string;
  let mode = "";
  if (parts.length === 1) target = parts[0];
  else if (parts.length === 2) {
    if (validMode(parts[1]) && parts[1] !== "") throw invalid(`invalid volume specification: '${spec}'`);
    [source, target] = parts;
  } else if (parts.length === 3) [source, target, mode] = parts;
  else throw invalid(`invalid volume specification: '${spec}'`);
  if (!validMode(mode)) throw invalid(`invalid mode: ${mode}`);
  if (target === "") throw invalid(`invalid volume specification: '${spec}'`);
  const destination = containerPath(target, spec);
  const opts = mode.split(",").filter(Boolean);
  const rw = !opts.includes("ro");
  const propagation = opts.find((o) => PROPAGATIONS.has(o));
  if (source.startsWith("/")) {
    return {
      Type: "bind",
      Source: posix.normalize(source),
      Destination: destination,
      Mode: mode,
      RW: rw,
      Propagation: propagation ?? "rprivate",
    };
  }
  if (propagation)
    throw invalid(`invalid volume specification: '${spec}': propagation not allowed for volumes`);
  return {
    Type: "volume",
    Name: source || undefined,
    Source: "",
    Destination: destination,
    // no driver asked: an existing volume of any driver is used, a new one is local (moby's checkConflict)
    Driver: volumeDriver || undefined,
    Mode: source ? mode || "z" : mode,
    RW: rw,
    Propagation: "",
    copyData: !opts.includes("nocopy"),
    anonymous: source === "",
  };
}

/**
 * Docker's local volume names (checked when the volume is made, after the mount specs); a
 * relative path given as a source reads as a bad name.
 */
function checkVolumeName(mp: MountPoint): void {
  const name = mp.Name;
  if (!name || mp.Source || (mp.Driver && mp.Driver !== "local")) return;
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(name))
    throw invalid(
      `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
    );
}

interface ApiMount {
  Type?: string;
  Source?: string;
  Target?: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string; NonRecursive?: boolean; CreateMountpoint?: boolean } | null;
  VolumeOptions?: {
    NoCopy?: boolean;
    Labels?: Record<string, string> | null;
    DriverConfig?: { Name?: string; Options?: Record<string, string> | null } | null;
    Subpath?: string;
  } | null;
  TmpfsOptions?: Json;
}

/** HostConfig.Mounts of type bind or volume (--mount); tmpfs entries give undefined. */
export function parseApiMount(m: ApiMount, volumeDriver: string): MountPoint | undefined {
  const type = m.Type ?? "";
  const kind = `mount config for type "${type}"`;
  if (!["bind", "volume", "tmpfs"].includes(type))
    throw invalid(`invalid mount config: mount type unknown: "${type}"`);
  if (!m.Target) throw invalid(`invalid ${kind}: field Target must not be empty`);
  if (!m.Target.startsWith("/"))
    throw invalid(`invalid ${kind}: invalid mount path: '${m.Target}' mount path must be absolute`);
  if (type === "tmpfs") {
    if (m.Source) throw invalid(`invalid ${kind}: field Source must not be specified`);
    return undefined;
  }
  const destination = posix.normalize(m.Target).replace(/(.)\/$/, "$1");
  if (type === "bind") {
    if (!m.Source) throw invalid(`invalid ${kind}: field Source must not be empty`);
    if (m.VolumeOptions) throw invalid(`invalid ${kind}: field VolumeOptions must not be specified`);
    if (!m.Source.startsWith("/"))
      throw invalid(`invalid ${kind}: invalid mount path: '${m.Source}' mount path must be absolute`);
    if (!existsSync(m.Source) && !m.BindOptions?.CreateMountpoint)
      throw invalid(`invalid ${kind}: bind source path does not exist: ${m.Source}`);
    return {
      Type: "bind",
      Source: posix.normalize(m.Source),
      Destination: destination,
      Mode: "",
      RW: m.ReadOnly !== true,
      Propagation: m.BindOptions?.Propagation || "rprivate",
      nonRecursive: m.BindOptions?.NonRecursive === true,
    };
  }
  if (m.BindOptions) throw invalid(`invalid ${kind}: field BindOptions must not be specified`);
  const name = m.Source ?? "";
  const subpath = m.VolumeOptions?.Subpath || undefined;
  if (subpath !== undefined) {
    // moby's linux_parser: only a named volume, and a path that stays inside it (filepath.IsLocal)
    if (name === "") throw invalid(`invalid ${kind}: must use named volume if subpath is specified`);
    const clean = posix.normalize(subpath);
    if (subpath.startsWith("/") || clean === ".." || clean.startsWith("../"))
      throw invalid(`invalid ${kind}: subpath must be a relative path within the volume`);
  }
  const driverOpts = m.VolumeOptions?.DriverConfig?.Options ?? undefined;
  const labels = m.VolumeOptions?.Labels ?? undefined;
  return {
    Type: "volume",
    Name: name || undefined,
    Source: "",
    Destination: destination,
    Driver: m.VolumeOptions?.DriverConfig?.Name || volumeDriver || undefined,
    Mode: "",
    RW: m.ReadOnly !== true,
    Propagation: "",
    copyData: m.VolumeOptions?.NoCopy !== true,
    anonymous: name === "",
    ...(subpath !== undefined ? { subpath } : {}),
    volumeOptions: driverOpts || labels ? { driverOpts, labels } : undefined,
  };
}

/** "ctr[:ro|rw]" of --volumes-from. */
export function parseVolumesFrom(spec: string): { container: string; mode?: "ro" | "rw" } {
  const [container, mode, ...rest] = spec.split(":");
  if (rest.length > 0 || container === "") throw invalid(`invalid volumes-from specification: '${spec}'`);
  if (mode === undefined || mode === "") return { container };
  if (mode !== "ro" && mode !== "rw") throw invalid(`invalid mode for volumes-from: ${mode}`);
  return { container, mode };
}

/**
 * A container's mount points in Docker's order (registerMountPoints, then the config's
 * volumes): --volumes-from, then Binds, then Mounts, each replacing an earlier one at the same
 * destination; then an anonymous volume for each Config.Volumes path (the image's VOLUME and
 * `-v /path`) nothing else covers. Two binds or mounts at one destination are Docker's
 * "Duplicate mount point".
 */
export function planMountPoints(
  config: DockerConfig,
  hc: HostConfig,
  volumesFrom: (ref: string) => MountPoint[],
): MountPoint[] {
  const byDest = new Map<string, MountPoint>();
  const driver = hc.VolumeDriver ?? "";
  for (const spec of hc.VolumesFrom ?? []) {
    const { container, mode } = parseVolumesFrom(spec);
    for (const mp of volumesFrom(container)) {
      const copy: MountPoint = { ...mp, anonymous: false, copyData: false };
      if (mode) {
        copy.RW = mode === "rw";
        copy.Mode = mode;
      }
      byDest.set(mp.Destination, copy);
    }
  }
  const fromUser = new Set<string>();
  const add = (mp: MountPoint) => {
    if (fromUser.has(mp.Destination)) throw invalid(`Duplicate mount point: ${mp.Destination}`);
    fromUser.add(mp.Destination);
    byDest.set(mp.Destination, mp);
  };
  for (const bind of hc.Binds ?? []) add(parseBind(bind, driver));
  for (const m of hc.Mounts ?? []) {
    const mp = parseApiMount(m, driver);
    if (mp) add(mp);
  }
  for (const path of Object.keys(config.Volumes ?? {})) {
    const destination = containerPath(path, path);
    if (byDest.has(destination)) continue;
    byDest.set(destination, {
      Type: "volume",
      Source: "",
      Destination: destination,
      Driver: driver || undefined,
      Mode: "",
      RW: true,
      Propagation: "",
      copyData: true,
      anonymous: true,
    });
  }
  const planned = [...byDest.values()];
  for (const mp of planned) if (mp.Type === "volume") checkVolumeName(mp);
  return planned;
}

/** What the runtime binds for a mount point (a volume is a bind of its mountpoint). */
export function mountInput(mp: MountPoint, source: string): MountInput {
  return {
    type: "bind",
    source,
    destination: mp.Destination,
    readonly: !mp.RW,
    propagation: mp.Type === "bind" ? mp.Propagation : undefined,
    nonRecursive: mp.nonRecursive,
  };
}
