/**
 * An async-iterable queue of output frames fed by event callbacks (pipes, the attach socket).
 * One consumer. `onPressure(true)` fires when more than `highWater` bytes wait unread and
 * `onPressure(false)` once they are drained, so pipe sources can pause; the attach socket
 * cannot pause (node-unix-socket has no flow control), so its frames just queue.
 */
export interface OutputFrame {
  stream: "stdout" | "stderr";
  data: Buffer;
}

export class FrameQueue implements AsyncIterable<OutputFrame> {
  #frames: OutputFrame[] = [];
  #bytes = 0;
  #ended = false;
  #error: unknown;
  #wake: (() => void) | undefined;
  #pressured = false;
  #highWater: number;
  #onPressure: ((on: boolean) => void) | undefined;

  constructor(opts: { highWater?: number; onPressure?: (on: boolean) => void } = {}) {
    this.#highWater = opts.highWater ?? 1 << 20;
    this.#onPressure = opts.onPressure;
  }

  push(frame: OutputFrame): void {
    if (this.#ended || frame.data.length === 0) return;
    this.#frames.push(frame);
    this.#bytes += frame.data.length;
    if (!this.#pressured && this.#bytes > this.#highWater && this.#onPressure) {
      this.#pressured = true;
      this.#onPressure(true);
    }
    this.#notify();
  }

  /** No more frames; the consumer sees the end after the queued ones. Idempotent. */
  end(error?: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#notify();
  }

  get ended(): boolean {
    return this.#ended;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<OutputFrame> {
    for (;;) {
      const frame = this.#frames.shift();
      if (frame) {
        this.#bytes -= frame.data.length;
        if (this.#pressured && this.#bytes <= this.#highWater / 2) {
          this.#pressured = false;
          this.#onPressure?.(false);
        }
        yield frame;
        continue;
      }
      if (this.#ended) {
        if (this.#error) throw this.#error;
        return;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }
}
