import type { Stats } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { readdir, readlink, stat } from "node:fs/promises";
import { posix } from "node:path";
import type { Readable } from "node:stream";
import { lstatOrUndefined } from "../../lib/fs-probe.ts";
import { goBase, goClean, preserveTrailingDotOrSeparator } from "../../lib/go-path.ts";
import { headerFromStat } from "../../lib/tar/header-from-stat.ts";
import { type AddEntry, packStream } from "../../lib/tar/pack-stream.ts";
import { ContainerView, closeTarget, type OpenedFile, openRegular } from "./container-view.ts";
import type { ContainerFs, PathStat } from "./index.ts";
import { dockerError, statIn } from "./path-stat.ts";
import { hasCode, PinnedDir } from "./pinned-dir.ts";

/**
 * GET /containers/{id}/archive (moby's containerArchivePath): the stat of the path and a tar of
 * it. A directory is archived whole under its base name ("etc/", "etc/passwd"), or by its
 * content for a trailing "/." ("./", "./passwd"), and the root as "/", "/bin/"... (Docker's
 * rebase of "." to ""); anything else is one entry named after it, a symlink as itself.
 * Walks inside the container (mounts included, entered at their destination), names in byte
 * order, owners/modes/whole-second times as on disk, hard links as links, devices and fifos as
 * such, sockets left out; whatever vanishes or changes type during the walk is skipped, as Docker
 * logs and goes on. Errors about the path come before the stream; the tar is produced as it is
 * read, and holds fds until it ends or the reader destroys it.
 */
export async function archivePath(
  fs: ContainerFs,
  path: string,
  containerRef: string,
): Promise<{ stat: PathStat; tar: Readable }> {
  const view = await ContainerView.open(fs);
  const absPath = preserveTrailingDotOrSeparator(goClean(posix.join("/", path)), path);
  let found: Awaited<ReturnType<typeof statIn>>;
  try {
    found = await statIn(view, absPath);
  } catch (err) {
    throw dockerError(err, path, containerRef);
  }
  const { target, st } = found;
  const rebase = goBase(absPath);
  const name = rebase === "/" ? "" : rebase;
  const tar = packStream(async (add) => {
    const links = new Map<string, string>();
    try {
      if (st.isDirectory()) {
        const dir = await view.openDir(target);
        try {
          await addTree(view, add, dir, name, await statDir(dir), links);
        } finally {
          await dir.close();
        }
      } else {
        const stats = await view.stats(target);
        await addNode(add, name, stats, links, {
          readlink: () =>
            target.kind === "child" ? readlink(target.parent.child(target.name)) : Promise.resolve(""),
          open: () => view.openFile(target),
        });
      }
    } finally {
      await closeTarget(target);
    }
  });
  return { stat: found.stat, tar };
}

interface NodeSource {
  readlink(): Promise<string>;
  open(): Promise<OpenedFile | undefined>;
}

async function addTree(
  view: ContainerView,
  add: AddEntry,
  dir: PinnedDir,
  name: string,
  st: Stats,
  links: Map<string, string>,
): Promise<void> {
  await add(headerFromStat(name, st));
  const onDisk = dir.isVirtual ? [] : await readdir(dir.path);
  const forMounts = view.mountChildren(dir.cpath);
  const names = [...new Set([...onDisk, ...forMounts])].sort((a, b) =>
    Buffer.compare(Buffer.from(a), Buffer.from(b)),
  );
  for (const n of names) {
    const childName = `${name}/${n}`;
    const cpath = posix.join(dir.cpath, n);
    try {
      const mount = view.mountAt(cpath);
      if (mount) {
        const mst = await stat(mount.source);
        if (mst.isDirectory())
          await addSubtree(view, add, await PinnedDir.openHost(mount.source, cpath), childName, links);
        else
          await addNode(add, childName, mst, links, {
            readlink: async () => "",
            open: () => openRegular(mount.source, true),
          });
        continue;
      }
      const cst = dir.isVirtual ? undefined : await lstatOrUndefined(dir.child(n));
      if (!cst) {
        // a directory missing on disk on the way to a mount: shown as Docker's view makes it, 0755
        if (forMounts.has(n))
          await addTree(view, add, PinnedDir.virtual(cpath), childName, impliedDir(st), links);
        continue;
      }
      if (cst.isDirectory()) await addSubtree(view, add, await dir.openChild(n, cpath), childName, links);
      else
        await addNode(add, childName, cst, links, {
          readlink: () => readlink(dir.child(n)),
          open: () => openRegular(dir.child(n)),
        });
    } catch (err) {
      // gone or swapped for another type since readdir: a live container may do that
      if (hasCode(err, "ENOENT", "ENOTDIR", "ELOOP", "EINVAL")) continue;
      throw err;
    }
  }
}

async function addSubtree(
  view: ContainerView,
  add: AddEntry,
  dir: PinnedDir,
  name: string,
  links: Map<string, string>,
): Promise<void> {
  try {
    await addTree(view, add, dir, name, await statDir(dir), links);
  } finally {
    await dir.close();
  }
}

function impliedDir(parent: Stats): Stats {
  return Object.assign(Object.create(Object.getPrototypeOf(parent)), parent, {
    mode: 0o040755,
    uid: 0,
    gid: 0,
    nlink: 2,
  }) as Stats;
}

async function statDir(dir: PinnedDir): Promise<Stats> {
  return dir.stat();
}

/** One non-directory: a hard link to an earlier entry, a symlink, a file's bytes, a device or fifo. */
async function addNode(
  add: AddEntry,
  name: string,
  st: Stats,
  links: Map<string, string>,
  src: NodeSource,
): Promise<void> {
  if (st.isSocket()) return; // Go's tar cannot hold one: Docker logs it and goes on
  if (st.nlink > 1) {
    const key = `${st.dev}:${st.ino}`;
    const first = links.get(key);
    if (first !== undefined) {
      await add(headerFromStat(name, st, { hardlinkTo: first }));
      return;
    }
    links.set(key, name);
  }
  if (st.isSymbolicLink()) {
    await add(headerFromStat(name, st, { symlinkTarget: await src.readlink() }));
    return;
  }
  if (!st.isFile()) {
    await add(headerFromStat(name, st));
    return;
  }
  const opened = await src.open();
  if (!opened) return; // no longer a regular file
  try {
    await add(headerFromStat(name, opened.st), readAll(opened.fh, opened.st.size));
  } finally {
    await opened.fh.close();
  }
}

/** A file's bytes in chunks, each a new buffer (the tar stream may still hold the previous one). */
async function* readAll(fh: FileHandle, size: number): AsyncGenerator<Uint8Array> {
  let pos = 0;
  while (pos < size) {
    const buf = Buffer.allocUnsafe(Math.min(256 * 1024, size - pos));
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) return;
    pos += bytesRead;
    yield buf.subarray(0, bytesRead);
  }
}
