import type { Readable } from "node:stream";
import { selectContainers, type WaitCondition } from "../engine/containers/index.ts";
import type { Engine } from "../engine/engine.ts";
import { type LogEntry, readLogBatches, readLogs } from "../engine/logs/index.ts";
import { invalid, messageOf } from "../lib/errors.ts";
import { encodeFrame, STDERR, STDOUT } from "../lib/stdcopy.ts";
import { parseTimestamp } from "../lib/timestamp.ts";
import { containerInspect, containerSummary } from "./container-views.ts";
import { DetachScanner, parseDetachKeys } from "./detach-keys.ts";
import { hijack } from "./hijack.ts";
import { queryBool, queryFilters, queryInt, readJson } from "./request.ts";
import { sendJson, sendNoContent, sendStream } from "./respond.ts";
import type { RouteContext, Router } from "./router.ts";

/** Routes for /containers: thin handlers over the container service. */
export function containerRoutes(router: Router, engine: Engine): void {
  const { containers } = engine;

  router.post("/containers/create", async (ctx) => {
    const name = ctx.query.get("name") ?? undefined;
    const body = await readJson(ctx.req, {});
    const created = await containers.create(body, name || undefined);
    sendJson(ctx.res, 201, created);
  });

  router.get("/containers/json", async (ctx) => {
    const limit = queryInt(ctx.query, "limit") ?? queryInt(ctx.query, "last") ?? undefined;
    const withSize = queryBool(ctx.query, "size");
    const recs = selectContainers(containers.store.all(), {
      all: queryBool(ctx.query, "all"),
      limit,
      filters: queryFilters(ctx.query),
      resolveImage: (ref) => {
        try {
          return engine.images.resolve(ref).id;
        } catch {
          return undefined;
        }
      },
      find: (ref) => containers.store.find(ref),
    });
    return Promise.all(
      recs.map(async (rec) => containerSummary(rec, withSize ? await engine.sizes(rec) : undefined)),
    );
  });

  router.get("/containers/{id}/json", async (ctx) => {
    const rec = containers.store.get(ctx.params.id);
    const size = queryBool(ctx.query, "size") ? await engine.sizes(rec) : undefined;
    return containerInspect(rec, engine.execs.idsFor(rec.id), engine.graphDriver(rec), size);
  });

  router.post("/containers/{id}/start", async (ctx) => {
    if (ctx.query.get("checkpoint")) throw invalid("checkpoints are not supported");
    await containers.start(ctx.params.id);
    sendNoContent(ctx.res);
  });

  router.post("/containers/{id}/stop", async (ctx) => {
    await containers.stop(ctx.params.id, {
      timeout: queryInt(ctx.query, "t"),
      signal: ctx.query.get("signal") ?? undefined,
    });
    sendNoContent(ctx.res);
  });

  router.post("/containers/{id}/restart", async (ctx) => {
    await containers.restart(ctx.params.id, {
      timeout: queryInt(ctx.query, "t"),
      signal: ctx.query.get("signal") ?? undefined,
    });
    sendNoContent(ctx.res);
  });

  router.post("/containers/{id}/kill", async (ctx) => {
    await containers.kill(ctx.params.id, ctx.query.get("signal") ?? undefined);
    sendNoContent(ctx.res);
  });

  router.post("/containers/{id}/pause", async (ctx) => {
    await containers.pause(ctx.params.id);
    sendNoContent(ctx.res);
  });

  router.post("/containers/{id}/unpause", async (ctx) => {
    await containers.unpause(ctx.params.id);
    sendNoContent(ctx.res);
  });

  router.post("/containers/{id}/rename", async (ctx) => {
    await containers.rename(ctx.params.id, ctx.query.get("name") ?? "");
    sendNoContent(ctx.res);
  });

  router.post("/containers/{id}/resize", async (ctx) => {
    const { h, w } = resizeQuery(ctx);
    await containers.resize(ctx.params.id, h, w);
    ctx.res.writeHead(200, { "Content-Type": "text/plain" });
    ctx.res.end();
  });

  router.post("/containers/{id}/update", () => {
    throw engine.notImplemented("container update");
  });

  router.post("/containers/{id}/wait", async (ctx) => {
    const condition = (ctx.query.get("condition") || "not-running") as WaitCondition;
    if (!["not-running", "next-exit", "removed"].includes(condition)) {
      throw invalid(`invalid condition: "${condition}"`);
    }
    const abort = new AbortController();
    ctx.res.on("close", () => abort.abort());
    const result = containers.wait(ctx.params.id, condition, abort.signal);
    // Docker flushes the headers once the wait is registered: `docker run` waits for them
    // before it starts the container, so a fast exit is never missed.
    ctx.res.writeHead(200, { "Content-Type": "application/json" });
    ctx.res.flushHeaders();
    try {
      ctx.res.end(`${JSON.stringify(await result)}\n`);
    } catch (err) {
      if (!abort.signal.aborted)
        ctx.res.end(`${JSON.stringify({ StatusCode: -1, Error: { Message: messageOf(err) } })}\n`);
    }
  });

  router.delete("/containers/{id}", async (ctx) => {
    await containers.remove(ctx.params.id, {
      force: queryBool(ctx.query, "force"),
      volumes: queryBool(ctx.query, "v"),
    });
    sendNoContent(ctx.res);
  });

  router.post("/containers/prune", async (ctx) => containers.prune(queryFilters(ctx.query)));

  router.get("/containers/{id}/changes", async (ctx) => {
    const rec = containers.store.get(ctx.params.id);
    const changes = await engine.storage.diff(rec.id);
    return changes.length > 0 ? changes : null;
  });

  router.get("/containers/{id}/export", async (ctx) => {
    const rec = containers.store.get(ctx.params.id);
    await sendStream(ctx.res, "application/x-tar", (await engine.exportContainer(rec)) as Readable);
  });

  router.get("/containers/{id}/top", async (ctx) =>
    engine.top(ctx.params.id, ctx.query.get("ps_args") || "-ef"),
  );

  router.get("/containers/{id}/stats", () => {
    throw engine.notImplemented("container stats");
  });

  for (const method of ["get", "head", "put"] as const) {
    router[method]("/containers/{id}/archive", () => {
      throw engine.notImplemented("copying files to and from containers (cp)");
    });
  }

  router.get("/containers/{id}/logs", (ctx) => streamLogs(ctx, engine));
  router.post("/containers/{id}/attach", (ctx) => attachContainer(ctx, engine));
}

export function resizeQuery(ctx: RouteContext): { h: number; w: number } {
  const h = queryInt(ctx.query, "h") ?? 0;
  const w = queryInt(ctx.query, "w") ?? 0;
  if (h < 0 || w < 0 || h > 65535 || w > 65535) throw invalid("invalid terminal size");
  return { h, w };
}

async function streamLogs(ctx: RouteContext, engine: Engine): Promise<void> {
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

async function attachContainer(ctx: RouteContext, engine: Engine): Promise<void> {
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
