import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, test } from "node:test";
import { encodeFrame, STDERR, STDOUT } from "../lib/stdcopy.ts";
import { main } from "./main.ts";
import { memoryStdio } from "./test-support.ts";

// A fake kapseld: just enough of the Engine API for the CLI's flows, recording every request.
const dir = mkdtempSync(join(tmpdir(), "kcli-"));
const sock = join(dir, "d.sock");
const ID = "0123456789ab".padEnd(64, "c");
let calls: string[] = [];
let exitCode = 0;
let images = new Set(["busybox"]);

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
}

const server = http.createServer(async (req, res) => {
  let body = "";
  for await (const c of req) body += c;
  const url = new URL(req.url ?? "/", "http://x");
  const path = url.pathname.replace(/^\/v1\.50/, "");
  calls.push(`${req.method} ${path}${url.search}`);
  if (path === "/containers/json") {
    return json(res, 200, [
      {
        Id: ID,
        Names: ["/web"],
        Image: "busybox",
        ImageID: `sha256:${"f".repeat(64)}`,
        Command: "sleep 100",
        Created: Math.floor(Date.now() / 1000) - 120,
        Ports: [],
        Labels: {},
        State: "running",
        Status: "Up 2 minutes",
        Mounts: [],
      },
    ]);
  }
  if (path === "/images/json") {
    return json(res, 200, [
      {
        Id: `sha256:${"f".repeat(64)}`,
        ParentId: "",
        RepoTags: ["busybox:latest"],
        RepoDigests: [],
        Created: Math.floor(Date.now() / 1000) - 3 * 86400,
        Size: 4_260_000,
        SharedSize: -1,
        Labels: null,
        Containers: -1,
      },
    ]);
  }
  if (path === "/containers/create") {
    const image = JSON.parse(body).Image;
    if (!images.has(image)) return json(res, 404, { message: `No such image: ${image}:latest` });
    return json(res, 201, { Id: ID, Warnings: [] });
  }
  if (path === "/images/create") {
    res.writeHead(200, { "Content-Type": "application/json" });
    return res.end(
      `${JSON.stringify({ errorDetail: { message: "pull is not implemented" }, error: "pull is not implemented" })}\n`,
    );
  }
  if (path === `/containers/${ID}/start`) {
    res.writeHead(204);
    return res.end();
  }
  if (path === `/containers/${ID}/wait`) {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.flushHeaders();
    setTimeout(() => res.end(JSON.stringify({ StatusCode: exitCode })), 30);
    return;
  }
  if (path === "/containers/web/json" || path === `/containers/${ID}/json`) {
    return json(res, 200, {
      Id: ID,
      Name: "/web",
      Config: { Tty: false },
      State: { Running: true },
      HostConfig: {},
    });
  }
  if (path === `/containers/${ID}/logs`) {
    res.writeHead(200, { "Content-Type": "application/vnd.docker.multiplexed-stream" });
    res.write(encodeFrame(STDOUT, "out line\n"));
    return res.end(encodeFrame(STDERR, "err line\n"));
  }
  if (path.startsWith("/containers/") && req.method === "DELETE") {
    return json(res, 404, { message: `No such container: ${path.split("/")[2]}` });
  }
  return json(res, 404, { message: "page not found" });
});

server.on("upgrade", (req: http.IncomingMessage, socket: Socket) => {
  calls.push(`UPGRADE ${new URL(req.url ?? "/", "http://x").pathname.replace(/^\/v1\.50/, "")}`);
  socket.write(
    "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
  );
  // the container "runs" once started: say hello on both streams, then end
  setTimeout(() => {
    socket.write(encodeFrame(STDOUT, "hello\n"));
    socket.end(encodeFrame(STDERR, "warn\n"));
  }, 10);
});

before(() => new Promise<void>((resolve) => server.listen(sock, resolve)));
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  calls = [];
  exitCode = 0;
  images = new Set(["busybox"]);
});

async function kapsel(argv: string[], input = "") {
  const stdio = memoryStdio(input);
  const code = await main(argv, { stdio, env: { KAPSEL_HOST: `unix://${sock}` } });
  return { code, out: stdio.out(), err: stdio.err() };
}

test("ps prints Docker's table", async () => {
  const r = await kapsel(["ps"]);
  assert.equal(r.code, 0);
  const [header, row] = r.out.split("\n");
  assert.equal(
    header,
    "CONTAINER ID   IMAGE     COMMAND       CREATED         STATUS         PORTS     NAMES",
  );
  assert.equal(row, '0123456789ab   busybox   "sleep 100"   2 minutes ago   Up 2 minutes             web');
  assert.equal(calls[0], "GET /containers/json");
});

test("container ls -q and ps --format share one command", async () => {
  assert.equal((await kapsel(["container", "ls", "-q"])).out, "0123456789ab\n");
  assert.equal((await kapsel(["container", "list", "--format", "{{.Names}}"])).out, "web\n");
  assert.equal((await kapsel(["ps", "-a", "--no-trunc", "-q"])).out, `${ID}\n`);
  assert.match(calls.at(-1)!, /all=1/);
});

test("images prints Docker's table", async () => {
  const r = await kapsel(["images"]);
  assert.equal(r.code, 0);
  assert.equal(
    r.out,
    "REPOSITORY   TAG       IMAGE ID       CREATED      SIZE\nbusybox      latest    ffffffffffff   3 days ago   4.26MB\n",
  );
});

test("run -d creates, starts and prints the full id", async () => {
  const r = await kapsel(["run", "-d", "busybox", "sleep", "100"]);
  assert.equal(r.code, 0);
  assert.equal(r.out, `${ID}\n`);
  assert.deepEqual(
    calls.map((c) => c.split("?")[0]),
    ["POST /containers/create", `POST /containers/${ID}/wait`, `POST /containers/${ID}/start`],
  );
});

test("run attaches before start, registers the wait before start, and exits with the container's code", async () => {
  exitCode = 3;
  const r = await kapsel(["run", "--sig-proxy=false", "busybox", "sh", "-c", "exit 3"]);
  assert.equal(r.out, "hello\n");
  assert.equal(r.err, "warn\n");
  assert.equal(r.code, 3);
  assert.deepEqual(
    calls.map((c) => c.split("?")[0]),
    [
      "POST /containers/create",
      `UPGRADE /containers/${ID}/attach`,
      `POST /containers/${ID}/wait`,
      `POST /containers/${ID}/start`,
    ],
  );
  assert.match(calls[2], /condition=next-exit/);
});

test("run --rm waits for removal", async () => {
  await kapsel(["run", "--rm", "--sig-proxy=false", "busybox", "true"]);
  assert.match(calls.find((c) => c.includes("/wait"))!, /condition=removed/);
});

test("run of a missing image tries to pull and fails like docker (125)", async () => {
  const r = await kapsel(["run", "nosuch"]);
  assert.equal(r.code, 125);
  assert.equal(
    r.err,
    "Unable to find image 'nosuch:latest' locally\nkapsel: pull is not implemented\n\nRun 'kapsel run --help' for more information\n",
  );
  assert.match(calls[1], /^POST \/images\/create\?fromImage=docker.io%2Flibrary%2Fnosuch&tag=latest/);
});

test("rm of missing containers prints each daemon error and exits 1; -f only reports them", async () => {
  const r = await kapsel(["rm", "a", "b"]);
  assert.equal(r.code, 1);
  assert.equal(
    r.err,
    "Error response from daemon: No such container: a\nError response from daemon: No such container: b\n",
  );
  const f = await kapsel(["rm", "-f", "a"]);
  assert.equal(f.code, 0);
  assert.equal(f.err, "Error response from daemon: No such container: a\n");
});

test("logs demultiplexes stdout and stderr", async () => {
  const r = await kapsel(["logs", "--since", "10m", "web"]);
  assert.equal(r.code, 0);
  assert.equal(r.out, "out line\n");
  assert.equal(r.err, "err line\n");
  assert.match(calls[1], /since=\d+&.*tail=all/);
});

test("usage errors: exit 1 for arguments, 125 for flags, with Docker's text", async () => {
  const a = await kapsel(["logs"]);
  assert.equal(a.code, 1);
  assert.equal(
    a.err,
    "kapsel: 'kapsel logs' requires 1 argument\n\nUsage:  kapsel logs [OPTIONS] CONTAINER\n\nRun 'kapsel logs --help' for more information\n",
  );
  const f = await kapsel(["ps", "--bogus"]);
  assert.equal(f.code, 125);
  assert.equal(
    f.err,
    "unknown flag: --bogus\n\nUsage:  kapsel ps [OPTIONS]\n\nRun 'kapsel ps --help' for more information\n",
  );
  const u = await kapsel(["nope"]);
  assert.equal(u.code, 1);
  assert.equal(u.err, "kapsel: unknown command: kapsel nope\n\nRun 'kapsel --help' for more information\n");
});

test("--help prints the command's help on stdout", async () => {
  const r = await kapsel(["container", "rm", "--help"]);
  assert.equal(r.code, 0);
  assert.match(
    r.out,
    /^Usage: {2}kapsel container rm \[OPTIONS\] CONTAINER \[CONTAINER\.\.\.\]\n\nRemove one or more containers\n/,
  );
  assert.match(r.out, /Aliases:\n {2}kapsel container rm, kapsel container remove, kapsel rm\n/);
  assert.equal(calls.length, 0);
});

test("no daemon: Docker's 'Cannot connect' message, exit 1", async () => {
  const stdio = memoryStdio();
  const code = await main(["ps"], { stdio, env: { KAPSEL_HOST: `unix://${join(dir, "none.sock")}` } });
  assert.equal(code, 1);
  assert.equal(
    stdio.err(),
    `Cannot connect to the kapsel daemon at unix://${join(dir, "none.sock")}. Is the kapsel daemon running?\n`,
  );
});
