import { posix } from "node:path";

/**
 * The OCI layer format's deletion markers (inherited from AUFS): `.wh.<name>` deletes `<name>`
 * from the layers below; `.wh..wh..opq` in a directory hides everything below in that directory.
 * Other `.wh..wh.` names are AUFS metadata and carry no meaning for us.
 */
export const WHITEOUT_PREFIX = ".wh.";
export const WHITEOUT_META_PREFIX = ".wh..wh.";
export const WHITEOUT_OPAQUE = ".wh..wh..opq";

export type WhiteoutMarker =
  | { kind: "opaque"; dir: string } // dir: the directory that becomes opaque ("" for the root)
  | { kind: "whiteout"; dir: string; name: string } // deletes dir/name
  | { kind: "meta" }; // AUFS metadata: skip

/** Classifies a cleaned relative entry path; undefined for an ordinary entry. */
export function parseWhiteout(path: string): WhiteoutMarker | undefined {
  const base = posix.basename(path);
  if (!base.startsWith(WHITEOUT_PREFIX)) return undefined;
  const dir = posix.dirname(path) === "." ? "" : posix.dirname(path);
  if (base === WHITEOUT_OPAQUE) return { kind: "opaque", dir };
  if (base.startsWith(WHITEOUT_META_PREFIX)) return { kind: "meta" };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === "" || name === "." || name === "..") throw new Error(`invalid whiteout entry "${path}"`);
  return { kind: "whiteout", dir, name };
}

/** The whiteout entry name that deletes `path` (relative, no leading slash). */
export function whiteoutFor(path: string): string {
  const dir = posix.dirname(path);
  const name = WHITEOUT_PREFIX + posix.basename(path);
  return dir === "." ? name : `${dir}/${name}`;
}

/** The opaque marker entry name for directory `dir` (relative, "" for the root). */
export function opaqueMarkerFor(dir: string): string {
  return dir === "" ? WHITEOUT_OPAQUE : `${dir}/${WHITEOUT_OPAQUE}`;
}
