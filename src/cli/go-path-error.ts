/**
 * A failed file-system call worded as Go's *fs.PathError ("lstat /x: no such file or
 * directory"), since docker prints those as they are.
 */

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: "no such file or directory",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EEXIST: "file exists",
  ELOOP: "too many levels of symbolic links",
  ENOTEMPTY: "directory not empty",
  ENOSPC: "no space left on device",
  EROFS: "read-only file system",
  EXDEV: "invalid cross-device link",
  EINVAL: "invalid argument",
  EMLINK: "too many links",
  ENAMETOOLONG: "file name too long",
};

/** The errno's text as Go's syscall.Errno prints it; the Node message when unknown. */
export function errnoText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return (e.code && ERRNO_TEXT[e.code]) || e.message || String(err);
}

export function goPathError(op: string, path: string, err: unknown): Error {
  return new Error(`${op} ${path}: ${errnoText(err)}`, { cause: err });
}

export function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}
