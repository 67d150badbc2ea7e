import type { EngineClient } from "../client/index.ts";
import { type Stdio, terminalSize } from "./stdio.ts";

type Resize = (height: number, width: number) => Promise<void>;

/** The resize call for a container or an exec session. */
export function resizerFor(client: EngineClient, id: string, isExec: boolean): Resize {
  return isExec ? (h, w) => client.exec.resize(id, h, w) : (h, w) => client.containers.resize(id, h, w);
}

/**
 * Docker's MonitorTtySize: sizes the remote TTY like the local terminal now (retrying a few
 * times, as the process may not be up yet) and again whenever the terminal is resized
 * (SIGWINCH, seen as stdout's "resize" event). Returns a function that stops watching.
 */
export function monitorTtySize(stdio: Stdio, resize: Resize): () => void {
  // one resize at a time, as docker's single SIGWINCH goroutine: two calls in flight could
  // reach the engine in the wrong order and leave the old size
  let busy = false;
  let again = false;
  const apply = async (): Promise<void> => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      do {
        again = false;
        const [h, w] = terminalSize(stdio);
        try {
          if (h !== 0 || w !== 0) await resize(h, w);
        } catch (err) {
          if (!again) throw err; // else a newer size is due anyway
        }
      } while (again);
    } finally {
      busy = false;
    }
  };
  apply().catch(async () => {
    for (let retry = 0; retry < 10; retry++) {
      await new Promise((r) => setTimeout(r, (retry + 1) * 10));
      try {
        await apply();
        return;
      } catch {
        // try again: the container's process may not have its TTY yet
      }
    }
    stdio.stderr.write("failed to resize tty, using default size\n");
  });
  const onResize = () => {
    apply().catch(() => {});
  };
  stdio.stdout.on("resize", onResize);
  return () => stdio.stdout.off("resize", onResize);
}
