import { existsSync, readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * A container's status read the way `runc state` computes it (libcontainer's refreshState),
 * without spawning runc: state.json names the init pid and its start time; a live init with
 * exec.fifo still present is "created"; a frozen freezer cgroup is "paused". Saves a process
 * spawn (~5 ms) on every inspect, kill and exit check. Tied to runc's state layout (stable
 * since runc 1.0); `undefined` when there is no state.json to read.
 */
export type TaskStatus = "created" | "running" | "paused" | "stopped";

export interface RuncState {
  pid: number;
  startTime: number;
  cgroupPaths: Record<string, string>;
}

export async function readRuncState(runcRoot: string, id: string): Promise<RuncState | undefined> {
  let raw: string;
  try {
    raw = await readFile(join(runcRoot, id, "state.json"), "utf8");
  } catch {
    return undefined;
  }
  // state.json repeats the whole config; only three fields matter here
  const state = JSON.parse(raw) as {
    init_process_pid?: number;
    init_process_start?: number | string;
    cgroup_paths?: Record<string, string>;
  };
  return {
    pid: state.init_process_pid ?? 0,
    startTime: Number(state.init_process_start ?? 0),
    cgroupPaths: state.cgroup_paths ?? {},
  };
}

/** Whether `pid` is alive (not a zombie) and is the process started at `startTime` (clock ticks). */
export async function isProcessAlive(pid: number, startTime?: number): Promise<boolean> {
  if (pid <= 0) return false;
  let stat: string;
  try {
    // a small procfs read done in place: four trips to the thread pool would cost more
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  // fields after the parenthesised command name: state is field 3, starttime field 22
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  if (fields[0] === "Z" || fields[0] === "X" || fields[0] === "x") return false;
  return startTime === undefined || Number(fields[19]) === startTime;
}

export async function taskStatus(
  runcRoot: string,
  id: string,
): Promise<{ status: TaskStatus; pid: number } | undefined> {
  const state = await readRuncState(runcRoot, id);
  if (!state) return undefined;
  if (!(await isProcessAlive(state.pid, state.startTime))) return { status: "stopped", pid: 0 };
  if (await isFrozen(state.cgroupPaths)) return { status: "paused", pid: state.pid };
  if (existsSync(join(runcRoot, id, "exec.fifo"))) return { status: "created", pid: state.pid };
  return { status: "running", pid: state.pid };
}

async function isFrozen(paths: Record<string, string>): Promise<boolean> {
  try {
    if (paths.freezer)
      return (await readFile(join(paths.freezer, "freezer.state"), "utf8")).trim() === "FROZEN";
    // cgroup v2: the unified path is keyed "" in state.json
    if (paths[""]) return (await readFile(join(paths[""], "cgroup.freeze"), "utf8")).trim() === "1";
  } catch {
    // no freezer: cannot be paused
  }
  return false;
}

/** Every pid in the container's cgroup (and its children), as `runc ps` lists them. */
export async function cgroupPids(paths: Record<string, string>): Promise<number[]> {
  const dir =
    paths.pids ?? paths.freezer ?? paths.memory ?? paths.devices ?? paths[""] ?? Object.values(paths)[0];
  if (!dir) return [];
  const pids: number[] = [];
  const walk = async (d: string) => {
    let text: string;
    try {
      text = await readFile(join(d, "cgroup.procs"), "utf8");
    } catch {
      return;
    }
    for (const line of text.split("\n")) if (line) pids.push(Number(line));
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(d, e.name));
    }
  };
  await walk(dir);
  return pids;
}

/**
 * Waits (at most `limit` ms) until a just-started container's init has exec'd the user's
 * program. runc's init writes exec.fifo's byte a moment before its execve, and until then it
 * is runc's Go process, which a SIGTERM ends at once (exit 2) where the program itself might
 * ignore or handle it: a `docker stop` right after `docker run -d` must reach the program.
 */
export async function untilExeced(pid: number, limit = 1000): Promise<void> {
  const deadline = Date.now() + limit;
  while (Date.now() < deadline) {
    const comm = await readFile(`/proc/${pid}/comm`, "utf8").catch(() => "");
    if (!comm.startsWith("runc:[2:INIT]")) return;
    await new Promise((r) => setTimeout(r, 1));
  }
}
