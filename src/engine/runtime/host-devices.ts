import { type BigIntStats, type Dirent, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { OciDevice } from "./oci-spec.ts";

/** Host device nodes as OCI devices: one given by path (--device), or all of /dev (--privileged). */

export function statDevice(path: string): OciDevice | undefined {
  let st: BigIntStats;
  try {
    st = lstatSync(path, { bigint: true });
  } catch {
    return undefined;
  }
  const type = st.isCharacterDevice() ? "c" : st.isBlockDevice() ? "b" : undefined;
  if (!type) return undefined;
  const rdev = st.rdev;
  // glibc's gnu_dev_major/minor
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return {
    type,
    path,
    major,
    minor,
    fileMode: Number(st.mode & 0o777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
  };
}

/** Every device node under the host's /dev, for --privileged (as containerd's HostDevices). */
export function hostDevices(): OciDevice[] {
  const out: OciDevice[] = [];
  const walk = (dir: string) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (!["pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"].includes(e.name)) walk(p);
      } else if (e.isCharacterDevice() || e.isBlockDevice()) {
        if (p === "/dev/console") continue;
        const dev = statDevice(p);
        if (dev) out.push(dev);
      }
    }
  };
  walk("/dev");
  return out;
}
