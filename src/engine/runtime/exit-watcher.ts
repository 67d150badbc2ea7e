import { type FSWatcher, readFileSync, statSync, watch } from "node:fs";
import { join } from "node:path";

/**
 * Container exits as conmon records them: `<exitDir>/<id>` holds the exit code as text (128+n
 * for a signal), written atomically (temp file + rename) when the process has ended and its
 * output is flushed to the log; the file's mtime is the finish time. One inotify watch on the
 * folder wakes every waiter, and a slow poll covers monitors that died without writing
 * (`orphanCheck`, which must be cheap: it runs every second for every running container), and
 * reads the files itself where inotify is missing. Works the same for containers an earlier daemon started.
 */
export interface ExitRecord {
  exitCode: number;
  finishedAt: Date;
}

interface Waiter {
  resolve: (r: ExitRecord) => void;
  reject: (e: unknown) => void;
}

export class ExitWatcher {
  #dir: string;
  #pollMs: number;
  #orphanCheck: (id: string) => Promise<ExitRecord | undefined>;
  #waiters = new Map<string, Set<Waiter>>();
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param orphanCheck called on each poll for each waited id without an exit file: returns a
   *   record when the container can no longer exit normally (its conmon is gone).
   */
  constructor(dir: string, orphanCheck: (id: string) => Promise<ExitRecord | undefined>, pollMs = 1000) {
    this.#dir = dir;
    this.#orphanCheck = orphanCheck;
    this.#pollMs = pollMs;
  }

  /** The recorded exit, or undefined while there is none. */
  async read(id: string): Promise<ExitRecord | undefined> {
    const path = join(this.#dir, id);
    try {
      // a few bytes, read in place: on the path from a container's exit to `run --rm` returning
      const text = readFileSync(path, "utf8");
      const st = statSync(path);
      const exitCode = Number.parseInt(text.trim(), 10);
      if (Number.isNaN(exitCode)) return undefined;
      return { exitCode, finishedAt: st.mtime };
    } catch {
      return undefined;
    }
  }

  wait(id: string, signal?: AbortSignal): Promise<ExitRecord> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<ExitRecord>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (r) => {
          cleanup();
          resolve(r);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      };
      const onAbort = () => waiter.reject(signal?.reason);
      const cleanup = () => {
        signal?.removeEventListener("abort", onAbort);
        const set = this.#waiters.get(id);
        set?.delete(waiter);
        if (set?.size === 0) this.#waiters.delete(id);
        if (this.#waiters.size === 0) this.#stop();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      let set = this.#waiters.get(id);
      if (!set) this.#waiters.set(id, (set = new Set()));
      set.add(waiter);
      this.#start();
      // checked after the watch is in place, so an exit between the two is not missed
      void this.#check(id);
    });
  }

  /**
   * The container's records are being removed: settle its waiters now with `rec`, or reject
   * them with `error` when it never exited (deleted while created).
   */
  settle(id: string, rec: ExitRecord | undefined, error: unknown): void {
    for (const w of [...(this.#waiters.get(id) ?? [])]) rec ? w.resolve(rec) : w.reject(error);
  }

  /** Stops watching; pending waits stay pending. */
  close(): void {
    this.#stop();
  }

  async #check(id: string, orphans = false): Promise<void> {
    if (!this.#waiters.has(id)) return;
    // with inotify in place the exit file is read on its event; the poll looks for orphans only
    let rec = orphans && this.#watcher ? undefined : await this.read(id);
    if (!rec && orphans) rec = await this.#orphanCheck(id).catch(() => undefined);
    if (!rec) return;
    for (const w of [...(this.#waiters.get(id) ?? [])]) w.resolve(rec);
  }

  #start(): void {
    if (!this.#watcher) {
      try {
        this.#watcher = watch(this.#dir, (_event, filename) => {
          if (filename === null) for (const id of this.#waiters.keys()) void this.#check(id);
          else if (this.#waiters.has(filename)) void this.#check(filename);
        });
        this.#watcher.on("error", () => this.#stopWatch());
      } catch {
        // no inotify: the poll below still finds exits
      }
    }
    this.#timer ??= setInterval(() => {
      for (const id of this.#waiters.keys()) void this.#check(id, true);
    }, this.#pollMs);
  }

  #stopWatch(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  #stop(): void {
    this.#stopWatch();
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
