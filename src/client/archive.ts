import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { invalid } from "../lib/errors.ts";
import type { Transport } from "./transport.ts";

/**
 * What the daemon says about a path in a container (Docker's container.PathStat), sent base64
 * JSON in the X-Docker-Container-Path-Stat header. `mode` is a Go os.FileMode: permission
 * bits plus type bits at the top (see GO_MODE).
 */
export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** Go's os.FileMode type bits, as PathStat.mode carries them. */
export const GO_MODE = {
  dir: 0x80000000,
  symlink: 0x08000000,
  device: 0x04000000,
  namedPipe: 0x02000000,
  socket: 0x01000000,
  charDevice: 0x00200000,
  irregular: 0x00080000,
} as const;

/** Whether a Go file mode has a type bit (the top bits overflow int32, so test without `&`). */
export function hasModeBit(mode: number, bit: number): boolean {
  return Math.floor(mode / bit) % 2 === 1;
}

export const STAT_HEADER = "x-docker-container-path-stat";

/** Decodes the stat header; Docker's wording when it is missing or bad. */
export function decodePathStat(header: string | string[] | undefined): PathStat {
  const text = Buffer.from(String(header ?? ""), "base64").toString("utf8");
  try {
    const v = JSON.parse(text) as Partial<PathStat>;
    return {
      name: v.name ?? "",
      size: v.size ?? 0,
      mode: v.mode ?? 0,
      mtime: v.mtime ?? "",
      linkTarget: v.linkTarget ?? "",
    };
  } catch {
    throw new Error(
      text === ""
        ? "unable to decode container path stat header: EOF"
        : `unable to decode container path stat header: ${text}`,
    );
  }
}

export interface PutArchiveOptions {
  /** Docker's default: an existing directory is not replaced by a non-directory, nor the reverse */
  allowOverwriteDirWithFile?: boolean;
  /** keep the archive's uid/gid (docker cp -a) */
  copyUIDGID?: boolean;
}

/** Docker's client trimID for containers. */
function trimContainer(id: string): string {
  const trimmed = id.trim();
  if (trimmed === "") throw invalid("Error: No such container: ");
  return trimmed;
}

const enc = encodeURIComponent;

/**
 * /containers/{id}/archive: a path's stat (HEAD), a tar of it (GET), extracting a tar into a
 * directory (PUT). Archives stream both ways; the caller consumes or destroys `body`.
 */
export function archiveApi(t: Transport) {
  return {
    stat: async (container: string, path: string): Promise<PathStat> => {
      const res = await t.request({
        method: "HEAD",
        path: `/containers/${enc(trimContainer(container))}/archive`,
        query: { path },
      });
      res.resume();
      return decodePathStat(res.headers[STAT_HEADER]);
    },

    get: async (container: string, path: string): Promise<{ stat: PathStat; body: IncomingMessage }> => {
      const body = await t.request({
        method: "GET",
        path: `/containers/${enc(trimContainer(container))}/archive`,
        query: { path },
      });
      try {
        return { stat: decodePathStat(body.headers[STAT_HEADER]), body };
      } catch (err) {
        body.destroy();
        throw new Error(`unable to get resource stat from response: ${(err as Error).message}`);
      }
    },

    put: async (container: string, path: string, content: Readable, o: PutArchiveOptions = {}) =>
      t.call({
        method: "PUT",
        path: `/containers/${enc(trimContainer(container))}/archive`,
        query: {
          path,
          noOverwriteDirNonDir: o.allowOverwriteDirWithFile ? undefined : "true",
          copyUIDGID: o.copyUIDGID ? "true" : undefined,
        },
        body: content,
        contentType: "application/x-tar",
      }),
  };
}

export type ArchiveApi = ReturnType<typeof archiveApi>;
