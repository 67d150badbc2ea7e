import type { BigIntStats } from "node:fs";
import { internal, KapselError, notFound } from "../../lib/errors.ts";
import { assertsDirectory, goBase } from "../../lib/go-path.ts";
import { type ContainerView, closeTarget, type Target } from "./container-view.ts";
import { followsLast } from "./docker-path.ts";
import type { PathStat } from "./index.ts";
import { fsError, hasCode, inContainerTerms } from "./pinned-dir.ts";

// Go's os.FileMode type bits (io/fs), which X-Docker-Container-Path-Stat carries
const GO_MODE = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
};

/** A unix st_mode as Go's os.FileMode (what os.Lstat reports on Linux). */
export function goFileMode(st: { mode: number | bigint }): number {
  const mode = Number(st.mode);
  let m = mode & 0o777;
  switch (mode & 0o170000) {
    case 0o060000:
      m += GO_MODE.device;
      break;
    case 0o020000:
      m += GO_MODE.device + GO_MODE.charDevice;
      break;
    case 0o040000:
      m += GO_MODE.dir;
      break;
    case 0o010000:
      m += GO_MODE.namedPipe;
      break;
    case 0o120000:
      m += GO_MODE.symlink;
      break;
    case 0o140000:
      m += GO_MODE.socket;
      break;
  }
  if (mode & 0o4000) m += GO_MODE.setuid;
  if (mode & 0o2000) m += GO_MODE.setgid;
  if (mode & 0o1000) m += GO_MODE.sticky;
  return m;
}

export function isGoDir(mode: number): boolean {
  return mode >= GO_MODE.dir;
}

/**
 * A time as Go's time.Time marshals to JSON (RFC 3339 with nanoseconds, trailing zeros cut)
 * in the daemon's local zone, as Docker's daemon writes the stat's mtime.
 */
export function rfc3339Nano(ns: bigint): string {
  let sec = ns / 1_000_000_000n;
  let nanos = ns % 1_000_000_000n;
  if (nanos < 0n) {
    nanos += 1_000_000_000n; // before 1970: the fraction counts up from the second below
    sec -= 1n;
  }
  const ms = Number(sec) * 1000;
  const frac = Number(nanos);
  const offsetMin = -new Date(ms).getTimezoneOffset();
  const local = new Date(ms + offsetMin * 60_000);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const date = `${p(local.getUTCFullYear(), 4)}-${p(local.getUTCMonth() + 1)}-${p(local.getUTCDate())}`;
  const time = `${p(local.getUTCHours())}:${p(local.getUTCMinutes())}:${p(local.getUTCSeconds())}`;
  const fraction = frac === 0 ? "" : `.${String(frac).padStart(9, "0").replace(/0+$/, "")}`;
  const abs = Math.abs(offsetMin);
  const zone =
    offsetMin === 0 ? "Z" : `${offsetMin < 0 ? "-" : "+"}${p(Math.floor(abs / 60))}:${p(abs % 60)}`;
  return `${date}T${time}${fraction}${zone}`;
}

export function encodePathStat(s: PathStat): string {
  const json = JSON.stringify({
    name: s.name,
    size: s.size,
    mode: s.mode,
    mtime: s.mtime,
    linkTarget: s.linkTarget,
  });
  return Buffer.from(json).toString("base64");
}

/** The stat of `path` and where it ends, held open for the caller (closeTarget). */
export interface StatResult {
  stat: PathStat;
  target: Target;
  st: BigIntStats;
}

/**
 * Docker's containerFSView.Stat: lstat of the path in the container (a trailing "/" or "/."
 * follows a last symlink, as the kernel's lstat does), named after its last element; a symlink's
 * linkTarget is the path with every link followed, inside the container.
 */
export async function statIn(view: ContainerView, path: string): Promise<StatResult> {
  const abs = path.startsWith("/") ? path : `/${path}`;
  const target = await view.walk(abs, { followLast: followsLast(path) });
  try {
    const st = await view.lstat(target);
    if (assertsDirectory(path) && !st.isDirectory())
      throw fsError("ENOTDIR", `lstat ${path}: not a directory`);
    const linkTarget = st.isSymbolicLink() ? await view.canonical(abs) : "";
    const stat: PathStat = {
      name: goBase(path),
      size: Number(st.size),
      mode: goFileMode(st),
      mtime: rfc3339Nano(st.mtimeNs),
      linkTarget,
    };
    return { stat, target, st };
  } catch (err) {
    await closeTarget(target);
    throw err;
  }
}

/** File-system errors worded as Docker's daemon words them; a missing path is Docker's not-found. */
export function dockerError(err: unknown, path: string, containerRef: string): unknown {
  if (err instanceof KapselError) return err;
  if (hasCode(err, "ENOENT"))
    return notFound(`Could not find the file ${path} in container ${containerRef}`, err);
  if (typeof (err as NodeJS.ErrnoException)?.code === "string")
    return internal((inContainerTerms(err, path) as Error).message, err);
  return err;
}
