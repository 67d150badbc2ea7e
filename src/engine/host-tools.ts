import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";

/** The external programs and kernel features kapseld relies on, found once at start-up. */
export interface HostTools {
  runtime: string;
  runtimeVersion?: string;
  conmon: string;
  conmonVersion?: string;
  init?: string;
  cgroupVersion: "1" | "2";
  warnings: string[];
}

export function which(name: string): string | undefined {
  if (name.includes("/")) return existsSync(name) ? name : undefined;
  const path = `${process.env.PATH ?? ""}${delimiter}/usr/local/sbin${delimiter}/usr/sbin${delimiter}/sbin${delimiter}/usr/bin${delimiter}/bin`;
  for (const dir of path.split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

function versionOf(bin: string): string | undefined {
  try {
    const out = execFileSync(bin, ["--version"], { encoding: "utf8", timeout: 5000 });
    return /version\s+([^\s]+)/.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

/** Finds runc (or the named runtime), conmon and an init; throws a clear error when one is missing. */
export function findHostTools(runtimeName: string): HostTools {
  const missing: string[] = [];
  const runtime = which(runtimeName);
  if (!runtime) missing.push(`${runtimeName} (the OCI runtime: apt-get install ${runtimeName})`);
  const conmon = which("conmon");
  if (!conmon) missing.push("conmon (the container monitor: apt-get install conmon)");
  if (missing.length > 0) throw new Error(`kapseld cannot start; missing: ${missing.join(", ")}`);
  const warnings: string[] = [];
  const init = which("catatonit") ?? which("tini-static") ?? which("tini");
  if (!init) warnings.push("WARNING: no init binary (catatonit or tini): --init is unavailable");
  const filesystems = readFileSync("/proc/filesystems", "utf8");
  if (!/\boverlay\b/.test(filesystems))
    warnings.push("WARNING: overlayfs is not available: using the copy storage driver");
  const cgroupVersion = existsSync("/sys/fs/cgroup/cgroup.controllers") ? "2" : "1";
  return {
    runtime: runtime!,
    runtimeVersion: versionOf(runtime!),
    conmon: conmon!,
    conmonVersion: versionOf(conmon!),
    init,
    cgroupVersion,
    warnings,
  };
}
