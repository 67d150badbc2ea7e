// Small helpers shared by the test/images-*.test.ts suites.
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

/** The two CLIs every image command is checked with. */
export const CLIS = ["docker", "kapsel"] as const;

/**
 * A minimal root file system as a tar file under dir: /bin/busybox with sh and a few tools,
 * plus `files` (path → content). Returns the tar's path. Different `files` give different layers.
 */
export function rootfsTar(dir: string, name: string, files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(dir, "rootfs-"));
  mkdirSync(join(root, "bin"));
  copyFileSync("/bin/busybox", join(root, "bin/busybox"));
  for (const tool of ["sh", "echo", "cat", "ls", "sleep", "rm", "mkdir", "touch", "true"])
    symlinkSync("busybox", join(root, "bin", tool));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  const out = join(dir, name);
  execFileSync("tar", ["--numeric-owner", "--owner=0", "--group=0", "-C", root, "-cf", out, "."]);
  rmSync(root, { recursive: true, force: true });
  return out;
}

export const lines = (s: string) => s.split("\n").filter((l) => l !== "");

/** The 12-hex short form of an id, with or without sha256:. */
export const short = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);

/** The layer directories of a test daemon's storage. */
export function layerDirs(dataRoot: string): string[] {
  return readdirSync(join(dataRoot, "storage/layers")).sort();
}

/** Mount points at or below path (from this process's mount table: the daemon's). */
export function mountsUnder(path: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[4])
    .filter((m) => m !== undefined && (m === path || m.startsWith(`${path}/`)));
}

/** Unix seconds with a fraction, as `docker events --since/--until` take them. */
export const unixNow = () => (Date.now() / 1000).toFixed(3);
