import type { ContainerRecord } from "../engine/containers/index.ts";
import type { Engine } from "../engine/engine.ts";
import { type LogEntry, readLogBatches, readLogs } from "../engine/logs/index.ts";
import type { AttachSession } from "../engine/runtime/index.ts";
import { compareStrings } from "../lib/compare.ts";
import { DEFAULT_DETACH_KEYS, DetachScanner, detachKeyBytes } from "../lib/detach-keys.ts";
import { conflict, invalid, notImplemented } from "../lib/errors.ts";
import { encodeFrame, STDERR, STDOUT } from "../lib/stdcopy.ts";
import { parseTimestamp } from "../lib/timestamp.ts";
import { discardUpgradeBody, type Hijacked, hijack } from "./hijack.ts";
import { queryBool } from "./request.ts";
import { drained } from "./respond.ts";
import type { RouteContext } from "./router.ts";

/**
 * The streaming container endpoints: logs and attach (hijacked). Semantics follow moby's
 * daemon/logs.go, daemon/server/httputils/logstream and daemon/attach.go with
 * daemon/internal/stream/attach.go.
 */
export async function streamLogs(ctx: RouteContext, engine: Engine): Promise<void> {
  const rec = engine.containers.store.get(ctx.params.id);
  const q = ctx.query;
  const stdout = queryBool(q, "stdout");
  const stderr = queryBool(q, "stderr");
  if (!stdout && !stderr) throw invalid("Bad parameters: you must choose at least one stream");
  if (rec.state.Dead || rec.state.Status === "removing") {
    throw conflict("can not get logs from container which is dead or marked for removal");
  }
  if (rec.hostConfig.LogConfig?.Type === "none")
    throw notImplemented("configured logging driver does not support reading");
  // a client that asked to follow reads line by line (docker-py yields one item per frame),
  // even when the container has already exited and there is nothing left to follow
  const lineFrames = queryBool(q, "follow");
  const follow = lineFrames && rec.state.Running;
  const timestamps = queryBool(q, "timestamps");
  // Docker: anything strconv.Atoi rejects ("all", "", "x") and negatives mean every line
  const tailRaw = q.get("tail") ?? "";
  const tail = /^[+-]?\d+$/.test(tailRaw) && Number(tailRaw) >= 0 ? Number(tailRaw) : undefined;
  const since = q.get("since") ? parseTimestamp(q.get("since")!) : undefined;
  const until = q.get("until") ? parseTimestamp(q.get("until")!) : undefined;
  const details = queryBool(q, "details") ? Buffer.from(`${logAttributes(rec)} `) : undefined;
  const tty = rec.config.Tty;
  const abort = new AbortController();
  ctx.res.on("close", () => abort.abort());
  if (follow) {
    // the follow ends when the container stops (the reader then reads to the end once more)
    engine.containers.wait(rec.id, "not-running", abort.signal).then(
      () => abort.abort(),
      () => {},
    );
  }
  ctx.res.writeHead(200, {
    "Content-Type": tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream",
  });
  ctx.res.flushHeaders();
  try {
    for await (const batch of readLogBatches(rec.logPath, {
      follow,
      since: since && since.getTime() > 0 ? since : undefined,
      until: until && until.getTime() > 0 ? until : undefined,
      tail,
      stdout,
      stderr,
      signal: abort.signal,
      isRunning: () => engine.containers.store.find(rec.id)?.state.Running === true,
    })) {
      // One write per batch: 200 000 log lines must not be 200 000 writes. Without --follow,
      // consecutive lines of one stream also share a frame (up to 64 KiB), which spares the
      // client 200 000 frame headers and writes of its own; a follower still gets line frames.
      const parts: Buffer[] = [];
      let run: Buffer[] = [];
      let runSize = 0;
      let runStream: "stdout" | "stderr" | undefined;
      const flushRun = () => {
        if (run.length === 0) return;
        const data = run.length === 1 ? run[0] : Buffer.concat(run, runSize);
        parts.push(tty ? data : encodeFrame(runStream === "stderr" ? STDERR : STDOUT, data));
        run = [];
        runSize = 0;
      };
      for (const entry of batch) {
        let data = entry.data;
        if (details) data = Buffer.concat([details, data]);
        if (timestamps) data = Buffer.concat([Buffer.from(`${rfc3339Nano(entry)} `), data]);
        if (lineFrames || entry.stream !== runStream || runSize + data.length > 64 * 1024) flushRun();
        runStream = entry.stream;
        run.push(data); // used within this batch only, so the reader's shared buffers are fine
        runSize += data.length;
      }
      flushRun();
      if (ctx.res.destroyed) break;
      if (!ctx.res.write(Buffer.concat(parts))) await drained(ctx.res);
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    ctx.res.end();
  }
}

/** Docker's log timestamps: RFC 3339 with exactly nine fraction digits. */
function rfc3339Nano(entry: LogEntry): string {
  return `${entry.time.toISOString().slice(0, 19)}.${String(entry.nanos).padStart(9, "0")}Z`;
}

/**
 * `logs --details`: the attributes the json-file driver records with each line, from the
 * `labels`, `labels-regex`, `env` and `env-regex` log options (moby's logger.Info
 * ExtraAttributes), sorted and query-escaped as "k=v,k2=v2"; empty without those options.
 */
export function logAttributes(rec: Pick<ContainerRecord, "config" | "hostConfig">): string {
  const opts = rec.hostConfig.LogConfig?.Config ?? {};
  const labels = rec.config.Labels ?? {};
  const extra = new Map<string, string>();
  for (const key of (opts.labels ?? "").split(",")) {
    if (key && key in labels) extra.set(key, labels[key]);
  }
  const labelsRe = regexOf(opts["labels-regex"]);
  if (labelsRe) for (const [k, v] of Object.entries(labels)) if (labelsRe.test(k)) extra.set(k, v);
  const env = new Map<string, string>();
  for (const e of rec.config.Env ?? []) {
    const eq = e.indexOf("=");
    if (eq >= 0) env.set(e.slice(0, eq), e.slice(eq + 1));
  }
  for (const key of (opts.env ?? "").split(",")) {
    const v = env.get(key);
    if (key && v !== undefined) extra.set(key, v);
  }
  const envRe = regexOf(opts["env-regex"]);
  if (envRe) for (const [k, v] of env) if (envRe.test(k)) extra.set(k, v);
  return [...extra]
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([k, v]) => `${queryEscape(k)}=${queryEscape(v)}`)
    .join(",");
}

function regexOf(source: string | undefined): RegExp | undefined {
  if (!source) return undefined;
  try {
    return new RegExp(source);
  } catch {
    return undefined;
  }
}

/** Go's url.QueryEscape */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/%20/g, "+")
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * POST /containers/{id}/attach, hijacked. As Docker: stdin only reaches a container opened
 * with -i; the detach keys are watched only with a TTY; when the client's stdin ends, a
 * StdinOnce container without a TTY gets its stdin closed and the output goes on, anything
 * else ends the attach. The "attach" event comes once the request is accepted (before the
 * container starts, for `docker run`), "detach" when the detach keys are typed.
 * Over a websocket (GET .../attach/ws) the streams are never multiplexed, and before API 1.42
 * all three are attached whatever the query says.
 */
export async function attachContainer(
  ctx: RouteContext,
  engine: Engine,
  o: { websocket?: boolean } = {},
): Promise<void> {
  const q = ctx.query;
  const all = o.websocket === true && ctx.version < 1.42;
  const wantStdout = all || queryBool(q, "stdout");
  const wantStderr = all || queryBool(q, "stderr");
  const stream = queryBool(q, "stream");
  const logs = queryBool(q, "logs");
  const keysSpec = q.get("detachKeys") || engine.config.detachKeys || DEFAULT_DETACH_KEYS;
  let detachKeys: Buffer;
  try {
    detachKeys = detachKeyBytes(keysSpec);
  } catch {
    throw invalid(`Invalid detach keys (${keysSpec}) provided`);
  }
  const rec0 = engine.containers.store.get(ctx.params.id);
  // the websocket code loads with the first attach over a websocket
  const ws = o.websocket ? await import("./websocket.ts") : undefined;
  ws?.checkWebsocketUpgrade(ctx); // before the attach is registered
  if (rec0.state.Paused) {
    throw conflict(`container ${ctx.params.id} is paused, unpause the container before attach`);
  }
  const { rec, session, cancel } = stream
    ? await engine.containers.attach(ctx.params.id)
    : { rec: rec0, session: undefined, cancel: () => {} };
  const tty = rec.config.Tty;
  const wantStdin = (all || queryBool(q, "stdin")) && rec.config.OpenStdin;
  const multiplexed = !tty && !o.websocket;
  let conn: Hijacked;
  if (ws) conn = ws.websocketHijack(ctx);
  else {
    await discardUpgradeBody(ctx);
    conn = hijack(ctx, multiplexed);
  }
  const frame = (kind: "stdout" | "stderr", data: Buffer) =>
    multiplexed ? encodeFrame(kind === "stderr" ? STDERR : STDOUT, data) : data;
  const wanted = (kind: "stdout" | "stderr") => (kind === "stdout" ? wantStdout : wantStderr);

  let s: AttachSession | undefined;
  let clientGone = false;
  void conn.closed.then(() => {
    clientGone = true;
    if (s) s.close();
    else if (session) cancel();
  });

  if (logs) {
    for await (const entry of readLogs(rec.logPath, {
      follow: false,
      stdout: wantStdout,
      stderr: wantStderr,
    })) {
      if (clientGone) break;
      if (!conn.output.write(frame(entry.stream, entry.data))) await drained(conn.output);
    }
  }
  engine.containers.attachEvent(rec, "attach");
  if (!session) {
    conn.output.end();
    return;
  }
  try {
    s = await session;
  } catch {
    // the start failed: the client hears why from its start call, as with Docker
    conn.output.end();
    return;
  }
  if (clientGone) {
    s.close();
    return;
  }
  const live = s;
  let detached = false;
  const endAttach = () => {
    live.close();
    conn.output.end();
  };
  const input = conn.input;
  if (wantStdin && input) {
    const scanner = tty ? new DetachScanner(detachKeys) : undefined;
    let inputDone = false;
    const onInputEnd = () => {
      if (inputDone) return;
      inputDone = true;
      // Docker: StdinOnce without a TTY closes the container's stdin and keeps the output
      if (rec.config.StdinOnce && !tty) live.closeStdin();
      else if (!detached) endAttach();
    };
    input.on("data", (chunk: Buffer) => {
      if (inputDone) return;
      const { data, detach } = scanner ? scanner.push(chunk) : { data: chunk, detach: false };
      if (data.length > 0 && !live.write(data)) {
        // the container reads slower than the client sends: let the client wait
        input.pause();
        void live.drained().then(() => input.resume());
      }
      if (detach) {
        detached = true;
        inputDone = true;
        engine.containers.attachEvent(rec, "detach");
        endAttach();
      }
    });
    input.on("end", onInputEnd);
    // a client that vanished ends its stdin too
    input.on("close", onInputEnd);
    // a client whose stdin was empty (`docker run -i ... < /dev/null`) may have half-closed
    // before the container started: that end came before these listeners
    if (input.readableEnded) onInputEnd();
  }
  try {
    for await (const chunk of live.output) {
      if (clientGone || detached) break;
      if (!wanted(chunk.stream)) continue;
      if (!conn.output.write(frame(chunk.stream, chunk.data))) await drained(conn.output);
    }
  } finally {
    live.close();
    if (!detached) conn.output.end();
  }
}
