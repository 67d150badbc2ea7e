import type { BigIntStats, Stats } from "node:fs";
import { constants } from "node:fs";
import { type FileHandle, lstat, mkdir, open, readlink, stat } from "node:fs/promises";
import { posix } from "node:path";
import { lstatOrUndefined } from "../../lib/fs-probe.ts";
import type { ContainerFs } from "./index.ts";
import { fsError, hasCode, O_PATH, PinnedDir } from "./pinned-dir.ts";

/** A mount of the view; the rootfs is the mount at "/". `destination` is canonical (no symlinks). */
export interface ViewMount {
  destination: string;
  source: string;
  readonly: boolean;
}

/**
 * Where a path ends: a name in a held directory (which may not exist), the root of a mount
 * (the rootfs at "/", a volume, a bind-mounted file), or a directory already held (a path
 * ending in "..", or one that led back to the root). Targets hold fds: closeTarget().
 */
export type Target =
  | { kind: "child"; parent: PinnedDir; name: string; cpath: string }
  | { kind: "mount"; mount: ViewMount; cpath: string }
  | { kind: "dir"; dir: PinnedDir; cpath: string };

/**
 * strict: a missing component fails (ENOENT), except above a mount destination;
 * lenient: the rest of the path is taken literally (Docker's FollowSymlinkInScope, for LinkTarget);
 * create: missing directories are made, 0755 (a tar's implied directories).
 */
export type WalkMode = "strict" | "lenient" | "create";

export interface WalkOptions {
  /** follow a symlink in the last component too (a trailing "/" or "/." asks for it) */
  followLast: boolean;
  mode?: WalkMode;
  /** where a relative path starts (default: the root); ".." may still climb above it */
  from?: PinnedDir;
  /** called before a directory is made in create mode; may throw (read-only) */
  beforeCreate?: (cpath: string) => void;
}

const MAX_HOPS = 255;

/**
 * The container's file system as a process inside it sees it, walked from the host: the rootfs
 * with the mounts over it. Every path is resolved component by component through held fds,
 * so that symlinks (absolute, relative with "..", chains) resolve as in the container (chroot
 * semantics: ".." at the root stays at the root, an absolute target starts again at the
 * container's root) and never lead to the host; a path reaching a mount's destination goes on
 * in its source (longest destination wins, as the kernel's stacking does), and ".." at a
 * mount's root goes back to the directory holding its destination.
 */
export class ContainerView {
  readonly root: ViewMount;
  readonly #mounts = new Map<string, ViewMount>();

  private constructor(root: ViewMount) {
    this.root = root;
  }

  /**
   * Mount destinations are resolved like runc does at start (in the rootfs with the earlier,
   * shallower mounts in place), so a volume at /var/run/x covers /run/x when /var/run -> /run.
   */
  static async open(fs: ContainerFs): Promise<ContainerView> {
    const view = new ContainerView({ destination: "/", source: fs.rootfs, readonly: fs.readonlyRootfs });
    const mounts = fs.mounts
      .map((m) => ({ ...m, destination: posix.normalize(`/${m.destination}`).replace(/(.)\/$/, "$1") }))
      .filter((m) => m.destination !== "/")
      .sort((a, b) => a.destination.split("/").length - b.destination.split("/").length);
    for (const m of mounts) {
      let dest = m.destination;
      try {
        dest = await view.canonical(m.destination);
      } catch {
        // a destination that cannot be resolved (a loop, a file on the way) keeps its literal path
      }
      view.#mounts.set(dest, { destination: dest, source: m.source, readonly: m.readonly });
    }
    return view;
  }

  /** The mount exactly at cpath (not the rootfs). */
  mountAt(cpath: string): ViewMount | undefined {
    return this.#mounts.get(cpath);
  }

  /** The mount that holds cpath: the longest destination above it, or the rootfs. */
  mountFor(cpath: string): ViewMount {
    let best = this.root;
    for (const m of this.#mounts.values())
      if (
        (cpath === m.destination || cpath.startsWith(`${m.destination}/`)) &&
        m.destination.length > best.destination.length
      )
        best = m;
    return best;
  }

  /** Whether a mount's destination is cpath or lies below it. */
  hasMountAtOrBelow(cpath: string): boolean {
    const prefix = cpath === "/" ? "/" : `${cpath}/`;
    for (const d of this.#mounts.keys()) if (d === cpath || d.startsWith(prefix)) return true;
    return false;
  }

  /**
   * The names directly under directory cpath that mounts need: their destinations, or a missing
   * directory on the way to one (Docker's view makes both before anything reads the tree).
   */
  mountChildren(cpath: string): Set<string> {
    const prefix = cpath === "/" ? "/" : `${cpath}/`;
    const names = new Set<string>();
    for (const d of this.#mounts.keys())
      if (d.startsWith(prefix)) names.add(d.slice(prefix.length).split("/")[0]);
    return names;
  }

  /** Resolves path (absolute, or relative to `from`) to where it ends; see Target and WalkOptions. */
  async walk(path: string, o: WalkOptions): Promise<Target> {
    const mode = o.mode ?? "strict";
    const queue = components(path);
    const stack: PinnedDir[] = [
      path.startsWith("/") || !o.from ? await this.#openMount(this.root) : await o.from.dup(),
    ];
    let hops = 0;
    let retries = 0;
    try {
      while (queue.length > 0) {
        const part = queue.shift() as string;
        if (part === "..") {
          await this.#up(stack, mode);
          continue;
        }
        const top = stack[stack.length - 1];
        const cpath = posix.join(top.cpath, part);
        const last = queue.length === 0;
        const mount = this.#mounts.get(cpath);
        if (mount) {
          if (last) return { kind: "mount", mount, cpath };
          stack.push(await this.#openMount(mount));
          continue;
        }
        if (last && !o.followLast)
          return { kind: "child", parent: stack.pop() as PinnedDir, name: part, cpath };
        const st = top.isVirtual ? undefined : await lstatOrUndefined(top.child(part));
        if (st?.isSymbolicLink()) {
          if (++hops > MAX_HOPS) throw fsError("ELOOP", `${cpath}: too many levels of symbolic links`);
          let target: string;
          try {
            target = await readlink(top.child(part));
          } catch (err) {
            // swapped since the lstat: look again
            if (!hasCode(err, "EINVAL", "ENOENT") || ++retries > 8) throw err;
            queue.unshift(part);
            continue;
          }
          if (target.startsWith("/")) await this.#reset(stack);
          queue.unshift(...components(target));
          continue;
        }
        // in create mode a missing last directory is made too (the caller wants a directory)
        if (last && (st || mode !== "create"))
          return { kind: "child", parent: stack.pop() as PinnedDir, name: part, cpath };
        if (!st) {
          if (mode === "create") {
            o.beforeCreate?.(cpath);
            stack.push(await makeDir(top, part, cpath));
          } else if (mode === "lenient" || this.hasMountAtOrBelow(cpath)) {
            stack.push(PinnedDir.virtual(cpath));
          } else {
            throw fsError("ENOENT", `lstat ${cpath}: no such file or directory`);
          }
          continue;
        }
        if (!st.isDirectory()) throw fsError("ENOTDIR", `lstat ${cpath}: not a directory`);
        try {
          stack.push(await top.openChild(part, cpath));
        } catch (err) {
          if (!hasCode(err, "ENOTDIR", "ELOOP", "ENOENT") || ++retries > 8) throw err;
          queue.unshift(part); // swapped since the lstat: look again
        }
      }
      const dir = stack.pop() as PinnedDir;
      return { kind: "dir", dir, cpath: dir.cpath };
    } finally {
      for (const d of stack) await d.close();
    }
  }

  /** Docker's FollowSymlinkInScope(path, "/"): the path with every symlink resolved, as far as it exists. */
  async canonical(path: string): Promise<string> {
    const t = await this.walk(path.startsWith("/") ? path : `/${path}`, {
      followLast: true,
      mode: "lenient",
    });
    await closeTarget(t);
    return t.cpath;
  }

  /** lstat of the target; a mount's root is seen through (the kernel shows the mounted node). */
  async lstat(t: Target): Promise<BigIntStats> {
    if (t.kind === "child") return lstat(t.parent.child(t.name), { bigint: true });
    if (t.kind === "mount") return stat(t.mount.source, { bigint: true });
    return t.dir.statBig();
  }

  /** The same, with numbers (what tar headers are made from). */
  async stats(t: Target): Promise<Stats> {
    if (t.kind === "child") return lstat(t.parent.child(t.name));
    if (t.kind === "mount") return stat(t.mount.source);
    return t.dir.stat();
  }

  /** Opens the target as a directory (ENOTDIR if it is anything else, a symlink included). */
  async openDir(t: Target): Promise<PinnedDir> {
    if (t.kind === "child") return t.parent.openChild(t.name, t.cpath);
    if (t.kind === "mount") return this.#openMount(t.mount);
    return t.dir.dup();
  }

  /** Opens the target for reading if it is a regular file (see openRegular); undefined otherwise. */
  async openFile(t: Target): Promise<OpenedFile | undefined> {
    if (t.kind === "child") return openRegular(t.parent.child(t.name));
    if (t.kind === "mount") return openRegular(t.mount.source, true);
    return undefined;
  }

  async #openMount(m: ViewMount): Promise<PinnedDir> {
    return PinnedDir.openHost(m.source, m.destination);
  }

  /** ".." : back to the directory below on the stack, or (started inside) to the canonical parent. */
  async #up(stack: PinnedDir[], mode: WalkMode): Promise<void> {
    if (stack.length > 1) {
      await stack.pop()?.close();
      return;
    }
    const only = stack[0];
    if (only.cpath === "/") return;
    stack.pop();
    await only.close();
    const t = await this.walk(posix.dirname(only.cpath), { followLast: true, mode });
    try {
      stack.push(t.kind === "dir" ? await t.dir.dup() : await this.openDir(t));
    } finally {
      await closeTarget(t);
    }
  }

  /** An absolute symlink: start again at the container's root. */
  async #reset(stack: PinnedDir[]): Promise<void> {
    for (const d of stack.splice(0)) await d.close();
    stack.push(await this.#openMount(this.root));
  }
}

export async function closeTarget(t: Target): Promise<void> {
  if (t.kind === "child") await t.parent.close();
  else if (t.kind === "dir") await t.dir.close();
}

/** The components of a path, without empty ones and ".". */
export function components(path: string): string[] {
  return path.split("/").filter((p) => p !== "" && p !== ".");
}

/** An implied directory: 0755 whatever the umask, owned by the daemon (root), as Docker makes them. */
async function makeDir(parent: PinnedDir, name: string, cpath: string): Promise<PinnedDir> {
  let made = true;
  try {
    await mkdir(parent.child(name), 0o755);
  } catch (err) {
    if (!hasCode(err, "EEXIST")) throw err;
    made = false; // made meanwhile by someone else: use it if it is a directory
  }
  const dir = await parent.openChild(name, cpath);
  if (made) await dir.handle?.chmod(0o755);
  return dir;
}

export interface OpenedFile {
  fh: FileHandle;
  st: Stats;
}

/**
 * Opens a regular file for reading, never through a symlink and never opening anything else:
 * the node is pinned first (O_PATH, which opens nothing) and checked, then reopened through
 * its fd. So a name swapped for a fifo or a device meanwhile is not opened (a fifo would block,
 * a device could act). `follow`: a trusted host path (a mount's source) may be a symlink.
 */
export async function openRegular(path: string, follow = false): Promise<OpenedFile | undefined> {
  const pin = await open(path, O_PATH | (follow ? 0 : constants.O_NOFOLLOW));
  try {
    const st = await pin.stat();
    if (!st.isFile()) return undefined;
    return { fh: await open(`/proc/${process.pid}/fd/${pin.fd}`, constants.O_RDONLY), st };
  } finally {
    await pin.close();
  }
}
