import { setTimeout as sleep } from "node:timers/promises";
import { messageOf } from "../../lib/errors.ts";
import type { EventBus } from "../events/index.ts";
import type { ContainerService } from "./container-service.ts";
import type { ExecService } from "./exec-service.ts";
import type { ContainerRecord, HealthState } from "./model.ts";

/** moby's daemon/health.go defaults and limits */
const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_START_INTERVAL_MS = 5_000;
const DEFAULT_RETRIES = 3;
const MAX_LOG_ENTRIES = 5;
const MAX_OUTPUT = 4096;

interface HealthConfig {
  Test?: string[] | null;
  /** durations in nanoseconds; 0 means the default */
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/**
 * Docker's health checks (moby daemon/health.go): while a container with a healthcheck runs
 * (and is not paused), its test runs as an exec every interval; State.Health keeps the status
 * ("starting", "healthy", "unhealthy"), the failing streak and the last five results, and a
 * change of status is a "health_status: <status>" event. Failures inside the start period do
 * not count until a first success. Driven by the container's own events (start, die, pause,
 * unpause, destroy), so the lifecycle code needs no hooks.
 */
export class HealthMonitor {
  #monitors = new Map<string, AbortController>();
  #deps: { containers: ContainerService; execs: ExecService; events: EventBus };

  constructor(deps: { containers: ContainerService; execs: ExecService; events: EventBus }) {
    this.#deps = deps;
    deps.events.subscribe((e) => {
      if (e.Type !== "container") return;
      const action = e.Action;
      if (action === "start") this.#reset(e.Actor.ID);
      else if (action === "unpause") this.#watch(e.Actor.ID);
      else if (action === "die" || action === "pause" || action === "destroy") this.#stop(e.Actor.ID);
    });
    // containers an earlier daemon left running keep being checked
    for (const rec of deps.containers.store.all()) {
      if (rec.state.Running && !rec.state.Paused && probeOf(rec)) this.#watch(rec.id);
    }
  }

  /** (re)started: status "starting" and a zero streak, the log kept (as moby's initHealthMonitor) */
  #reset(id: string): void {
    const rec = this.#deps.containers.store.find(id);
    if (!rec || !probeOf(rec)) return;
    this.#stop(id);
    rec.state.Health = { Status: "starting", FailingStreak: 0, Log: rec.state.Health?.Log ?? [] };
    void this.#deps.containers.store.save(rec).catch(() => {});
    this.#watch(id);
  }

  #watch(id: string): void {
    const rec = this.#deps.containers.store.find(id);
    if (!rec || !probeOf(rec) || this.#monitors.has(id)) return;
    rec.state.Health ??= { Status: "starting", FailingStreak: 0, Log: [] };
    const abort = new AbortController();
    this.#monitors.set(id, abort);
    void this.#loop(rec, abort.signal).catch(() => {});
  }

  #stop(id: string): void {
    this.#monitors.get(id)?.abort();
    this.#monitors.delete(id);
  }

  async #loop(rec: ContainerRecord, signal: AbortSignal): Promise<void> {
    const hc = rec.config.Healthcheck as HealthConfig;
    const startPeriod = ms(hc.StartPeriod, 0);
    while (!signal.aborted) {
      // the record of now (a daemon restart may find the container gone or stopped)
      const cur = this.#deps.containers.store.find(rec.id);
      if (!cur?.state.Running || cur.state.Paused) {
        this.#stop(rec.id);
        return;
      }
      rec = cur;
      const inStartPeriod =
        rec.state.Health?.Status === "starting" && Date.now() - Date.parse(rec.state.StartedAt) < startPeriod;
      const wait = inStartPeriod
        ? ms(hc.StartInterval, DEFAULT_START_INTERVAL_MS)
        : ms(hc.Interval, DEFAULT_INTERVAL_MS);
      await sleep(wait, undefined, { signal, ref: false });
      const start = new Date();
      if (signal.aborted) return;
      const result = await this.#probe(rec, hc, signal);
      if (signal.aborted) return;
      this.#record(rec, hc, { Start: start.toISOString(), ...result });
    }
  }

  /** one run of the test, as an exec (it shows in events as Docker's probes do) */
  async #probe(
    rec: ContainerRecord,
    hc: HealthConfig,
    signal: AbortSignal,
  ): Promise<{ End: string; ExitCode: number; Output: string }> {
    const timeout = ms(hc.Timeout, DEFAULT_TIMEOUT_MS);
    const end = (ExitCode: number, Output: string) => ({ End: new Date().toISOString(), ExitCode, Output });
    let task: Awaited<ReturnType<ExecService["start"]>>["task"];
    try {
      const { Id } = this.#deps.execs.create(rec.id, {
        Cmd: probeOf(rec),
        AttachStdout: true,
        AttachStderr: true,
        User: rec.config.User,
        WorkingDir: rec.config.WorkingDir,
      });
      ({ task } = await this.#deps.execs.start(Id, { detach: false }));
    } catch (err) {
      return end(-1, messageOf(err));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    const read = (async () => {
      for await (const frame of task.output) {
        const room = MAX_OUTPUT - size;
        if (frame.data.length > room) truncated = true;
        if (room > 0) {
          chunks.push(frame.data.subarray(0, room));
          size += Math.min(room, frame.data.length);
        }
      }
      return task.wait();
    })();
    const timer = new AbortController();
    const expired = sleep(timeout, "timeout", { signal: AbortSignal.any([signal, timer.signal]) }).catch(
      () => "stopped",
    );
    const outcome = await Promise.race([read.catch(() => -1), expired]);
    timer.abort();
    if (typeof outcome !== "number") {
      try {
        task.kill("SIGKILL");
      } catch {}
      await read.catch(() => {});
      return end(-1, `Health check exceeded timeout (${formatDuration(timeout)})`);
    }
    return end(outcome, Buffer.concat(chunks).toString("utf8") + (truncated ? "..." : ""));
  }

  /** moby's handleProbeResult */
  #record(rec: ContainerRecord, hc: HealthConfig, result: HealthState["Log"][number]): void {
    const h: HealthState = rec.state.Health ?? { Status: "starting", FailingStreak: 0, Log: [] };
    const before = h.Status;
    h.Log = [...h.Log, result].slice(-MAX_LOG_ENTRIES);
    if (result.ExitCode === 0) {
      h.FailingStreak = 0;
      h.Status = "healthy";
    } else {
      // until a first success, failures inside the start period do not count
      const sinceStart = Date.parse(result.Start) - Date.parse(rec.state.StartedAt);
      if (!(h.Status === "starting" && sinceStart < ms(hc.StartPeriod, 0))) {
        h.FailingStreak++;
        if (h.FailingStreak >= (hc.Retries && hc.Retries > 0 ? hc.Retries : DEFAULT_RETRIES))
          h.Status = "unhealthy";
      }
    }
    rec.state.Health = h;
    void this.#deps.containers.store.save(rec).catch(() => {});
    if (h.Status !== before) {
      this.#deps.events.publish("container", `health_status: ${h.Status}`, rec.id, {
        ...rec.config.Labels,
        image: rec.image,
        name: rec.name,
      });
    }
  }
}

/** The probe's command, or undefined without a healthcheck (none, NONE, or an unknown type). */
function probeOf(rec: ContainerRecord): string[] | undefined {
  const test = (rec.config.Healthcheck as HealthConfig | undefined)?.Test;
  if (!test || test.length === 0) return undefined;
  if (test[0] === "CMD" && test.length > 1) return test.slice(1);
  if (test[0] === "CMD-SHELL" && test.length > 1) {
    const shell = rec.config.Shell && rec.config.Shell.length > 0 ? rec.config.Shell : ["/bin/sh", "-c"];
    return [...shell, ...test.slice(1)];
  }
  return undefined;
}

function ms(ns: number | undefined, fallback: number): number {
  return ns && ns > 0 ? Math.max(1, Math.round(ns / 1e6)) : fallback;
}

/** Go's time.Duration String for whole milliseconds: "30s", "1.5s", "500ms", "1m0s" */
function formatDuration(msValue: number): string {
  if (msValue < 1000) return `${msValue}ms`;
  const s = msValue / 1000;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return `${m}m${s - m * 60}s`;
}
