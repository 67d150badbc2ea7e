import { access, readFile, rm } from "node:fs/promises";
import { unavailable } from "../../lib/errors.ts";
import { execFileAsync } from "../../lib/exec-file.ts";

/** Where debootstrap is, or unavailable with the install hint. */
export async function findDebootstrap(): Promise<string> {
  for (const p of ["/usr/sbin/debootstrap", "/usr/bin/debootstrap"]) {
    try {
      await access(p);
      return p;
    } catch {
      // next
    }
  }
  throw unavailable("debootstrap is not installed: apt-get install debootstrap");
}

/** The host's Debian mirror (from apt's sources), else deb.debian.org. KAPSEL_DEBIAN_MIRROR wins. */
export async function debianMirror(): Promise<string> {
  if (process.env.KAPSEL_DEBIAN_MIRROR) return process.env.KAPSEL_DEBIAN_MIRROR;
  for (const file of ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]) {
    const text = await readFile(file, "utf8").catch(() => "");
    const m =
      /^\s*(?:URIs:|deb)\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\/?\s*$/m.exec(text) ??
      /(?:URIs:|deb)\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\b/.exec(text);
    if (m) return m[1];
  }
  return "http://deb.debian.org/debian";
}

/** Runs debootstrap (minbase) into target; minutes, and needs the mirror. */
export async function debootstrap(suite: string, target: string): Promise<void> {
  const bin = await findDebootstrap();
  const mirror = await debianMirror();
  try {
    await execFileAsync(bin, ["--variant=minbase", suite, target, mirror], { maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const out = `${(err as { stdout?: string }).stdout ?? ""}`.trim().split("\n").slice(-5).join("\n");
    throw unavailable(`debootstrap ${suite} failed: ${out || (err as Error).message}`, err);
  }
}

/**
 * Removes a debootstrap scratch dir. debootstrap mounts /proc and /sys inside its target and
 * may leave them mounted when it fails: those are unmounted first, and nothing is deleted while
 * any mount remains below dir (a recursive delete would reach into the host's /proc or /sys).
 */
export async function removeScratch(dir: string): Promise<void> {
  const below = async () =>
    (await readFile("/proc/self/mountinfo", "utf8"))
      .split("\n")
      .map((l) =>
        l
          .split(" ")[4]
          ?.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8))),
      )
      .filter((p): p is string => !!p && p.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length);
  for (const p of await below()) await execFileAsync("umount", ["-l", p]).catch(() => {});
  const left = await below();
  if (left.length > 0) throw new Error(`not removing ${dir}: still mounted below it: ${left.join(", ")}`);
  await rm(dir, { recursive: true, force: true });
}
