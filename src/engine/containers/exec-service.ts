import { conflict, invalid, KapselError, messageOf, notFound } from "../../lib/errors.ts";
import { newId } from "../../lib/ids.ts";
import type { EventBus } from "../events/index.ts";
import type { ExecTask, ProcessSpec, Runtime } from "../runtime/index.ts";
import { execProcessSpec } from "../runtime/index.ts";
import type { Storage } from "../storage/index.ts";
import { type ContainerService, restartingError } from "./container-service.ts";
import { HealthMonitor } from "./health.ts";
import type { ContainerRecord } from "./model.ts";
import { resolveUser } from "./user.ts";

/** POST /containers/{id}/exec body, Docker's shape. */
export interface ExecConfig {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  DetachKeys?: string;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Privileged?: boolean;
  User?: string;
  WorkingDir?: string;
}

export interface ExecRecord {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  exitCode: number | null;
  pid: number;
  task?: ExecTask;
  started: boolean;
}

/**
 * Exec sessions: kept in memory like Docker's (they don't survive a daemon restart). A
 * finished session is forgotten a while after it ends, or when its container goes away.
 */
export class ExecService {
  #execs = new Map<string, ExecRecord>();
  #deps: { containers: ContainerService; runtime: Runtime; events: EventBus; storage: Storage };

  constructor(deps: { containers: ContainerService; runtime: Runtime; events: EventBus; storage: Storage }) {
    this.#deps = deps;
    // health probes are execs: the monitor lives with them and follows the containers' events
    new HealthMonitor({ containers: deps.containers, execs: this, events: deps.events });
  }

  /** Docker's ExecIDs: sessions created and not yet started, or running (an ended one stays inspectable only). */
  idsFor(containerId: string): string[] {
    return [...this.#execs.values()]
      .filter((e) => e.containerId === containerId && (e.running || !e.started))
      .map((e) => e.id);
  }

  create(ref: string, config: ExecConfig): { Id: string } {
    const rec = this.#deps.containers.store.get(ref);
    if (!config || typeof config !== "object") throw invalid("invalid JSON: expected an object");
    if (!Array.isArray(config.Cmd) || config.Cmd.length === 0) throw invalid("No exec command specified");
    this.#checkRunning(rec, ref);
    this.#deps.runtime.execComing(rec.id);
    const id = newId();
    this.#execs.set(id, {
      id,
      containerId: rec.id,
      config,
      running: false,
      exitCode: null,
      pid: 0,
      started: false,
    });
    this.#event(rec, `exec_create: ${config.Cmd.join(" ")}`, id);
    return { Id: id };
  }

  /** Docker's refusals, with its wording (the paused one names the container as the user did). */
  #checkRunning(rec: ContainerRecord, ref = rec.id): void {
    if (!rec.state.Running) throw conflict(`container ${rec.id} is not running`);
    if (rec.state.Paused) throw conflict(`Container ${ref} is paused, unpause the container before exec`);
    if (rec.state.Restarting) throw restartingError(rec);
  }

  #event(rec: ContainerRecord, action: string, execId: string, extra: Record<string, string> = {}): void {
    this.#deps.events.publish("container", action, rec.id, {
      ...rec.config.Labels,
      image: rec.image,
      name: rec.name,
      execID: execId,
      ...extra,
    });
  }

  get(id: string): ExecRecord {
    const e = this.#execs.get(id);
    if (!e) throw notFound(`No such exec instance: ${id}`);
    return e;
  }

  /**
   * Starts the process; the caller pumps `task` (output, stdin) unless detached. When the
   * process cannot start, the exec gets Docker's exit code (127 command not found, 126 not
   * executable or a bad user, 128 otherwise) and the error says why. Whether the process gets
   * a terminal is the create request's Tty, as in moby: the start request's Tty only decides
   * how the API frames the output.
   */
  async start(
    id: string,
    o: { detach: boolean; consoleSize?: [number, number] | null },
  ): Promise<{ exec: ExecRecord; task: ExecTask }> {
    const e = this.get(id);
    if (e.started)
      throw conflict(
        e.running ? `exec command ${id} is already running` : `exec command ${id} has already run`,
      );
    const rec = this.#deps.containers.store.get(e.containerId);
    this.#checkRunning(rec);
    e.started = true;
    this.#event(rec, `exec_start: ${(e.config.Cmd ?? []).join(" ")}`, id);
    const tty = e.config.Tty === true;
    let process: ProcessSpec;
    try {
      process = await this.#processSpec(rec, e.config, tty, o.consoleSize ?? e.config.ConsoleSize);
    } catch (err) {
      e.exitCode = 126;
      this.#forgetLater(e);
      throw err;
    }
    let task: ExecTask;
    try {
      task = await this.#deps.runtime.exec(rec.id, {
        process,
        tty,
        stdin: !o.detach && e.config.AttachStdin === true,
        detach: o.detach,
      });
    } catch (err) {
      const msg = messageOf(err);
      e.exitCode = execFailureCode(msg);
      this.#forgetLater(e);
      // the words Docker's users see (containerd's), around runc's reason
      throw new KapselError(
        e.exitCode === 128 ? "internal" : "invalid",
        `OCI runtime exec failed: ${msg}: unknown`,
        {
          cause: err,
        },
      );
    }
    e.task = task;
    e.pid = task.pid;
    e.running = true;
    void task
      .wait()
      .then((code) => {
        e.exitCode = code;
      })
      .catch(() => {
        e.exitCode = 126;
      })
      .finally(() => {
        e.running = false;
        e.task = undefined; // its pipes and buffers go; inspect keeps the exit code and pid
        this.#event(rec, "exec_die", id, { exitCode: String(e.exitCode) });
        this.#forgetLater(e);
      });
    return { exec: e, task };
  }

  async #processSpec(
    rec: ContainerRecord,
    config: ExecConfig,
    tty: boolean,
    consoleSize?: [number, number] | null,
  ): Promise<ProcessSpec> {
    const spec = await this.#deps.runtime.spec(rec.id);
    const base = spec.process as ProcessSpec;
    let user: { uid: number; gid: number; additionalGids?: number[] } | undefined;
    if (config.User) {
      const rootfs = await this.#deps.storage.mount(rec.id);
      const u = resolveUser(rootfs, config.User);
      user = { uid: u.uid, gid: u.gid, additionalGids: u.additionalGids };
    }
    if (config.WorkingDir && !config.WorkingDir.startsWith("/"))
      throw invalid(
        `the working directory '${config.WorkingDir}' is invalid, it needs to be an absolute path`,
      );
    // Docker's ReplaceOrAppendEnvValues: a bare NAME unsets NAME for the exec
    const env = config.Env ?? [];
    const unset = new Set(env.filter((e) => !e.includes("=")));
    const baseEnv = (base.env ?? []).filter((e) => !unset.has(e.slice(0, e.indexOf("="))));
    return execProcessSpec(
      { ...base, env: baseEnv },
      {
        args: config.Cmd ?? [],
        env: env.filter((e) => e.includes("=")),
        user,
        cwd: config.WorkingDir || undefined,
        tty,
        consoleSize:
          consoleSize && consoleSize[0] > 0 ? { height: consoleSize[0], width: consoleSize[1] } : undefined,
        privileged: config.Privileged === true,
      },
    );
  }

  #forgetLater(e: ExecRecord): void {
    setTimeout(() => this.#execs.delete(e.id), 5 * 60_000).unref();
  }

  async resize(id: string, h: number, w: number): Promise<void> {
    const e = this.get(id);
    if (!e.task) throw conflict(`Exec ${id} is not running`);
    await e.task.resize(h, w);
  }

  inspect(id: string) {
    const e = this.get(id);
    const cmd = e.config.Cmd ?? [];
    return {
      CanRemove: false,
      ContainerID: e.containerId,
      DetachKeys: e.config.DetachKeys ?? "",
      ExitCode: e.exitCode,
      ID: e.id,
      OpenStderr: e.config.AttachStderr === true,
      OpenStdin: e.config.AttachStdin === true,
      OpenStdout: e.config.AttachStdout === true,
      ProcessConfig: {
        arguments: cmd.slice(1),
        entrypoint: cmd[0],
        privileged: e.config.Privileged === true,
        tty: e.config.Tty === true,
        // ExecProcessConfig.User is omitempty
        ...(e.config.User ? { user: e.config.User } : {}),
      },
      Running: e.running,
      Pid: e.pid,
    };
  }
}

/** moby's setExitCodeFromError: the exit code of an exec whose process could not start. */
function execFailureCode(message: string): number {
  const m = message.toLowerCase();
  if (m.includes("permission denied") || m.includes("is a directory")) return 126;
  const notFound = [
    "not a directory",
    "executable file not found",
    "no such file or directory",
    "system cannot find the file specified",
    "failed to run runc create/exec call",
  ];
  return notFound.some((x) => m.includes(x)) ? 127 : 128;
}
