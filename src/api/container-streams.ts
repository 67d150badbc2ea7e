import type { Engine } from "../engine/engine.ts";
import { type LogEntry, readLogBatches, readLogs } from "../engine/logs/index.ts";
import { invalid, messageOf } from "../lib/errors.ts";
import { encodeFrame, STDERR, STDOUT } from "../lib/stdcopy.ts";
import { parseTimestamp } from "../lib/timestamp.ts";
import { DetachScanner, parseDetachKeys } from "./detach-keys.ts";
import { hijack } from "./hijack.ts";
import { queryBool } from "./request.ts";
import type { RouteContext } from "./router.ts";

/** The streaming container endpoints: logs and attach (hijacked). */
export async function streamLogs(ctx: RouteContext, engine: Engine): Promise<void> {
  const rec = engine.containers.store.get(ctx.params.id);
  const q = ctx.query;
  const stdout = queryBool(q, "stdout");
  const stderr = queryBool(q, "stderr");
  if (!stdout && !stderr) throw invalid("Bad parameters: you must choose at least one stream");
  const follow = queryBool(q, "follow");
  const timestamps = queryBool(q, "timestamps");
  const tailRaw = q.get("tail");
  const tail = tailRaw === null || tailRaw === "" || tailRaw === "all" ? undefined : Number(tailRaw);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) {
    if (Number.isNaN(tail)) throw invalid(`invalid value for "tail": "${tailRaw}"`);
  }
  const since = q.get("since") ? parseTimestamp(q.get("since")!) : undefined;
  const until = q.get("until") ? parseTimestamp(q.get("until")!) : undefined;
  const tty = rec.config.Tty;
  const abort = new AbortController();
  ctx.res.on("close", () => abort.abort());
  ctx.res.writeHead(200, {
    "Content-Type": tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream",
  });
  ctx.res.flushHeaders();
  try {
    for await (const batch of readLogBatches(rec.logPath, {
      follow: follow && rec.state.Running,
      since: since && since.getTime() > 0 ? since : undefined,
      until,
      tail: tail !== undefined && tail >= 0 ? tail : undefined,
      stdout,
      stderr,
      signal: abort.signal,
      isRunning: () => engine.containers.store.find(rec.id)?.state.Running === true,
    })) {
      // one write per batch: 200 000 log lines must not be 200 000 writes
      const parts: Buffer[] = [];
      for (const entry of batch) {
        const data = timestamps
          ? Buffer.concat([Buffer.from(`${rfc3339Nano(entry)} `), entry.data])
          : entry.data;
        parts.push(tty ? data : encodeFrame(entry.stream === "stderr" ? STDERR : STDOUT, data));
      }
      if (!ctx.res.write(Buffer.concat(parts))) await new Promise((r) => ctx.res.once("drain", r));
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

export async function attachContainer(ctx: RouteContext, engine: Engine): Promise<void> {
  const q = ctx.query;
  const wantStdin = queryBool(q, "stdin");
  const wantStdout = queryBool(q, "stdout");
  const wantStderr = queryBool(q, "stderr");
  const stream = queryBool(q, "stream");
  const logs = queryBool(q, "logs");
  const detachKeys = parseDetachKeys(q.get("detachKeys") || engine.config.detachKeys || "ctrl-p,ctrl-q");
  const rec0 = engine.containers.store.get(ctx.params.id);
  const { rec, session } = stream
    ? await engine.containers.attach(ctx.params.id)
    : { rec: rec0, session: undefined };
  const tty = rec.config.Tty;
  const conn = hijack(ctx, !tty);
  const frame = (kind: "stdout" | "stderr", data: Buffer) =>
    tty ? data : encodeFrame(kind === "stderr" ? STDERR : STDOUT, data);
  const wanted = (kind: "stdout" | "stderr") => (kind === "stdout" ? wantStdout : wantStderr);
  let clientGone = false;
  void conn.closed.then(() => {
    clientGone = true;
    if (session) engine.containers.cancelPendingAttach(rec.id);
  });

  if (logs) {
    for await (const entry of readLogs(rec.logPath, {
      follow: false,
      stdout: wantStdout,
      stderr: wantStderr,
    })) {
      if (clientGone) break;
      conn.output.write(frame(entry.stream, entry.data));
    }
  }
  if (!session) {
    conn.output.end();
    return;
  }
  let s: Awaited<typeof session>;
  try {
    s = await session;
  } catch (err) {
    conn.output.end(tty ? "" : frame("stderr", Buffer.from(`${messageOf(err)}\n`)));
    return;
  }
  if (clientGone) {
    s.close();
    return;
  }
  engine.containers.attachEvent(rec, "attach");
  let detached = false;
  if (wantStdin && conn.input) {
    const scanner = new DetachScanner(detachKeys);
    conn.input.on("data", (chunk: Buffer) => {
      const { data, detach } = scanner.push(chunk);
      if (data.length > 0) s.write(data);
      if (detach) {
        detached = true;
        engine.containers.attachEvent(rec, "detach");
        s.close();
        conn.output.end();
      }
    });
    conn.input.on("end", () => {
      // Docker: with StdinOnce (run -i) the container's stdin closes and output goes on;
      // otherwise the end of the client's stdin ends the attach.
      if (rec.config.StdinOnce && !tty) s.closeStdin();
      else if (!detached) {
        detached = true;
        s.close();
        conn.output.end();
      }
    });
  }
  try {
    for await (const chunk of s.output) {
      if (clientGone || detached) break;
      if (!wanted(chunk.stream)) continue;
      if (!conn.output.write(frame(chunk.stream, chunk.data))) {
        await new Promise((r) => conn.output.once("drain", r));
      }
    }
  } finally {
    s.close();
    if (!detached) conn.output.end();
  }
}
