import { createHash } from "node:crypto";
import { mkdtemp, open, utimes } from "node:fs/promises";
import { posix } from "node:path";
import { invalid } from "../../lib/errors.ts";
import type { CopyInfo } from "./copy-sources.ts";
import { HostTree } from "./source-tree.ts";

/** moby's urlutil.IsURL: http:// or https://. */
export function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/** A git source (ADD https://…/x.git, git@…): BuildKit's, not the classic builder's. */
export function isGitUrl(s: string): boolean {
  return /^git@|^git:\/\/|\.git(#.*)?$/i.test(s);
}

const UNNAMED = "__unnamed__";

/**
 * ADD <url> (moby's downloadSource): fetched into a scratch folder as a file named after the
 * URL's last path segment, else Content-Disposition's filename; mode 0600 and the mtime of
 * Last-Modified (else the epoch), as Docker leaves it. With `checksum` (ADD --checksum, from
 * BuildKit) the content must have that sha256. Never unpacked. The cache knows it by content.
 */
export async function downloadSource(
  url: string,
  dest: string,
  scratch: string,
  o: { checksum?: string; signal?: AbortSignal },
): Promise<{ info: CopyInfo; digest: string }> {
  let res: Response;
  try {
    res = await fetch(url, { signal: o.signal, redirect: "follow" });
  } catch (err) {
    throw invalid(`failed to GET ${url}: ${(err as Error).message}`, err);
  }
  if (res.status >= 400) throw invalid(`failed to GET ${url} with status ${res.status} ${res.statusText}`);
  let name = filenameFor(new URL(url).pathname, res.headers.get("content-disposition"));
  if (name === "") {
    if (dest.endsWith("/")) throw invalid(`cannot determine filename for source ${url}`);
    name = UNNAMED;
  }
  const dir = await mkdtemp(posix.join(scratch, "download-"));
  const host = posix.join(dir, name);
  const hash = createHash("sha256");
  const fh = await open(host, "wx", 0o600);
  try {
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        await fh.write(chunk);
      }
    }
  } finally {
    await fh.close();
  }
  const digest = `sha256:${hash.digest("hex")}`;
  if (o.checksum && o.checksum !== digest)
    throw invalid(`digest mismatch for ${url}: expected ${o.checksum}, got ${digest}`);
  const lastModified = Date.parse(res.headers.get("last-modified") ?? "");
  const mtime = Number.isNaN(lastModified) ? 0 : lastModified;
  await utimes(host, mtime / 1000, mtime / 1000);
  const tree = new HostTree(dir, new Map([[name, `${name}:${digest}`]]));
  const stat = (await tree.stat(name))!;
  // a download without a name of its own takes the destination's (dest is then a file path)
  return { info: { tree, rel: name, resolved: name, stat, noDecompress: true }, digest };
}

/** moby's getFilenameForDownload. */
function filenameFor(path: string, disposition: string | null): string {
  if (path !== "" && !path.endsWith("/")) {
    const base = posix.basename(path);
    if (base !== "") return decodeURIComponent(base);
  }
  if (disposition) {
    const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
    if (m && !m[1].endsWith("/")) {
      const base = posix.basename(m[1]);
      if (base !== "") return base;
    }
  }
  return "";
}
