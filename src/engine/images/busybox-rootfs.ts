import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { unavailable } from "../../lib/errors.ts";
import { execFileAsync } from "../../lib/exec-file.ts";
import type { TarHeader } from "../../lib/tar/header-from-stat.ts";
import { packStream } from "../../lib/tar/pack-stream.ts";

/**
 * Every time in a bootstrapped image: fixed, so that the same host busybox always gives the same
 * layer bytes and the same image id, whenever and wherever it is built.
 */
export const BOOTSTRAP_EPOCH = new Date("2024-01-01T00:00:00Z");

export interface HostBusybox {
  path: string;
  /** "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1)" */
  version: string;
  applets: string[];
  size: number;
}

/** Reads what the host's (static) busybox offers. */
export async function hostBusybox(path = "/bin/busybox"): Promise<HostBusybox> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    throw unavailable(`${path} is missing: install busybox-static to bootstrap the busybox image`, err);
  }
  const usage = await execFileAsync(path, [], { encoding: "utf8" }).then(
    (r) => r.stdout,
    (e: { stdout?: string }) => e.stdout ?? "",
  );
  const version = /^(BusyBox v\S+(?: \([^)]*\))?)/m.exec(usage)?.[1] ?? "BusyBox";
  const { stdout } = await execFileAsync(path, ["--list"], { encoding: "utf8" });
  const applets = stdout
    .split("\n")
    .map((s) => s.trim())
    .filter((s) => s !== "" && s !== "busybox" && !s.includes("/"))
    .sort();
  return { path, version, applets, size };
}

// The files of Docker Hub's busybox image (glibc variant), minus the libraries a static binary
// does not need.
const PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
`;
const GROUP = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
kmem:x:9:
wheel:x:10:root
cdrom:x:11:
dialout:x:18:
floppy:x:19:
video:x:28:
audio:x:29:
tape:x:32:
www-data:x:33:
operator:x:37:
utmp:x:43:
plugdev:x:46:
staff:x:50:
lock:x:54:
netdev:x:82:
users:x:100:
nogroup:x:65534:
`;
const SHADOW = `root:*:10933:0:99999:7:::
daemon:*:10933:0:99999:7:::
bin:*:10933:0:99999:7:::
sys:*:10933:0:99999:7:::
sync:*:10933:0:99999:7:::
mail:*:10933:0:99999:7:::
www-data:*:10933:0:99999:7:::
operator:*:10933:0:99999:7:::
nobody:*:10933:0:99999:7:::
`;
const NSSWITCH = "hosts: files dns\nnetworks: files\n";

const DIRS: Array<[string, number]> = [
  ["bin", 0o755],
  ["dev", 0o755],
  ["etc", 0o755],
  ["etc/network", 0o755],
  ["home", 0o755],
  ["proc", 0o755],
  ["root", 0o700],
  ["sys", 0o755],
  ["tmp", 0o1777],
  ["usr", 0o755],
  ["usr/sbin", 0o755],
  ["var", 0o755],
  ["var/spool", 0o755],
  ["var/spool/mail", 0o755],
  ["var/www", 0o755],
];

/**
 * The root file system of busybox:latest as a layer tar: /bin/busybox with every applet as a
 * hard link beside it (as Docker Hub's image has them), and the usual /etc files. Deterministic.
 */
export function busyboxRootfs(bb: HostBusybox): Readable {
  const base = { uid: 0, gid: 0, mtime: BOOTSTRAP_EPOCH };
  const text = (name: string, content: string, mode = 0o644): [TarHeader, Buffer] => {
    const body = Buffer.from(content);
    return [{ ...base, name, type: "file", mode, size: body.length }, body];
  };
  const files = [
    text("etc/group", GROUP),
    text("etc/nsswitch.conf", NSSWITCH),
    text("etc/passwd", PASSWD),
    text("etc/shadow", SHADOW, 0o600),
  ];
  return packStream(async (add) => {
    for (const [name, mode] of DIRS) {
      await add({ ...base, name: `${name}/`, type: "directory", mode });
      if (name === "bin") {
        await add({ ...base, name: "bin/busybox", type: "file", mode: 0o755, size: bb.size }, bb.path);
        for (const applet of bb.applets)
          await add({ ...base, name: `bin/${applet}`, type: "link", linkname: "bin/busybox", mode: 0o755 });
      }
      if (name === "etc") for (const [h, body] of files) await add(h, body);
    }
  });
}
