import { readFile } from "node:fs/promises";
import { posix } from "node:path";
import { invalid } from "../../lib/errors.ts";
import { resolveInRoot } from "../../lib/path-in-root.ts";
import type { Owner } from "./layer-plan.ts";

/**
 * COPY/ADD --chown=user[:group] (moby's parseChownFlag): numbers as they are, names looked up
 * in the destination image's /etc/passwd and /etc/group; a user alone stands for the group too.
 * `root` is the image's root file system (mounted), or undefined when no lookup is possible.
 */
export async function resolveChown(spec: string, root: string | undefined): Promise<Owner> {
  const parts = spec.split(":");
  if (parts.length > 2) throw invalid(`invalid chown string format: ${spec}`);
  const [user, group] = parts.length === 1 ? [parts[0], parts[0]] : parts;
  const fail = (why: string) => invalid(`unable to convert uid/gid chown string to host mapping: ${why}`);
  const uid = await lookup(user, root, "etc/passwd", "user").catch((err: Error) => {
    throw fail(`can't find uid for user ${user}: ${err.message}`);
  });
  const gid = await lookup(group, root, "etc/group", "group").catch((err: Error) => {
    throw fail(`can't find gid for group ${group}: ${err.message}`);
  });
  return { uid, gid };
}

/** Whether a --chown value is numeric only (needs no file system to resolve). */
export function numericChown(spec: string): boolean {
  return /^\d+(:\d+)?$/.test(spec);
}

async function lookup(name: string, root: string | undefined, file: string, what: string): Promise<number> {
  if (/^\d+$/.test(name)) return Number(name);
  if (!root) throw new Error(`no such ${what}: ${name}`);
  const host = resolveInRoot(root, file);
  let text: string;
  try {
    text = await readFile(host, "utf8");
  } catch {
    throw new Error(`open /${posix.normalize(file)}: no such file or directory`);
  }
  for (const line of text.split("\n")) {
    const fields = line.split(":");
    if (fields[0] === name && fields.length >= 3) return Number(fields[2]);
  }
  throw new Error(`no such ${what}: ${name}`);
}
