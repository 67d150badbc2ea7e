import { closeSync, openSync, readFileSync, write } from "node:fs";
import { parseProcCgroup } from "../../lib/proc-cgroup.ts";

/**
 * Starts the kernel's wait for a cgroup migration early, so that runc does not sit it out.
 *
 * Every write to a cgroup.procs file takes the kernel's cgroup migration lock
 * (cgroup_threadgroup_rwsem). The first writer after a quiet spell first waits out an RCU grace
 * period, about 8 ms on these machines; writers within the next grace period or so pass at once.
 * runc's write of its init pid comes some 10 ms after kapseld launches conmon, so each start
 * waited those 8 ms in line. Writing kapseld's own pid to the cgroup it is already in (a
 * migration that moves nothing) as the launch begins runs the wait beside conmon's and runc's
 * start-up instead: `docker run` is about 8 ms faster. An exec's process joins the container's
 * cgroups the same way; warming up when the exec is created (the client starts it a round trip
 * later) takes about 3 ms off `docker exec`. Hosts that mount cgroups with favordynmods have no
 * such wait, and the write costs microseconds there.
 *
 * Runs on libuv's thread pool and never delays the caller. Where the write cannot be made (no
 * cgroupfs, a read-only one), kapseld stops trying.
 */
export function warmUpCgroupMigration(): void {
  // one write in flight is enough: it opens the window for every start behind it, and more would
  // only hold more of the thread pool's four threads in the same wait
  if (!enabled || inFlight) return;
  try {
    // read at each start: an administrator may have moved kapseld since the last one
    const file = ownProcsFile(readFileSync("/proc/self/cgroup", "utf8"));
    if (!file) throw new Error("no cgroup to write");
    if (procs?.file !== file) {
      // the write must move nothing: the file must be that of the cgroup kapseld is in (a
      // cgroup namespace that /sys/fs/cgroup does not match would make it another one)
      if (!listsPid(readFileSync(file, "utf8"), process.pid))
        throw new Error(`${file} does not list kapseld`);
      const fd = openSync(file, "w");
      if (procs) closeSync(procs.fd);
      procs = { file, fd };
    }
    // one trip to the thread pool: the sooner the wait begins, the more of it is hidden
    inFlight = true;
    write(procs.fd, String(process.pid), 0, (err) => {
      inFlight = false;
      if (err) stop();
    });
  } catch {
    stop();
  }
}

let enabled = true;
let inFlight = false;
let procs: { file: string; fd: number } | undefined;

function stop(): void {
  enabled = false;
  if (procs) closeSync(procs.fd);
  procs = undefined;
}

/**
 * The cgroup.procs file of the cgroup this process is in, from /proc/self/cgroup's text: a v1
 * hierarchy's where there is one (v1 has no rule against processes in inner cgroups), else the
 * unified hierarchy's, at /sys/fs/cgroup/unified on a hybrid host and /sys/fs/cgroup on v2.
 */
export function ownProcsFile(procSelfCgroup: string, root = "/sys/fs/cgroup"): string | undefined {
  const lines = parseProcCgroup(procSelfCgroup);
  const pids = lines.find((l) => l.controllers.includes("pids"));
  if (pids) return `${root}/pids${trimSlash(pids.path)}/cgroup.procs`;
  const unified = lines.find((l) => l.unified);
  if (!unified) return undefined;
  const hybrid = lines.length > 1;
  return `${root}${hybrid ? "/unified" : ""}${trimSlash(unified.path)}/cgroup.procs`;
}

/** Whether a cgroup.procs text (one pid a line) lists `pid`. */
export function listsPid(procs: string, pid: number): boolean {
  return procs.split("\n").includes(String(pid));
}

function trimSlash(path: string): string {
  return path === "/" ? "" : path;
}
