import type { ExecConfig } from "../engine/containers/index.ts";
import type { Engine } from "../engine/engine.ts";
import { DetachScanner, parseDetachKeys } from "../lib/detach-keys.ts";
import { messageOf } from "../lib/errors.ts";
import { encodeFrame, STDERR, STDOUT } from "../lib/stdcopy.ts";
import { resizeQuery } from "./containers.ts";
import { hijack, readUpgradeBody } from "./hijack.ts";
import { canonicalFields, readJson } from "./request.ts";
import { drained, sendJson } from "./respond.ts";
import type { RouteContext, Router } from "./router.ts";

const EXEC_FIELDS = [
  "AttachStdin",
  "AttachStdout",
  "AttachStderr",
  "DetachKeys",
  "Tty",
  "ConsoleSize",
  "Env",
  "Cmd",
  "Privileged",
  "User",
  "WorkingDir",
];

export function execRoutes(router: Router, engine: Engine): void {
  router.post("/containers/{id}/exec", async (ctx) => {
    const body = canonicalFields(await readJson<ExecConfig>(ctx.req, {}), EXEC_FIELDS);
    sendJson(ctx.res, 201, engine.execs.create(ctx.params.id, body));
  });
  router.get("/exec/{id}/json", (ctx) => engine.execs.inspect(ctx.params.id));
  router.post("/exec/{id}/resize", async (ctx) => {
    const { h, w } = resizeQuery(ctx);
    await engine.execs.resize(ctx.params.id, h, w);
    ctx.res.writeHead(200, { "Content-Type": "text/plain" });
    ctx.res.end();
  });
  router.post("/exec/{id}/start", (ctx) => startExec(ctx, engine));
}

async function startExec(ctx: RouteContext, engine: Engine): Promise<void> {
  const body = await readUpgradeBody<{
    Detach?: boolean;
    Tty?: boolean;
    ConsoleSize?: [number, number] | null;
  }>(ctx, {});
  const e0 = engine.execs.get(ctx.params.id);
  if (body.Detach) {
    await engine.execs.start(ctx.params.id, { detach: true, consoleSize: body.ConsoleSize });
    if (ctx.upgrade) {
      ctx.upgrade.socket.end(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n",
      );
    } else {
      ctx.res.writeHead(200, { "Content-Type": "application/json" });
      ctx.res.end();
    }
    return;
  }
  // moby frames the stream unless the start request says Tty (docker-py's exec_start(tty=False)
  // of a Tty exec reads the terminal's output as stdout frames); an absent field keeps the
  // exec's own setting
  const tty = body.Tty ?? e0.config.Tty ?? false;
  // Docker answers 101 first and reports a process that cannot start inside the stream, as a
  // line on stdout; the client then reads the exit code (126/127) from the exec's inspect
  const conn = hijack(ctx, !tty);
  let started: Awaited<ReturnType<typeof engine.execs.start>>;
  try {
    started = await engine.execs.start(ctx.params.id, {
      detach: false,
      consoleSize: body.ConsoleSize,
    });
  } catch (err) {
    const line = Buffer.from(`${messageOf(err)}\r\n`);
    conn.output.end(tty ? line : encodeFrame(STDOUT, line));
    return;
  }
  const { exec, task } = started;
  let done = false;
  void conn.closed.then(() => {
    if (!done) task.close();
  });
  if (exec.config.AttachStdin && conn.input) {
    // as moby's attach: detach keys only with a TTY; without one, the end of the client's stdin
    // closes the process's stdin (CloseStdin), with one it ends the attach
    const scanner = tty
      ? new DetachScanner(
          parseDetachKeys(exec.config.DetachKeys || engine.config.detachKeys || "ctrl-p,ctrl-q"),
        )
      : undefined;
    const detach = () => {
      done = true;
      task.close();
      conn.output.end();
    };
    conn.input.on("data", (chunk: Buffer) => {
      const scanned = scanner ? scanner.push(chunk) : { data: chunk, detach: false };
      if (scanned.data.length > 0) task.write(scanned.data);
      if (scanned.detach) detach();
    });
    conn.input.on("end", () => (tty ? detach() : task.closeStdin()));
  }
  const wantOut = exec.config.AttachStdout !== false;
  const wantErr = exec.config.AttachStderr !== false;
  try {
    for await (const chunk of task.output) {
      if (done) break;
      if (chunk.stream === "stdout" ? !wantOut : !wantErr) continue;
      const data = tty ? chunk.data : encodeFrame(chunk.stream === "stderr" ? STDERR : STDOUT, chunk.data);
      if (!conn.output.write(data)) await drained(conn.output);
    }
    await task.wait().catch(() => {});
  } finally {
    done = true;
    conn.output.end();
  }
}
