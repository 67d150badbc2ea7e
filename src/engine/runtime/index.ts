/**
 * runtime: what runs a container's processes. Each container is an OCI bundle run by runc
 * (or another runc-compatible runtime) under a conmon monitor, so its process, output, log and
 * exit code survive a restart or crash of the daemon; a new Runtime pointed at the same
 * `stateDir` finds them all again. It owns nothing about names, images or configuration
 * (the containers domain's), only the live tasks.
 *
 * Layout under `stateDir` (under the daemon's exec root, e.g. /run/kapsel/runtime):
 *
 *   runc/                     runc --root: runc's own per-container state (state.json, exec.fifo)
 *   exits/<id>                conmon --exit-dir: exit code as text; its mtime is the finish time
 *   sock/                     conmon --socket-dir-path (unused with --full-attach; must exist)
 *   containers/<id>/          conmon --persist-dir (exit, oom), conmon.pid, pid (container pid),
 *                             the bundle (config.json, conmon's attach socket and ctl/winsz
 *                             fifos) or, when the caller gave a bundle folder, bundle -> it;
 *                             stdin-once (marker: conmon closes the container's stdin at an
 *                             attach EOF)
 *   containers/<id>/exec/<n>/ one exec session under conmon or runc: process.json, pid, runc.log,
 *                             conmon's files (an exec in the host helper needs none)
 *
 * A bundle folder the caller gives belongs to the caller; the runtime writes config.json there,
 * and conmon its `attach` socket and `ctl`/`winsz` fifos, all removed by `delete`. Cgroups are created by
 * runc at `spec.linux.cgroupsPath` (default `<cgroupParent>/<id>`, cgroupfs driver).
 *
 * It also owns the daemon's host helper (host-helper.ts): one small long-lived process that
 * makes the mount(2), umount2(2) and network-namespace calls of a container's start and exit,
 * runs `ip` for the network domain, starts conmon, and runs `exec` processes without runc
 * (exec-native.ts: runc's setns steps, for the cases they cover), so none of those costs a
 * fork of kapseld.
 */
import type { AttachSession } from "./attach-socket.ts";
import { ConmonRuntime } from "./conmon-runtime.ts";
import type { ExecOptions, ExecTask } from "./exec.ts";
import type { OciSpec } from "./oci-spec.ts";
import type { ResourcesInput } from "./spec.ts";

export { parseSignal } from "../../lib/signals.ts";
export type { AttachSession } from "./attach-socket.ts";
export type { ExecOptions, ExecTask } from "./exec.ts";
export type { OutputFrame } from "./frame-queue.ts";
export { hostHasSeccomp } from "./host-facts.ts";
// the host-side syscalls of a start and an exit (mount, netns, ip), for storage and network too
export { HostCallError, type HostHelper, hostHelper, MS_BIND } from "./host-helper.ts";
export type * from "./oci-spec.ts";
export { parseSeccompProfile, type SeccompProfile } from "./seccomp-profile.ts";
export type {
  DeviceInput,
  ExecProcessInput,
  MountInput,
  NamespaceChoice,
  ResourcesInput,
  SpecInput,
} from "./spec.ts";
export { buildSpec, execProcessSpec, serializeSpec, updateFlags } from "./spec.ts";
export { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS } from "./spec-defaults.ts";

export interface RuntimeOptions {
  /** Runtime state folder, under the daemon's exec root, e.g. <exec-root>/runtime. Created if missing. */
  stateDir: string;
  /** default "runc" on PATH; /usr/sbin/runc here */
  runtimePath?: string;
  /** default "conmon" on PATH */
  conmonPath?: string;
  /** a label for errors and `info` (default: the runtime binary's name) */
  runtimeName?: string;
  /** conmon's --log-level: "error" (default), "warning", "info", "debug" */
  logLevel?: string;
  /** parent of default cgroups paths (spec without linux.cgroupsPath): default "/kapsel" */
  cgroupParent?: string;
}

export interface TaskCreateOptions {
  /** container id: letters, digits, "_", ".", "-" (Docker's 64 hex digits fit) */
  id: string;
  /**
   * bundle folder; the runtime writes config.json there (spec.root.path may be relative to it).
   * Default: the container's folder under `stateDir` (runtime state, on the exec root's tmpfs).
   */
  bundle?: string;
  spec: OciSpec;
  /** conmon's k8s-file log (see src/engine/logs); "" for none (--log-driver none) */
  logPath: string;
  /** bytes the log may hold before conmon starts it anew (--log-opt max-size) */
  logSizeMax?: number;
  /** a pty for the process; overrides spec.process.terminal, which must agree with conmon */
  terminal: boolean;
  /** keep a stdin pipe (docker -i) */
  stdin: boolean;
  /** close the container's stdin when the first attach client half-closes or disconnects */
  stdinOnce: boolean;
}

export type TaskStatus = "created" | "running" | "paused" | "stopped";

export interface Runtime {
  /**
   * conmon + `runc create`; resolves when the container exists (status "created") with its
   * pid. Rejects with runc's own message (e.g. `runc create failed: unable to start container
   * process: exec: "foo": executable file not found in $PATH`; kind "invalid" for a missing or
   * unrunnable command, "conflict" when the id is taken) and leaves nothing behind.
   */
  create(o: TaskCreateOptions): Promise<{ pid: number }>;
  /** runs the created container's process. */
  start(id: string): Promise<void>;
  /**
   * Signals the container's init process (number, or name as `docker kill -s` takes it), or,
   * with `all`, every process in its cgroup. A paused container gets the signal on resume.
   * Throws conflict when it is not running, not_found when unknown.
   */
  kill(id: string, signal: number | string, all?: boolean): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** changes a running (or paused) container's cgroup limits; fields left out keep their value */
  update(id: string, resources: ResourcesInput): Promise<void>;
  /**
   * Removes runc's state (killing the container if it still runs), its cgroup, conmon's files
   * and the exit record, once conmon has gone. Idempotent: an unknown id is fine.
   */
  delete(id: string): Promise<void>;
  /** exit code and time if conmon recorded the exit, else undefined */
  exitStatus(id: string): Promise<{ exitCode: number; finishedAt: Date } | undefined>;
  /**
   * Resolves when the container's process has exited and conmon has recorded it (also for
   * containers an earlier daemon started). If conmon died without recording an exit and the
   * container is gone, records and returns exit code 255, as Docker does for a lost task.
   * Rejects with the signal's reason on abort, or not_found for an unknown id.
   */
  waitExit(id: string, signal?: AbortSignal): Promise<{ exitCode: number; finishedAt: Date }>;
  /**
   * The spec the container was created with (its config.json), held in memory; for a container
   * an earlier daemon created, read once. Throws not_found when the runtime has no such container.
   */
  spec(id: string): Promise<OciSpec>;
  /** as `runc state` computes it, without running runc; undefined when runc has no such container */
  state(id: string): Promise<{ status: TaskStatus; pid: number } | undefined>;
  /**
   * An attach session: output from now on (earlier output is in the log) and stdin. Sessions
   * of a container share one connection to conmon's attach socket, so one leaving never closes
   * the container's stdin; only `closeStdin()` does, for a stdin-once container (Docker's
   * StdinOnce). Attached between `create` and `start`, a session sees all the output. Output
   * a slow consumer has not taken waits in memory (no backpressure). Throws conflict when the
   * container's conmon is gone.
   */
  attach(id: string): Promise<AttachSession>;
  /** sets the pty size (rows, columns) through conmon's ctl fifo; ignored without a tty */
  resize(id: string, height: number, width: number): Promise<void>;
  /** runs an extra process; resolves once it runs, with its pid, or rejects with runc's message */
  exec(id: string, o: ExecOptions): Promise<ExecTask>;
  /** an exec is about to start (it was just created): begin what it will wait for, if anything */
  execComing(id: string): void;
  /** host pids of every process in the container's cgroup */
  pids(id: string): Promise<number[]>;
  /** ids of containers this runtime has state for (for start-up reconciliation) */
  list(): Promise<string[]>;
  /**
   * The binaries in use and their versions, for start-up checks and `kapsel info`. Throws
   * unavailable, naming the program, when one is missing or does not run.
   */
  info(): Promise<RuntimeInfo>;
  /** stops watching for exits (pending waits stay pending); containers keep running */
  close(): void;
}

export interface RuntimeInfo {
  runtimeName: string;
  runtimePath: string;
  /** e.g. "1.1.5+ds1" */
  runtimeVersion: string;
  conmonPath: string;
  /** e.g. "2.1.6" */
  conmonVersion: string;
}

export function createRuntime(opts: RuntimeOptions): Runtime {
  return new ConmonRuntime(opts);
}
