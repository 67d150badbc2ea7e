import { readFileSync } from "node:fs";
import { invalid } from "../../lib/errors.ts";
import { resolveInRoot } from "../../lib/path-in-root.ts";

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

function readDb(rootfs: string, file: string): string[][] {
  try {
    return readFileSync(resolveInRoot(rootfs, file), "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.split(":"));
  } catch {
    return [];
  }
}

/**
 * Docker's `--user` (name|uid[:group|gid]) against the container's own /etc/passwd and
 * /etc/group, with Docker's errors. Supplementary groups come from /etc/group plus `groupAdd`.
 */
export function resolveUser(rootfs: string, spec: string, groupAdd: string[] = []): ResolvedUser {
  const [userPart, groupPart] = spec === "" ? ["0", undefined] : spec.split(":", 2);
  const passwd = readDb(rootfs, "/etc/passwd");
  const groups = readDb(rootfs, "/etc/group");
  let uid: number;
  let gid = 0;
  let home = "/";
  let userName: string | undefined;
  const entry =
    passwd.find((p) => p[0] === userPart) ??
    (/^\d+$/.test(userPart) ? passwd.find((p) => p[2] === userPart) : undefined);
  if (entry) {
    uid = Number(entry[2]);
    gid = Number(entry[3]);
    home = entry[5] || "/";
    userName = entry[0];
  } else if (/^\d+$/.test(userPart)) {
    uid = Number(userPart);
  } else {
    throw invalid(`unable to find user ${userPart}: no matching entries in passwd file`);
  }
  if (groupPart !== undefined && groupPart !== "") {
    const g = groups.find((x) => x[0] === groupPart);
    if (g) gid = Number(g[2]);
    else if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else throw invalid(`unable to find group ${groupPart}: no matching entries in group file`);
  }
  const additional = new Set<number>();
  if (userName && groupPart === undefined) {
    for (const g of groups) if ((g[3] ?? "").split(",").includes(userName)) additional.add(Number(g[2]));
  }
  for (const ga of groupAdd) {
    const g = groups.find((x) => x[0] === ga);
    if (g) additional.add(Number(g[2]));
    else if (/^\d+$/.test(ga)) additional.add(Number(ga));
    else throw invalid(`Unable to find group ${ga}: no matching entries in group file`);
  }
  return { uid, gid, additionalGids: [...additional], home };
}
