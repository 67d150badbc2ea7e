/**
 * volumes: Docker's named and anonymous volumes (moby volume/service, volume/local,
 * volume/drivers, pkg/plugins). It owns the volume records, the `local` driver's data folders
 * and its mounts (`--opt type=tmpfs|nfs|none --opt device=… --opt o=…`, mounted with mount(8)
 * when the first container mounts the volume and detached after the last), and the adapter to
 * legacy (v1) volume plugins: found by name as a socket or spec file in the plugin folders,
 * spoken to in Docker's plugin protocol (JSON over HTTP, VolumeDriver.*). It copies an image's
 * content into an empty volume (Docker's copy-up) and reports sizes for `system df`.
 *
 * On disk (root = <data-root>/volumes):
 *   <root>/<name>/volume.json   the record: driver, labels, options, createdAt, anonymous, scope
 *   <root>/<name>/_data         the local driver's data: the volume's Mountpoint (Docker's layout);
 *                               absent for plugin volumes, whose data the plugin keeps
 *   <root>/<name>/mounts.json   containers holding a mount of a plugin volume or a local volume
 *                               with a device ({id: count}); survives a daemon restart
 *   <root>/.tmp-<name>-<rand>   a volume being created, renamed to <root>/<name> when complete
 *   <root>/.trash-<name>-<rand> a volume being removed (renamed first, then deleted)
 * Start-up deletes .tmp-* and .trash-* leftovers (never through a mount). A volume's data is
 * deleted only by remove and prune.
 *
 * Left to others: the containers domain decides which volumes a container uses (`inUse`),
 * creates them at container create, calls mount/populate at start and unmount at stop, and
 * binds the returned host path into the container; the API maps this model to the routes.
 * Events (through opts.events, Docker's volume actions): create, mount, unmount, destroy,
 * prune (with an empty name and attrs.reclaimed).
 */
import { LocalVolumeService } from "./volume-service.ts";

export { ANONYMOUS_LABEL } from "./volume-filters.ts";

/** Docker's Volume object, as GET /volumes/{name} returns it. */
export interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  /** RFC 3339, seconds */
  CreatedAt: string;
  /** plugin volumes only, from VolumeDriver.Get, when the plugin gives any */
  Status?: Record<string, unknown>;
  Labels: Record<string, string>;
  Scope: "local" | "global";
  Options: Record<string, string>;
  /** only for `system df` (the caller fills it from usage() and inUse) */
  UsageData?: { Size: number; RefCount: number } | null;
}

/** What a mount event tells besides driver and container (Docker's attributes). */
export interface MountEventOptions {
  destination?: string;
  readWrite?: boolean;
  propagation?: string;
}

export interface VolumeService {
  /**
   * Docker's create. Without a Name the volume gets a random 64-hex name and the label
   * com.docker.volume.anonymous="" (so does `anonymous: true`). A name that exists answers with
   * the existing volume (idempotent, labels and options of the request ignored, no event); with
   * another Driver: conflict "create x: driver 'local' already has volume 'x': volume name must
   * be unique". Names must match [a-zA-Z0-9][a-zA-Z0-9_.-]+ (invalid, Docker's words; kapsel
   * asks it of plugin volumes too, as their records are folders). Local --opt keys are
   * type, device, o, size (invalid: `invalid option: "foo"`; size needs quotas: refused).
   * An unknown driver: not_found "create x: error looking up volume plugin foo: plugin "foo" not found".
   */
  create(o: {
    Name?: string;
    Driver?: string;
    DriverOpts?: Record<string, string>;
    Labels?: Record<string, string>;
    anonymous?: boolean;
  }): Promise<Volume>;
  /**
   * not_found "get NAME: no such volume". Plugin volumes ask VolumeDriver.Get for Mountpoint
   * and Status; one the plugin no longer has is forgotten (as Docker) unless containers use it.
   */
  inspect(name: string): Promise<Volume>;
  /**
   * Sorted by name. Filters: dangling, name (exact or regular expression), label (key or
   * key=value), driver; others: invalid "invalid filter 'x'". Each plugin with volumes here is
   * asked for its List: its failure is a warning ("list <driver>: …") and its records are shown
   * as they are; volumes the plugin no longer reports are left out.
   */
  list(filters: Map<string, string[]>): Promise<{ Volumes: Volume[]; Warnings: string[] }>;
  /**
   * Refuses while containers use it or hold a mount: conflict `remove NAME: volume is in use -
   * [id1, id2]`. Missing: not_found "get NAME: no such volume". force: a missing volume is fine,
   * and a plugin that is gone or fails its Remove does not keep the record.
   */
  remove(name: string, o: { force: boolean }): Promise<void>;
  /**
   * Docker 23+: unused local volumes without options; anonymous ones only unless all=true;
   * label / label! filters. Another prune running: conflict.
   */
  prune(filters: Map<string, string[]>): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }>;
  /**
   * For a container's start: returns the host path to bind into the container. A local volume
   * with a device is mounted (mount(8)) when not mounted yet; a plugin volume gets
   * VolumeDriver.Mount {Name, ID: containerId} the first time this container mounts it. Counted
   * per (volume, container), persisted. Errors: "error while mounting volume '<path>': …".
   */
  mount(name: string, containerId: string, o?: MountEventOptions): Promise<string>;
  /**
   * Undoes one mount of the container; the last one detaches the local mount or sends
   * VolumeDriver.Unmount. The count drops even when that fails (the error is thrown after).
   * A container that holds no mount: nothing happens.
   */
  unmount(name: string, containerId: string): Promise<void>;
  /**
   * Docker's copy-up, for any driver, into `mountpoint` (what mount returned): when it is empty,
   * copies `sourceDir` (a host path inside the container's rootfs, already resolved in it) with
   * owners, modes, times, symlinks (not followed), hard links and xattrs where possible; the
   * volume's root takes the source folder's owner and mode. Returns whether it copied (not for
   * a missing or non-directory source, nor a non-empty volume).
   */
  populate(name: string, mountpoint: string, sourceDir: string): Promise<boolean>;
  /**
   * Bytes in the volume's data (each hard-linked inode once), for `system df -v`; -1 for plugin
   * volumes and local volumes with a device (Docker leaves those out of df).
   */
  usage(name: string): Promise<number>;
  /**
   * At start-up: drops the mount counts of containers that no longer run (sending the plugin
   * its Unmount) and detaches local mounts nobody holds. Safe to call more than once.
   */
  reconcile(running: (containerId: string) => boolean): Promise<void>;
}

export interface VolumeServiceOptions {
  /** <data-root>/volumes */
  root: string;
  /** Docker's volume events: create, mount, unmount, destroy (attrs: driver, container, destination, ...), prune */
  events?: (action: string, name: string, attrs: Record<string, string>) => void;
  /** ids of containers that reference the volume, running or not (the containers domain knows) */
  inUse: (name: string) => string[];
  /** default: sockets /run/docker/plugins; specs /etc/docker/plugins, /usr/lib/docker/plugins */
  pluginDirs?: { sockets: string[]; specs: string[] };
  /** how long to wait for a plugin's socket to appear and answer (Docker: 30 s); default 3000 ms */
  pluginWaitMs?: number;
  log?: (level: "debug" | "info" | "warn" | "error", msg: string) => void;
}

/** Opens the volumes under root, finishing any create or remove a crash interrupted. */
export function createVolumeService(o: VolumeServiceOptions): Promise<VolumeService> {
  return LocalVolumeService.open(o);
}
