/**
 * Runs at most `n` tasks at once, in the order they were queued. `onWait` is called for a
 * task that has to wait for a slot (Docker shows such a layer as "Waiting").
 */
export class Limiter {
  readonly #n: number;
  #running = 0;
  readonly #queue: Array<() => void> = [];

  constructor(n: number) {
    this.#n = n;
  }

  async run<T>(task: () => Promise<T>, onWait?: () => void): Promise<T> {
    if (this.#running >= this.#n) {
      onWait?.();
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else this.#running++;
    try {
      return await task();
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
