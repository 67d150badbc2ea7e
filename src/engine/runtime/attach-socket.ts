import { closeSync, constants, openSync } from "node:fs";
import { join } from "node:path";
import { conflict } from "../../lib/errors.ts";
import { FrameQueue, type OutputFrame } from "./frame-queue.ts";

/**
 * A connection to conmon's attach socket (`<bundle>/attach`, SOCK_SEQPACKET). Each message
 * conmon sends is one read of the container's output: first byte 2 = stdout, 3 = stderr (a tty
 * is all stdout), the rest is data. Each message we send goes to the container's stdin; conmon
 * reads at most 32 KiB - 1 per message (CONN_SOCK_BUF_SIZE in conmon 2.1.6), so writes are cut
 * to that. Shutting down our write side makes conmon close the container's stdin, unless conmon
 * runs with --leave-stdin-open (conmon's terminate_remote_sock). conmon closes the socket when
 * the container exits, which ends `output`.
 */
export interface AttachSession {
  /** Output frames until the container exits or `close()`. One consumer. */
  output: AsyncIterable<OutputFrame>;
  /** Sends to the container's stdin (or its tty). Ignored after close. */
  write(data: Buffer): void;
  /** Half-closes: conmon then closes the container's stdin (not with stdinOnce=false). */
  closeStdin(): void;
  /** Disconnects; the container keeps running. Idempotent. */
  close(): void;
}

/** conmon's frame tags: 2 = stdout (and a tty's output), 3 = stderr */
const STDERR = 3;
const MAX_MESSAGE = 32 * 1024 - 1;

type SeqpacketSocket = import("node-unix-socket").SeqpacketSocket;
let seqpacket: Promise<typeof import("node-unix-socket")> | undefined;

/**
 * Connects to `<dir>/attach`. The path goes through /proc/self/fd/<dirfd>, as podman does, so
 * the 107-byte limit of unix socket paths never bites however deep `dir` is.
 */
export async function connectAttach(dir: string): Promise<AttachSession> {
  seqpacket ??= import("node-unix-socket");
  const { SeqpacketSocket } = await seqpacket;
  let dirFd: number;
  try {
    dirFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (e) {
    throw conflict("container is not running (no attach socket)", e);
  }
  const socket = new SeqpacketSocket();
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
  return sessionOver(socket);
}

function sessionOver(socket: SeqpacketSocket): AttachSession {
  const output = new FrameQueue();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    socket.destroy();
    output.end();
  };
  socket.on("data", (buf: Buffer) => {
    if (buf.length < 1) return;
    output.push({ stream: buf[0] === STDERR ? "stderr" : "stdout", data: buf.subarray(1) });
  });
  socket.on("end", close);
  socket.on("close", close);
  // a write after conmon went away: the session is over, the caller sees output end
  socket.on("error", close);
  return {
    output,
    write(data) {
      if (closed) return;
      for (let off = 0; off < data.length; off += MAX_MESSAGE) {
        socket.write(data.subarray(off, Math.min(off + MAX_MESSAGE, data.length)));
      }
    },
    closeStdin() {
      if (!closed) socket.end();
    },
    close,
  };
}
