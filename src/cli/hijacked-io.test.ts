import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, test } from "node:test";
import type { HijackedConnection } from "../client/index.ts";
import { encodeFrame, STDERR, STDOUT } from "../lib/stdcopy.ts";
import { DetachedError, streamHijacked } from "./hijacked-io.ts";
import { memoryStdio } from "./test-support.ts";

const dir = mkdtempSync(join(tmpdir(), "khj-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

/** A connected socket pair: `client` as the CLI holds it, `server` as the daemon. */
async function socketPair(): Promise<{ client: net.Socket; server: net.Socket; close(): void }> {
  const path = join(dir, `${n++}.sock`);
  const srv = net.createServer({ allowHalfOpen: true });
  const accepted = new Promise<net.Socket>((resolve) => srv.once("connection", resolve));
  await new Promise<void>((resolve) => srv.listen(path, resolve));
  const client = net.connect({ path, allowHalfOpen: true });
  const server = await accepted;
  return { client, server, close: () => srv.close() };
}

function conn(socket: net.Socket): HijackedConnection {
  return {
    socket,
    contentType: "",
    closeWrite: () => socket.end(),
    close: () => socket.destroy(),
  };
}

test("without a TTY: stdin goes up, EOF half-closes, output is demultiplexed", async () => {
  const { client, server, close } = await socketPair();
  const stdio = memoryStdio("input data");
  let received = "";
  server.on("data", (d: Buffer) => (received += d.toString()));
  server.on("end", () => {
    // the daemon answers once stdin is closed, then ends the stream
    server.write(encodeFrame(STDOUT, `got ${received}`));
    server.end(encodeFrame(STDERR, "bye"));
  });
  await streamHijacked({
    conn: conn(client),
    tty: false,
    stdin: stdio.stdin,
    stdout: stdio.stdout,
    stderr: stdio.stderr,
    stdio,
  });
  assert.equal(stdio.out(), "got input data");
  assert.equal(stdio.err(), "bye");
  close();
});

test("with a TTY: raw mode while attached, ctrl-p ctrl-q detaches, typed bytes before it are sent", async () => {
  const { client, server, close } = await socketPair();
  const stdin = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(raw: boolean): void };
  const modes: boolean[] = [];
  stdin.isTTY = true;
  stdin.setRawMode = (raw) => void modes.push(raw);
  const stdio = { ...memoryStdio(), stdin };
  let received = "";
  server.on("data", (d: Buffer) => (received += d.toString()));
  server.write("prompt$ ");
  const done = streamHijacked({
    conn: conn(client),
    tty: true,
    stdin,
    stdout: stdio.stdout,
    stderr: stdio.stdout,
    stdio,
  });
  stdin.write("ls\r");
  setTimeout(() => stdin.write(Buffer.from([16, 17])), 20);
  await assert.rejects(
    done,
    (err: unknown) => err instanceof DetachedError && err.message === "read escape sequence",
  );
  assert.deepEqual(modes, [true, false]);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(received, "ls\r");
  assert.equal(stdio.out(), "prompt$ ");
  client.destroy();
  server.destroy();
  close();
});

test("custom detach keys are honoured", async () => {
  const { client, server, close } = await socketPair();
  const stdin = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(raw: boolean): void };
  stdin.isTTY = true;
  stdin.setRawMode = () => {};
  const stdio = { ...memoryStdio(), stdin };
  const done = streamHijacked({
    conn: conn(client),
    tty: true,
    stdin,
    stdout: stdio.stdout,
    stderr: stdio.stdout,
    detachKeys: "ctrl-a,x",
    stdio,
  });
  stdin.write(Buffer.from([1, 120]));
  await assert.rejects(done, DetachedError);
  client.destroy();
  server.destroy();
  close();
});
