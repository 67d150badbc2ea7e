import { invalid } from "../../lib/errors.ts";
import { type ContainerView, closeTarget } from "./container-view.ts";

const MAX_DB_BYTES = 4 * 1024 * 1024;

/**
 * The owner `docker cp -a` gives extracted files: the container's configured user (Config.User,
 * `user[:group]`, names or ids) looked up in the container's own /etc/passwd and /etc/group,
 * as moby's getUIDGID does, with its errors. A uid without a passwd entry keeps gid 0, an empty
 * user or group part means 0 (as `docker run --user ":33"`).
 */
export async function copyOwner(view: ContainerView, user: string): Promise<{ uid: number; gid: number }> {
  const [userPart, groupPart = ""] = splitOnce(user, ":");
  let uid = 0;
  let gid = 0;
  if (userPart !== "") {
    const id = parseId(userPart);
    const lookup = async () => {
      try {
        return parseDb(await readContainerFile(view, "/etc/passwd"));
      } catch (err) {
        if (id !== undefined) return [];
        throw invalid(`failed to look up user "${userPart}" in container: ${(err as Error).message}`, err);
      }
    };
    const passwd = await lookup();
    const entry =
      id === undefined ? passwd.find((e) => e[0] === userPart) : passwd.find((e) => Number(e[2]) === id);
    if (entry) {
      uid = Number(entry[2]);
      gid = Number(entry[3]);
    } else if (id !== undefined) {
      uid = id; // best effort, as `docker run --user 12345`
    } else {
      throw invalid(`failed to look up user "${userPart}" in container: no matching entries in passwd file`);
    }
  }
  if (groupPart !== "") {
    const id = parseId(groupPart);
    if (id !== undefined) gid = id;
    else {
      let groups: string[][];
      try {
        groups = parseDb(await readContainerFile(view, "/etc/group"));
      } catch (err) {
        throw invalid(`failed to look up group "${groupPart}" in container: ${(err as Error).message}`, err);
      }
      const entry = groups.find((e) => e[0] === groupPart);
      if (!entry)
        throw invalid(
          `failed to look up group "${groupPart}" in container: no matching entries in group file`,
        );
      gid = Number(entry[2]);
    }
  }
  return { uid, gid };
}

function splitOnce(s: string, sep: string): [string, string?] {
  const i = s.indexOf(sep);
  return i < 0 ? [s] : [s.slice(0, i), s.slice(i + 1)];
}

/** Go's getIDOrName: a 32-bit id, or undefined for a name. */
function parseId(s: string): number | undefined {
  if (!/^\d+$/.test(s)) return undefined;
  const n = Number(s);
  return n <= 2 ** 31 - 1 ? n : undefined;
}

function parseDb(text: string): string[][] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => l.split(":"))
    .filter((e) => e.length >= 3 && /^\d+$/.test(e[2]));
}

/** A small text file of the container, read inside it (its /etc/passwd may be a symlink). */
async function readContainerFile(view: ContainerView, path: string): Promise<string> {
  const target = await view.walk(path, { followLast: true });
  try {
    const opened = await view.openFile(target);
    if (!opened) throw new Error(`open ${path}: not a regular file`);
    try {
      const size = Math.min(opened.st.size, MAX_DB_BYTES);
      const buf = Buffer.alloc(size);
      const { bytesRead } = await opened.fh.read(buf, 0, size, 0);
      return buf.subarray(0, bytesRead).toString("utf8");
    } finally {
      await opened.fh.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`open ${path}: no such file or directory`);
    throw err;
  } finally {
    await closeTarget(target);
  }
}
