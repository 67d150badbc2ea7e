import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { encodeFrame, STDERR, STDOUT, StdcopyDecoder } from "../lib/stdcopy.ts";
import { ConnectionError, createClient, DaemonError, type EngineClient } from "./index.ts";

// A fake daemon on a unix socket: records requests and answers a few routes the way kapseld will.
const dir = mkdtempSync(join(tmpdir(), "kc-"));
const socketPath = join(dir, "d.sock");
const seen: { method: string; url: string; body: string; headers: http.IncomingHttpHeaders }[] = [];
let releaseWait: (() => void) | undefined;

const server = http.createServer(async (req, res) => {
  let body = "";
  for await (const c of req) body += c;
  seen.push({ method: req.method ?? "", url: req.url ?? "", body, headers: req.headers });
  const url = new URL(req.url ?? "/", "http://x");
  if (url.pathname === "/v1.50/containers/json") {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify([{ Id: "abc", Names: ["/web"] }]));
  } else if (url.pathname === "/v1.50/containers/missing/json") {
    res.writeHead(404, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ message: "No such container: missing" }));
  } else if (url.pathname === "/v1.50/containers/abc/start") {
    res.writeHead(304);
    res.end();
  } else if (url.pathname === "/v1.50/containers/abc/wait") {
    // headers first, as Docker does once the wait is registered; the body when the container exits
    res.writeHead(200, { "Content-Type": "application/json" });
    res.flushHeaders();
    releaseWait = () => res.end(JSON.stringify({ StatusCode: 3 }));
  } else if (url.pathname === "/_ping") {
    res.writeHead(200, { "Api-Version": "1.50", OSType: "linux" });
    res.end("OK");
  } else {
    res.writeHead(500, { "Content-Type": "text/plain" });
    res.end("boom");
  }
});

server.on("upgrade", (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
  seen.push({ method: req.method ?? "", url: req.url ?? "", body: "", headers: req.headers });
  socket.write(
    "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
  );
  // echo stdin back on stdout, say hello on stderr, and end when the client half-closes
  socket.write(encodeFrame(STDERR, "hello\n"));
  if (head.length > 0) socket.write(encodeFrame(STDOUT, head));
  socket.on("data", (d: Buffer) => socket.write(encodeFrame(STDOUT, d)));
  socket.on("end", () => socket.end());
});

let client: EngineClient;
before(async () => {
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  client = createClient({ socketPath });
});
after(() => {
  client.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

test("requests carry the /v1.50 prefix and Docker's query encoding", async () => {
  const list = await client.containers.list({ all: true, filters: new Map([["status", ["exited"]]]) });
  assert.equal(list[0].Id, "abc");
  const url = new URL(seen.at(-1)!.url, "http://x");
  assert.equal(url.searchParams.get("all"), "1");
  assert.equal(url.searchParams.get("filters"), '{"status":{"exited":true}}');
  assert.equal(url.searchParams.has("size"), false);
});

test("an error status becomes a DaemonError of the matching kind with the daemon's message", async () => {
  await assert.rejects(client.containers.inspect("missing"), (err: unknown) => {
    assert.ok(err instanceof DaemonError);
    assert.equal(err.kind, "not_found");
    assert.equal(err.status, 404);
    assert.equal(err.message, "No such container: missing");
    return true;
  });
  await assert.rejects(client.containers.pause("other"), { kind: "internal", message: "boom" });
});

test("304 from start is not an error", async () => {
  await client.containers.start("abc");
});

test("ping reads the API version from the headers, unversioned", async () => {
  const ping = await client.system.ping();
  assert.equal(ping.apiVersion, "1.50");
  assert.equal(ping.osType, "linux");
  assert.equal(seen.at(-1)!.url, "/_ping");
});

test("waitRegistered resolves when the daemon accepted the wait, the result when it ends", async () => {
  const pending = await client.containers.waitRegistered("abc", "next-exit");
  assert.ok(releaseWait, "the daemon has the wait");
  assert.match(seen.at(-1)!.url, /condition=next-exit/);
  releaseWait();
  assert.equal((await pending.result).StatusCode, 3);
});

test("attach hijacks the connection: output is demultiplexed, closeWrite ends stdin", async () => {
  const conn = await client.containers.attach("abc", {
    stream: true,
    stdin: true,
    stdout: true,
    stderr: true,
  });
  const req = seen.at(-1)!;
  assert.equal(req.headers.upgrade, "tcp");
  assert.equal(req.headers.connection, "Upgrade");
  assert.match(req.url, /\/v1\.50\/containers\/abc\/attach\?stream=1&stdin=1&stdout=1&stderr=1/);
  assert.equal(conn.contentType, "application/vnd.docker.multiplexed-stream");
  conn.socket.write("ping\n");
  conn.closeWrite();
  const dec = new StdcopyDecoder();
  const out: string[] = [];
  const err: string[] = [];
  for await (const chunk of conn.socket) {
    for (const p of dec.push(chunk as Buffer)) (p.stream === STDERR ? err : out).push(p.data.toString());
  }
  assert.equal(out.join(""), "ping\n");
  assert.equal(err.join(""), "hello\n");
});

test("exec attach sends its start config as JSON before the upgrade", async () => {
  const conn = await client.exec.attach("e1", { Tty: true, ConsoleSize: [24, 80] });
  conn.close();
  const req = seen.at(-1)!;
  assert.equal(req.url, "/v1.50/exec/e1/start");
  assert.equal(req.headers["content-type"], "application/json");
});

test("a missing socket is Docker's 'Cannot connect' error", async () => {
  const gone = createClient({ socketPath: join(dir, "none.sock") });
  await assert.rejects(gone.system.version(), (err: unknown) => {
    assert.ok(err instanceof ConnectionError);
    assert.equal(
      err.message,
      `Cannot connect to the kapsel daemon at unix://${join(dir, "none.sock")}. Is the kapsel daemon running?`,
    );
    return true;
  });
  gone.close();
});
