/**
 * Who is waiting for what on a container: `wait` with Docker's conditions, and attach requests
 * made before the container started (they must connect between runtime create and start so
 * that no early output is lost).
 */
export type WaitCondition = "not-running" | "next-exit" | "removed";

export interface WaitResult {
  StatusCode: number;
  Error?: { Message: string } | null;
}

interface Waiter {
  condition: WaitCondition;
  resolve: (r: WaitResult) => void;
}

export class Waiters {
  #waiting = new Map<string, Set<Waiter>>();

  add(id: string, condition: WaitCondition, signal?: AbortSignal): Promise<WaitResult> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { condition, resolve };
      let set = this.#waiting.get(id);
      if (!set) this.#waiting.set(id, (set = new Set()));
      set.add(waiter);
      signal?.addEventListener("abort", () => {
        set.delete(waiter);
        reject(signal.reason);
      });
    });
  }

  /** The container stopped: resolves not-running and next-exit waiters. */
  exited(id: string, exitCode: number, error = ""): void {
    this.#settle(id, (w) => w.condition !== "removed", exitCode, error);
  }

  /** The container is gone: resolves everyone. */
  removed(id: string, exitCode: number): void {
    this.#settle(id, () => true, exitCode, "");
    this.#waiting.delete(id);
  }

  #settle(id: string, which: (w: Waiter) => boolean, exitCode: number, error: string): void {
    const set = this.#waiting.get(id);
    if (!set) return;
    for (const w of [...set]) {
      if (!which(w)) continue;
      set.delete(w);
      w.resolve({ StatusCode: exitCode, Error: error ? { Message: error } : null });
    }
  }
}
