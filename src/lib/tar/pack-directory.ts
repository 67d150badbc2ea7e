import { lstat, readdir, readlink } from "node:fs/promises";
import { posix } from "node:path";
import type { Readable } from "node:stream";
import { headerFromStat } from "./header-from-stat.ts";
import { packStream } from "./pack-stream.ts";

/**
 * A directory tree as a tar stream: depth first, names in byte order, the root itself left out,
 * repeated inodes as hard links. `skip(rel)` leaves out an entry and everything under it.
 */
export function packDirectory(root: string, skip: (rel: string) => boolean = () => false): Readable {
  return packStream(async (add) => {
    const links = new Map<string, string>();
    const walk = async (rel: string) => {
      const names = (await readdir(posix.join(root, rel))).sort((a, b) =>
        Buffer.compare(Buffer.from(a), Buffer.from(b)),
      );
      for (const name of names) {
        const p = rel === "" ? name : `${rel}/${name}`;
        if (skip(p)) continue;
        const host = posix.join(root, p);
        const st = await lstat(host);
        if (!st.isDirectory() && st.nlink > 1) {
          const key = `${st.dev}:${st.ino}`;
          const first = links.get(key);
          if (first !== undefined) {
            await add(headerFromStat(p, st, { hardlinkTo: first }));
            continue;
          }
          links.set(key, p);
        }
        const symlinkTarget = st.isSymbolicLink() ? await readlink(host) : undefined;
        await add(headerFromStat(p, st, { symlinkTarget }), st.isFile() ? host : undefined);
        if (st.isDirectory()) await walk(p);
      }
    };
    await walk("");
  });
}
