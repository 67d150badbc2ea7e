import { type BigIntStats, constants, type Stats } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";

/** Linux's O_PATH (the same value on x86-64 and arm64): an fd that pins a node without opening it. */
export const O_PATH = 0o10000000;
const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY;

/** An errno-style error, so that callers can test `code` as for Node's own. */
export function fsError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/**
 * Node's message for a failed call names the path it was given: a /proc/<pid>/fd/... path here,
 * or a mount's host source. Reworded with the container path the user asked about.
 */
export function inContainerTerms(err: unknown, shown: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.syscall !== "string" || typeof e.code !== "string") return err;
  const what = /^[A-Z0-9]+: ([^,]+),/.exec(e.message)?.[1] ?? e.code;
  return Object.assign(fsError(e.code, `${e.syscall} ${shown}: ${what}`), { cause: err });
}

export function hasCode(err: unknown, ...codes: string[]): boolean {
  return codes.includes((err as NodeJS.ErrnoException)?.code ?? "");
}

/**
 * A directory of the container held open by an fd, with its canonical path in the container.
 * Everything below it is reached as `/proc/<pid>/fd/<fd>/<name>`: the kernel starts from the
 * pinned inode, so a component swapped for a symlink by a process in the container after we
 * looked cannot redirect us. `name` is always one component (never "", "." or ".."); the last
 * component of such a path is the only one the kernel may follow, and callers use calls that
 * don't (lstat, O_NOFOLLOW, lchown, unlink...). The pid form (not /proc/self) also works for
 * child processes (mknod). A virtual directory (no fd) stands for a missing one: its children
 * are all missing.
 */
export class PinnedDir {
  readonly cpath: string;
  readonly #fh: FileHandle | undefined;

  constructor(cpath: string, fh: FileHandle | undefined) {
    this.cpath = cpath;
    this.#fh = fh;
  }

  /** Opens a host directory (the rootfs, a mount's source: trusted paths) as container path cpath. */
  static async openHost(hostPath: string, cpath: string): Promise<PinnedDir> {
    return new PinnedDir(cpath, await open(hostPath, DIR_FLAGS));
  }

  static virtual(cpath: string): PinnedDir {
    return new PinnedDir(cpath, undefined);
  }

  get isVirtual(): boolean {
    return this.#fh === undefined;
  }

  /** The directory itself, as a path the kernel resolves through the fd. */
  get path(): string {
    if (!this.#fh) throw fsError("ENOENT", `${this.cpath}: no such file or directory`);
    return `/proc/${process.pid}/fd/${this.#fh.fd}`;
  }

  /** A child's host path; the caller must not follow its last component. */
  child(name: string): string {
    if (name === "" || name === "." || name === ".." || name.includes("/") || name.includes("\0"))
      throw fsError("EINVAL", `invalid path component ${JSON.stringify(name)}`);
    return `${this.path}/${name}`;
  }

  /** Opens child `name` as a directory without following it (ENOTDIR for a symlink or a file). */
  async openChild(name: string, cpath: string): Promise<PinnedDir> {
    return new PinnedDir(cpath, await open(this.child(name), DIR_FLAGS | constants.O_NOFOLLOW));
  }

  /** A second handle on the same directory, owned by the caller. */
  async dup(): Promise<PinnedDir> {
    if (!this.#fh) return PinnedDir.virtual(this.cpath);
    return new PinnedDir(this.cpath, await open(this.path, DIR_FLAGS));
  }

  /** fstat of the directory (ENOENT for a virtual one). */
  async stat(): Promise<Stats> {
    if (!this.#fh) throw fsError("ENOENT", `lstat ${this.cpath}: no such file or directory`);
    return this.#fh.stat();
  }

  async statBig(): Promise<BigIntStats> {
    if (!this.#fh) throw fsError("ENOENT", `lstat ${this.cpath}: no such file or directory`);
    return this.#fh.stat({ bigint: true });
  }

  get handle(): FileHandle | undefined {
    return this.#fh;
  }

  async close(): Promise<void> {
    await this.#fh?.close().catch(() => {});
  }
}
