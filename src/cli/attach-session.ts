import type { EngineClient, PendingWait } from "../client/index.ts";
import { DetachedError, streamHijacked } from "./hijacked-io.ts";
import { proxySignals } from "./signal-proxy.ts";
import { StatusError } from "./status-error.ts";
import type { Stdio } from "./stdio.ts";
import { monitorTtySize, resizerFor } from "./tty-size.ts";

export interface StartAttachedOptions {
  stdin: boolean;
  detachKeys?: string;
}

/**
 * `start -a/-i` (Docker's RunStart): attach, register the wait, start, then stream until the
 * output ends; returns the container's exit status, or 0 after the detach keys.
 */
export async function startAttached(
  client: EngineClient,
  ref: string,
  opts: StartAttachedOptions,
  stdio: Stdio,
): Promise<number> {
  const c = await client.containers.inspect(ref);
  const tty = c.Config.Tty === true;
  const cleanups: (() => void)[] = [];
  try {
    if (!tty) cleanups.push(proxySignals(client, c.Id));
    const attachStdin = opts.stdin && c.Config.OpenStdin === true;
    const conn = await client.containers.attach(c.Id, {
      stream: true,
      stdin: attachStdin,
      stdout: true,
      stderr: true,
      detachKeys: opts.detachKeys,
    });
    cleanups.push(() => conn.close());
    const stop = new AbortController();
    const streaming = streamHijacked({
      conn,
      tty,
      stdin: attachStdin ? stdio.stdin : null,
      stdout: stdio.stdout,
      stderr: stdio.stderr,
      detachKeys: opts.detachKeys,
      stdio,
      signal: stop.signal,
    });
    streaming.catch(() => {});
    const autoRemove = c.HostConfig.AutoRemove === true;
    let wait: PendingWait | undefined;
    try {
      wait = await client.containers.waitRegistered(c.Id, autoRemove ? "removed" : "next-exit");
      const w = wait;
      cleanups.push(() => w.cancel());
    } catch (err) {
      stdio.stderr.write(`error waiting for container: ${(err as Error).message}\n`);
    }
    try {
      await client.containers.start(c.Id);
    } catch (err) {
      stop.abort();
      await streaming.catch(() => {});
      if (autoRemove) await wait?.result.catch(() => {});
      throw err;
    }
    if (tty && stdio.stdout.isTTY) cleanups.push(monitorTtySize(stdio, resizerFor(client, c.Id, false)));
    try {
      await streaming;
    } catch (err) {
      if (err instanceof DetachedError) return 0;
      throw err;
    }
    if (!wait) return 125;
    try {
      const result = await wait.result;
      if (result.Error?.Message) {
        stdio.stderr.write(`Error waiting for container: ${result.Error.Message}\n`);
        return 125;
      }
      return result.StatusCode;
    } catch (err) {
      stdio.stderr.write(`error waiting for container: ${(err as Error).message}\n`);
      return 125;
    }
  } finally {
    for (const cleanup of cleanups.reverse()) cleanup();
  }
}

/** `attach` (Docker's RunAttach): returns the container's exit status once it stops. */
export async function attachRunning(
  client: EngineClient,
  ref: string,
  opts: { noStdin: boolean; sigProxy: boolean; detachKeys?: string },
  stdio: Stdio,
): Promise<number> {
  // registered first, so an exit while attaching is still seen
  const wait = await client.containers.waitRegistered(ref);
  const cleanups: (() => void)[] = [() => wait.cancel()];
  try {
    const c = await inspectRunning(client, ref);
    const tty = c.Config.Tty === true;
    if (tty && !opts.noStdin && !stdio.stdin.isTTY) throw new Error("the input device is not a TTY");
    const attachStdin = !opts.noStdin && c.Config.OpenStdin === true;
    if (opts.sigProxy && !tty) cleanups.push(proxySignals(client, ref));
    const conn = await client.containers.attach(ref, {
      stream: true,
      stdin: attachStdin,
      stdout: true,
      stderr: true,
      detachKeys: opts.detachKeys,
    });
    cleanups.push(() => conn.close());
    await inspectRunning(client, ref);
    if (tty && stdio.stdout.isTTY) {
      // Docker nudges the size by one first so the application redraws
      const [h, w] = [stdio.stdout.rows ?? 0, stdio.stdout.columns ?? 0];
      await client.containers.resize(ref, h + 1, w + 1).catch(() => {});
      cleanups.push(monitorTtySize(stdio, resizerFor(client, ref, false)));
    }
    await streamHijacked({
      conn,
      tty,
      stdin: attachStdin ? stdio.stdin : null,
      stdout: stdio.stdout,
      stderr: stdio.stderr,
      detachKeys: opts.detachKeys,
      stdio,
    });
    const result = await wait.result;
    if (result.Error?.Message) throw new StatusError(1, result.Error.Message);
    return result.StatusCode;
  } finally {
    for (const cleanup of cleanups.reverse()) cleanup();
  }
}

async function inspectRunning(client: EngineClient, ref: string) {
  const c = await client.containers.inspect(ref);
  if (!c.State.Running) throw new Error("You cannot attach to a stopped container, start it first");
  if (c.State.Paused) throw new Error("You cannot attach to a paused container, unpause it first");
  if (c.State.Restarting)
    throw new Error("You cannot attach to a restarting container, wait until it is running");
  return c;
}
