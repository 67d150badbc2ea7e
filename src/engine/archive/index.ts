/**
 * archive: the engine side of `docker cp` (GET/HEAD/PUT /containers/{id}/archive): stat, read
 * and write paths inside a container's file system, as moby's daemon/archive*.go does.
 *
 * It owns path resolution inside a container (container-view.ts): every path, the request's and
 * every tar entry's, is walked component by component through held fds, with the container's
 * symlinks followed as the container sees them (chroot at its root) and its mounts entered at
 * their destinations, so nothing can lead to the host's files (the CVE-2018-15664 class), even
 * while a process in a running container swaps components.
 * It keeps no state and has no on-disk layout. It leaves to others: finding the container and
 * mounting its rootfs (the caller passes a ContainerFs and unmounts once done: after the
 * returned tar closes, for archivePath), the HTTP side (headers, compression of GET), events.
 *
 * Errors: notFound("Could not find the file <path> in container <ref>"); invalid for a bad
 * extraction point, a read-only target or a bad archive; conflict for noOverwriteDirNonDir and
 * a mount point in the way; internal for other file-system failures (Docker's 500s).
 * Not done: extended attributes (security.capability is neither archived nor restored), file
 * names that are not UTF-8, user-namespace id mapping.
 */
import type { Readable } from "node:stream";
import { archivePath as archive } from "./archive-path.ts";
import { ContainerView, closeTarget } from "./container-view.ts";
import { type ExtractOptions, extractArchive as extract } from "./extract-archive.ts";
import { dockerError, encodePathStat as encode, statIn } from "./path-stat.ts";

/** The container's file system as the daemon sees it: the mounted rootfs and what is mounted over it. */
export interface ContainerFs {
  /** host path of the mounted root file system */
  rootfs: string;
  readonlyRootfs: boolean;
  /** bind mounts and volumes: destination in the container → host source; any order */
  mounts: Array<{ destination: string; source: string; readonly: boolean }>;
}

/** Docker's container.PathStat, the JSON inside the X-Docker-Container-Path-Stat header. */
export interface PathStat {
  name: string;
  size: number;
  /** Go's os.FileMode bits (type bits high: dir 1<<31, symlink 1<<27, ...) */
  mode: number;
  /** RFC 3339 with nanoseconds, in the daemon's zone */
  mtime: string;
  /** for a symlink, the path with every link followed inside the container; else "" */
  linkTarget: string;
}

export type { ExtractOptions };

/**
 * HEAD archive: lstat of the path in the container (its intermediate symlinks followed, the
 * last one too with a trailing "/" or "/."). Missing: notFound("Could not find the file <path>
 * in container <containerRef>").
 */
export async function statPath(fs: ContainerFs, path: string, containerRef: string): Promise<PathStat> {
  const view = await ContainerView.open(fs);
  try {
    const { stat, target } = await statIn(view, path);
    await closeTarget(target);
    return stat;
  } catch (err) {
    throw dockerError(err, path, containerRef);
  }
}

/**
 * GET archive: the stat, then a tar of the path, produced as it is read (see archive-path.ts for
 * the entry names). The caller must read the tar to its end or destroy it: it holds fds, and
 * the rootfs should stay mounted until it closes.
 */
export function archivePath(
  fs: ContainerFs,
  path: string,
  containerRef: string,
): Promise<{ stat: PathStat; tar: Readable }> {
  return archive(fs, path, containerRef);
}

/**
 * PUT archive: extracts the tar (any compression Docker accepts) into the directory `path`;
 * see extract-archive.ts. Resolves once every entry is on disk.
 */
export function extractArchive(
  fs: ContainerFs,
  path: string,
  tar: NodeJS.ReadableStream,
  o: ExtractOptions,
): Promise<void> {
  return extract(fs, path, tar, o);
}

/** The X-Docker-Container-Path-Stat header value: base64 of the stat's JSON. */
export function encodePathStat(s: PathStat): string {
  return encode(s);
}
