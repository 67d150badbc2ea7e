import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { parseProcCgroup } from "../../lib/proc-cgroup.ts";

/** kapseld's parent of container cgroups when a container names none (Docker's is /docker) */
const DEFAULT_PARENT = "/kapsel";

/**
 * The cgroup a container runs in (cgroupfs driver): <CgroupParent or /kapsel>/<id>, as moby's
 * WithCgroups joins them. runc takes a relative parent below its own cgroup, which is
 * kapseld's: the path is made absolute here so that stats read the same place runc wrote.
 */
export function cgroupPathOf(id: string, cgroupParent: string | undefined, selfCgroup = ownCgroup): string {
  const parent = cgroupParent || DEFAULT_PARENT;
  return posix.join(parent.startsWith("/") ? parent : posix.join(selfCgroup(), parent), id);
}

/** kapseld's own cgroup: its memory hierarchy's on cgroup v1, the unified one on v2 */
function ownCgroup(): string {
  let text = "";
  try {
    text = readFileSync("/proc/self/cgroup", "utf8");
  } catch {
    return "/";
  }
  const lines = parseProcCgroup(text);
  const memory = lines.find((l) => l.controllers.includes("memory"));
  const unified = lines.find((l) => l.unified);
  return (memory ?? unified)?.path || "/";
}
