import { type AttachConnection, type AttachSession, openAttachSocket } from "./attach-socket.ts";
import { FrameQueue } from "./frame-queue.ts";

/**
 * All attach sessions of one container over ONE connection to conmon's attach socket.
 *
 * Why one: conmon 2.1.6 closes a `-i` container's stdin (unless --leave-stdin-open) as soon as
 * any connection reaches EOF. With a connection per client, an `attach --no-stdin` that left
 * closed the stdin of the `run -i` session beside it. Docker closes stdin only when a client
 * that carries stdin ends it (StdinOnce); so here only `closeStdin()` half-closes the shared
 * connection, and leaving sessions never disconnect it while that could still close stdin.
 *
 * Output is fanned out to every session (the same buffers, not copies). The connection goes
 * when conmon closes it (the container exited), on `end()`, or when the last session leaves
 * and disconnecting can no longer change the container's stdin.
 */
export class AttachHub {
  #conn!: AttachConnection;
  #sessions = new Set<FrameQueue>();
  /** conmon closes the container's stdin on EOF: stdin && stdinOnce && no tty */
  #closesStdinOnEof: boolean;
  #stdinClosed = false;
  #ended = false;
  #onEnd: () => void;
  #whenEnded = Promise.withResolvers<void>();

  private constructor(closesStdinOnEof: boolean, onEnd: () => void) {
    this.#closesStdinOnEof = closesStdinOnEof;
    this.#onEnd = onEnd;
  }

  /** Connects to `<dir>/attach`; throws conflict when conmon is gone. `onEnd` fires once. */
  static async open(dir: string, closesStdinOnEof: boolean, onEnd: () => void): Promise<AttachHub> {
    const hub = new AttachHub(closesStdinOnEof, onEnd);
    hub.#conn = await openAttachSocket(
      dir,
      (frame) => {
        for (const q of hub.#sessions) q.push(frame);
      },
      () => hub.#finish(),
    );
    return hub;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Settles when the connection has gone, after the last output conmon sent was handed on. */
  untilEnded(): Promise<void> {
    return this.#whenEnded.promise;
  }

  /** A new session: output from now on, input into the shared connection. */
  session(): AttachSession {
    const output = new FrameQueue();
    if (this.#ended) output.end();
    else this.#sessions.add(output);
    let closed = false;
    return {
      output,
      write: (data) => (closed || this.#stdinClosed ? true : this.#conn.write(data)),
      drained: () => this.#conn.drained(),
      closeStdin: () => {
        // without stdin-once conmon would not close stdin but would stop taking input from
        // this connection, which later sessions still need: nothing to do then
        if (closed || this.#stdinClosed || !this.#closesStdinOnEof) return;
        this.#stdinClosed = true;
        this.#conn.shutdownWrite();
      },
      close: () => {
        if (closed) return;
        closed = true;
        this.#sessions.delete(output);
        output.end();
        // an EOF would close a stdin-once container's stdin that no client has ended
        const disconnectIsHarmless = !this.#closesStdinOnEof || this.#stdinClosed;
        if (this.#sessions.size === 0 && disconnectIsHarmless) this.end();
      },
    };
  }

  /** Disconnects; every session's output ends. Idempotent. */
  end(): void {
    this.#conn.destroy();
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const q of this.#sessions) q.end();
    this.#sessions.clear();
    this.#onEnd();
    this.#whenEnded.resolve();
  }
}
