import { closeSync, constants, openSync } from "node:fs";
import { createRequire, Module } from "node:module";
import { join } from "node:path";
import { conflict } from "../../lib/errors.ts";
import { FrameQueue, type OutputFrame } from "./frame-queue.ts";

/**
 * A connection to conmon's attach socket (`<bundle>/attach`, SOCK_SEQPACKET). Each message
 * conmon sends is one read of the container's output: first byte 2 = stdout, 3 = stderr (a tty
 * is all stdout), the rest is data. Each message we send goes to the container's stdin; conmon
 * reads at most 32 KiB - 1 per message (CONN_SOCK_BUF_SIZE in conmon 2.1.6), so writes are cut
 * to that. conmon closes the socket when the container exits, which ends `output`.
 *
 * conmon 2.1.6 (terminate_remote_sock) closes the container's stdin when ANY connection reaches
 * EOF, a half-close or a disconnect alike, unless it runs with --leave-stdin-open. That is why
 * a container's sessions share one connection (attach-hub.ts); exec sessions have their own.
 *
 * Output has no backpressure: node-unix-socket reads as fast as conmon writes and offers no
 * pause, so frames a slow client has not taken yet wait in memory (conmon's own blocking write
 * to us would otherwise have throttled the container). Input has: `write` says when enough
 * waits to be handed to the kernel that the sender should pause until `drained()`.
 */
export interface AttachSession {
  /** Output frames until the container exits or `close()`. One consumer. */
  output: AsyncIterable<OutputFrame>;
  /**
   * Sends to the container's stdin (or its tty). Ignored after close or closeStdin. false: more
   * than 1 MiB waits (the container reads slower than the client sends); pause until `drained()`.
   */
  write(data: Buffer): boolean;
  /** Resolves once less than 256 KiB of input waits, or the session ended. */
  drained(): Promise<void>;
  /**
   * Ends the container's stdin when conmon closes it on EOF (stdin && stdinOnce, no tty, as
   * Docker's StdinOnce); otherwise only this session's input ends. Output goes on.
   */
  closeStdin(): void;
  /** Disconnects; the container keeps running, its stdin stays open. Idempotent. */
  close(): void;
}

/** The raw connection, with callbacks, for one owner (a hub or an exec session). */
export interface AttachConnection {
  /** false when more than HIGH_WATER bytes wait to go to the kernel */
  write(data: Buffer): boolean;
  /** resolves once less than LOW_WATER bytes wait, or the connection ended */
  drained(): Promise<void>;
  /** shutdown(SHUT_WR): conmon sees EOF (and closes stdin unless --leave-stdin-open) */
  shutdownWrite(): void;
  /** Disconnects. Idempotent; `onEnd` fires. */
  destroy(): void;
}

/** conmon's frame tags: 2 = stdout (and a tty's output), 3 = stderr */
const STDERR = 3;
const MAX_MESSAGE = 32 * 1024 - 1;
const HIGH_WATER = 1 << 20;
const LOW_WATER = 256 * 1024;

type SeqpacketSocket = import("node-unix-socket").SeqpacketSocket;
type SeqpacketModule = Pick<typeof import("node-unix-socket"), "SeqpacketSocket">;
let seqpacket: SeqpacketModule | undefined;

/**
 * node-unix-socket's SeqpacketSocket, loaded without the package's index. Its loader
 * (js/addon.js) tells glibc from musl with process.report.getReport(), a whole diagnostic
 * report, and its index loads worker_threads: about 3 MB that kapseld would keep for good.
 * The glibc binding for this machine goes into the module cache in the loader's place; a
 * machine without it gets the package's own loader.
 */
function loadSeqpacket(): SeqpacketModule {
  const require = createRequire(import.meta.url);
  try {
    const loader = require.resolve("node-unix-socket/js/addon.js");
    if (!require.cache[loader]) {
      const binding = new Module(loader);
      binding.exports = require(`node-unix-socket-linux-${process.arch}-gnu`);
      binding.loaded = true;
      require.cache[loader] = binding;
    }
    return require("node-unix-socket/js/seqpacket.js") as SeqpacketModule;
  } catch {
    return require("node-unix-socket") as SeqpacketModule;
  }
}

/**
 * Connects to `<dir>/attach`. The path goes through /proc/self/fd/<dirfd>, as podman does, so
 * the 107-byte limit of unix socket paths never bites however deep `dir` is. Throws conflict
 * when conmon is gone. `onEnd` fires once: conmon closed (the container exited) or `destroy()`.
 *
 * Connecting before `runc start` loses no output: conmon's main loop dispatches its sources in
 * the order they were added, the listening socket's before the container's pipes, so a
 * pending connection is accepted before the first output is read.
 */
export async function openAttachSocket(
  dir: string,
  onFrame: (frame: OutputFrame) => void,
  onEnd: () => void,
): Promise<AttachConnection> {
  seqpacket ??= loadSeqpacket();
  const { SeqpacketSocket } = seqpacket;
  let dirFd: number;
  try {
    dirFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (e) {
    throw conflict("container is not running (no attach socket)", e);
  }
  const socket: SeqpacketSocket = new SeqpacketSocket();
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      try {
        socket.connect(join(`/proc/self/fd/${dirFd}`, "attach"), () => {
          socket.off("error", reject);
          resolve();
        });
      } catch (e) {
        reject(e);
      }
    });
  } catch (e) {
    socket.destroy();
    throw conflict("container is not running (attach socket closed)", e);
  } finally {
    closeSync(dirFd);
  }
  let ended = false;
  let writable = true;
  /** input bytes given to node-unix-socket that it has not yet written to the kernel */
  let pending = 0;
  let wake: (() => void)[] = [];
  const wakeDrained = () => {
    const w = wake;
    wake = [];
    for (const f of w) f();
  };
  const end = () => {
    if (ended) return;
    ended = true;
    writable = false;
    socket.destroy();
    wakeDrained();
    onEnd();
  };
  socket.on("data", (buf: Buffer) => {
    if (buf.length < 1) return;
    onFrame({ stream: buf[0] === STDERR ? "stderr" : "stdout", data: buf.subarray(1) });
  });
  socket.on("end", end);
  socket.on("close", end);
  // a write after conmon went away: the connection is over, the owner sees the end
  socket.on("error", end);
  return {
    write(data) {
      if (!writable) return true;
      for (let off = 0; off < data.length; off += MAX_MESSAGE) {
        const piece = data.subarray(off, Math.min(off + MAX_MESSAGE, data.length));
        pending += piece.length;
        socket.write(piece, 0, piece.length, () => {
          pending -= piece.length;
          if (pending < LOW_WATER) wakeDrained();
        });
      }
      return pending <= HIGH_WATER;
    },
    drained() {
      if (ended || pending < LOW_WATER) return Promise.resolve();
      return new Promise((resolve) => wake.push(resolve));
    },
    shutdownWrite() {
      if (!writable) return;
      writable = false;
      socket.end();
    },
    destroy: end,
  };
}

/** A connection of its own (an exec session's): closeStdin half-closes it. */
export async function connectAttach(dir: string): Promise<AttachSession> {
  const output = new FrameQueue();
  const conn = await openAttachSocket(
    dir,
    (frame) => output.push(frame),
    () => output.end(),
  );
  return {
    output,
    write: (data) => conn.write(data),
    drained: () => conn.drained(),
    closeStdin: () => conn.shutdownWrite(),
    close: () => conn.destroy(),
  };
}
