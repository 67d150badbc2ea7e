import { closeSync, existsSync, openSync, unlinkSync, writeSync } from "node:fs";
import { Writable } from "node:stream";
import {
  type ContainerCreateRequest,
  type EngineClient,
  type HijackedConnection,
  isNotFound,
  type PendingWait,
} from "../client/index.ts";
import { familiarString, parseAnyReference, withDefaultTag } from "../client/reference.ts";
import { copyLoginsIn, useApiSocket } from "./api-socket.ts";
import { buildCreateRequest, type ContainerOptions } from "./container-options.ts";
import { DetachedError, streamHijacked } from "./hijacked-io.ts";
import { displayProgress } from "./progress.ts";
import { encodeAuth, registryKey, retrieveAuth } from "./registry-auth.ts";
import { proxySignals } from "./signal-proxy.ts";
import { StatusError, withHelp } from "./status-error.ts";
import { checkTty, type Stdio, terminalSize } from "./stdio.ts";
import { monitorTtySize, resizerFor } from "./tty-size.ts";

export type PullPolicy = "missing" | "never" | "always";

export interface CreateOptions extends ContainerOptions {
  pull: PullPolicy | string;
  /** -q: no pull output */
  quiet: boolean;
  /** --use-api-socket: the engine's socket and the client's logins in the container (api-socket.ts) */
  useApiSocket?: boolean;
}

export interface RunOptions extends CreateOptions {
  detach: boolean;
  sigProxy: boolean;
  detachKeys?: string;
}

/** The environment `run`/`create` read: the local env (for bare `-e KEY`). */
export interface RunContext {
  env: Record<string, string | undefined>;
}

/**
 * `kapsel run`, in Docker's order (cli/command/container/run.go): create (pulling a missing
 * image), proxy signals, attach before start, register the wait before start, start, size the
 * TTY, then wait for the output and the exit. Returns the exit status: the container's own, 0
 * after detaching (ctrl-p ctrl-q) or with -d, 125/126/127 when the engine could not run it.
 */
export async function runContainer(
  client: EngineClient,
  opts: RunOptions,
  stdio: Stdio,
  ctx: RunContext = { env: {} },
): Promise<number> {
  const body = prepareCreate(opts, stdio, ctx, "run");
  if (!opts.detach) {
    checkTty(stdio, body.AttachStdin === true, opts.tty);
  } else {
    if (opts.attach.length > 0)
      throw new Error("conflicting options: cannot specify both --attach and --detach");
    body.AttachStdin = false;
    body.AttachStdout = false;
    body.AttachStderr = false;
    body.StdinOnce = false;
  }

  let id: string;
  try {
    id = await createContainer(client, body, opts, stdio, ctx.env);
  } catch (err) {
    throw toStatusError(err);
  }

  const cleanups: (() => void)[] = [];
  try {
    if (opts.sigProxy) cleanups.push(proxySignals(client, id));
    const attached = body.AttachStdin || body.AttachStdout || body.AttachStderr;
    if (!attached) stdio.stdout.write(`${id}\n`);

    let conn: HijackedConnection | undefined;
    let streaming: Promise<void> | undefined;
    const stopStreaming = new AbortController();
    if (attached) {
      conn = await client.containers.attach(id, {
        stream: true,
        stdin: body.AttachStdin,
        stdout: body.AttachStdout,
        stderr: body.AttachStderr,
        detachKeys: opts.detachKeys,
      });
      const c = conn;
      cleanups.push(() => c.close());
      streaming = streamHijacked({
        conn,
        tty: opts.tty,
        stdin: body.AttachStdin ? stdio.stdin : null,
        stdout: body.AttachStdout ? stdio.stdout : null,
        stderr: body.AttachStderr ? (opts.tty ? stdio.stdout : stdio.stderr) : null,
        detachKeys: opts.detachKeys,
        stdio,
        signal: stopStreaming.signal,
      });
      streaming.catch(() => {});
    }

    const wait = await registerWait(client, id, opts.autoRemove, stdio);
    cleanups.push(() => wait?.cancel());
    const status = exitStatus(wait, stdio);

    try {
      await client.containers.start(id);
    } catch (err) {
      if (streaming) {
        stopStreaming.abort();
        await streaming.catch(() => {});
      }
      if (opts.autoRemove) await status;
      throw toStatusError(err);
    }

    if (!attached || !streaming) return 0;

    if (opts.tty && stdio.stdout.isTTY) cleanups.push(monitorTtySize(stdio, resizerFor(client, id, false)));

    const first = await Promise.race([
      streaming.then(
        () => ({ kind: "streamed" as const, error: undefined }),
        (error: unknown) => ({ kind: "streamed" as const, error }),
      ),
      status.then((code) => ({ kind: "exited" as const, code })),
    ]);
    if (first.kind === "streamed") {
      if (first.error instanceof DetachedError) return 0;
      if (first.error) throw first.error;
      return await status;
    }
    // the container exited: let the output drain, unless no output is attached
    if (!body.AttachStdout && !body.AttachStderr) stopStreaming.abort();
    await streaming.catch(() => {});
    return first.code;
  } finally {
    for (const cleanup of cleanups.reverse()) cleanup();
  }
}

/** `create`/`run` validation and the create body; errors are usage errors (125). */
export function prepareCreate(
  opts: CreateOptions,
  stdio: Stdio,
  ctx: RunContext,
  command: string,
): ContainerCreateRequest {
  if (!["always", "missing", "never", ""].includes(opts.pull)) {
    throw new StatusError(
      125,
      withHelp(`invalid pull option: '${opts.pull}': must be one of "always", "missing" or "never"`, command),
    );
  }
  try {
    return buildCreateRequest(opts, ctx.env, terminalSize(stdio));
  } catch (err) {
    throw new StatusError(125, withHelp(err, command));
  }
}

/**
 * Docker's createContainer: writes --cidfile, pulls when asked or when the image is missing
 * (printing "Unable to find image ... locally"), prints the daemon's warnings. Returns the id.
 */
export async function createContainer(
  client: EngineClient,
  body: ContainerCreateRequest,
  opts: CreateOptions,
  stdio: Stdio,
  env: Record<string, string | undefined> = {},
): Promise<string> {
  const cid = openCidFile(opts.cidfile);
  let written = false;
  try {
    const parsed = parseAnyReference(body.Image ?? "");
    const named = "id" in parsed ? undefined : withDefaultTag(parsed);
    const pull = async () => {
      // the stored credentials for the image's registry; unlike pull, a failing helper fails
      // the run (docker's RetrieveAuthTokenFromImage)
      const auth = named ? encodeAuth(retrieveAuth(env, registryKey(named.domain))) : undefined;
      const progress = await client.images.pull(body.Image ?? "", { platform: opts.platform, auth });
      await displayProgress(
        progress,
        opts.quiet ? devNull : stdio.stderr,
        stdio.stderr.isTTY === true && !opts.quiet,
      );
    };
    if (opts.pull === "always") await pull();
    const logins = opts.useApiSocket ? useApiSocket(body, client, env) : undefined;
    const create = () => client.containers.create(body, { name: opts.name, platform: opts.platform });
    let response: Awaited<ReturnType<typeof create>>;
    try {
      response = await create();
    } catch (err) {
      if (!(isNotFound(err) && named && (opts.pull === "missing" || opts.pull === ""))) throw err;
      if (!opts.quiet) stdio.stderr.write(`Unable to find image '${familiarString(named)}' locally\n`);
      await pull();
      response = await create();
    }
    const warnings = response.Warnings ?? [];
    if (logins) {
      const failed = await copyLoginsIn(client, response.Id, logins);
      if (failed) warnings.push(failed);
    }
    for (const w of warnings) stdio.stderr.write(`WARNING: ${w}\n`);
    if (cid !== undefined) {
      writeSync(cid.fd, response.Id);
      written = true;
    }
    return response.Id;
  } finally {
    if (cid !== undefined) {
      closeSync(cid.fd);
      if (!written) unlinkSync(cid.path);
    }
  }
}

/** Where -q sends pull progress. */
const devNull = new Writable({ write: (_chunk, _enc, cb) => cb() });

function openCidFile(path: string | undefined): { fd: number; path: string } | undefined {
  if (!path) return undefined;
  if (existsSync(path)) {
    throw new Error(`container ID file found, make sure the other container isn't running or delete ${path}`);
  }
  try {
    return { fd: openSync(path, "wx"), path };
  } catch (err) {
    throw new Error(`failed to create the container ID file: ${(err as Error).message}`);
  }
}

/** waitExitOrRemoved: registered before start so a fast exit is not missed. */
async function registerWait(
  client: EngineClient,
  id: string,
  autoRemove: boolean,
  stdio: Stdio,
): Promise<PendingWait | undefined> {
  try {
    return await client.containers.waitRegistered(id, autoRemove ? "removed" : "next-exit");
  } catch (err) {
    stdio.stderr.write(`error waiting for container: ${(err as Error).message}\n`);
    return undefined;
  }
}

async function exitStatus(wait: PendingWait | undefined, stdio: Stdio): Promise<number> {
  if (!wait) return 125;
  try {
    const result = await wait.result;
    if (result.Error?.Message) {
      stdio.stderr.write(`Error waiting for container: ${result.Error.Message}\n`);
      return 125;
    }
    return result.StatusCode;
  } catch (err) {
    if ((err as Error).name === "AbortError") return 125;
    stdio.stderr.write(`error waiting for container: ${(err as Error).message}\n`);
    return 125;
  }
}

/**
 * Docker's toStatusError: 127 when the command was not found, 126 when it could not be
 * executed, else 125; the message gets "kapsel: ..." and the --help hint.
 */
export function toStatusError(err: unknown): StatusError {
  if (err instanceof StatusError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  let status = 125;
  if (
    msg.includes("executable file not found") ||
    msg.includes("no such file or directory") ||
    msg.includes("system cannot find the file specified")
  ) {
    status = 127;
  } else if (msg.includes("permission denied") || msg.includes("is a directory")) {
    status = 126;
  }
  return new StatusError(status, withHelp(err, "run"), { cause: err });
}
