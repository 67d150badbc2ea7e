import assert from "node:assert/strict";
import { test } from "node:test";
import { startDaemon } from "./harness/daemon.ts";
import { freePort } from "./harness/docker-registry.ts";

// GET /containers/{id}/attach/ws, as docker-py's attach_socket(ws=True) and web consoles use
// it: a WebSocket over kapseld's TCP listener, stdin from the client's frames, the container's
// output back as binary frames, never multiplexed.
test("attach over a websocket: stdin in, raw output out; a stopped stream and bad upgrades", async () => {
  const port = await freePort();
  await using d = await startDaemon({ args: ["-H", `tcp://127.0.0.1:${port}`] });
  const run = await d.docker(["run", "-d", "-i", "--name", "wscat", "busybox", "cat"]);
  assert.equal(run.code, 0, run.stderr);

  const open = (path: string) =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
      ws.binaryType = "arraybuffer";
      ws.onopen = () => resolve(ws);
      ws.onerror = () => reject(new Error(`websocket ${path} failed`));
    });
  const ws = await open("/containers/wscat/attach/ws?stream=1&stdin=1&stdout=1&stderr=1");
  const got: Array<string | ArrayBuffer> = [];
  const echoed = new Promise<void>((resolve) => {
    ws.onmessage = (m) => {
      got.push(m.data as string | ArrayBuffer);
      if (
        got
          .map((g) => (typeof g === "string" ? g : Buffer.from(g).toString()))
          .join("")
          .includes("there\n")
      )
        resolve();
    };
  });
  ws.send("hello\n");
  ws.send(new TextEncoder().encode("there\n"));
  await echoed;
  assert.ok(
    got.every((g) => g instanceof ArrayBuffer),
    "binary frames at API 1.28 and later",
  );
  assert.equal(got.map((g) => Buffer.from(g as ArrayBuffer).toString()).join(""), "hello\nthere\n");
  const closed = new Promise((r) => (ws.onclose = r));
  ws.close();
  await closed;
  // the container goes on: closing the websocket is not its end
  assert.equal((await d.docker(["inspect", "-f", "{{.State.Running}}", "wscat"])).stdout, "true\n");

  // older clients get text frames
  const old = await open("/v1.27/containers/wscat/attach/ws?stream=1");
  const first = new Promise<unknown>((r) => (old.onmessage = (m) => r(m.data)));
  old.send("again\n");
  assert.equal(await first, "again\n");
  old.close();

  const plain = await fetch(`http://127.0.0.1:${port}/containers/wscat/attach/ws?stream=1`);
  assert.equal(plain.status, 400);
  const missing = await fetch(`http://127.0.0.1:${port}/containers/nope/attach/ws`);
  assert.equal(missing.status, 404);
});
