import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CommandResult, runCommand, startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { freePort } from "./harness/docker-registry.ts";

// docker-compose (1.29, Debian's: the Python one, over docker-py 5) drives kapseld as it drives
// Docker: a build, a published port, a named volume shared by two services, two networks with
// service-name DNS, exec, logs, run, stop/start, scale, and down -v, which leaves nothing.
const COMPOSE_FILE = `version: "3.8"
services:
  web:
    build: ./web
    image: kt-compose-web:1
    init: true
    ports: ["127.0.0.1:\${WEB_PORT}:80"]
    volumes: [data:/www/data]
    depends_on: [db]
    environment: [GREETING=hello]
    networks: [front, back]
  db:
    image: busybox:latest
    init: true
    command: sh -c "echo ready | tee /data/status; exec sleep 1000"
    volumes: [data:/data]
    networks: [back]
volumes:
  data:
networks:
  front:
  back:
`;

describe("docker-compose", () => {
  let d: TestDaemon;
  let dir: string;
  let port: number;

  before(async () => {
    d = await startDaemon();
    dir = mkdtempSync("/tmp/kapsel-compose-");
    mkdirSync(join(dir, "web"));
    writeFileSync(
      join(dir, "web", "Dockerfile"),
      'FROM busybox:latest\nCOPY index.html /www/index.html\nCMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n',
    );
    writeFileSync(join(dir, "web", "index.html"), "<h1>compose on kapsel</h1>\n");
    writeFileSync(join(dir, "docker-compose.yml"), COMPOSE_FILE);
    port = await freePort();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const compose = (args: string[]): Promise<CommandResult> =>
    runCommand(
      "docker-compose",
      ["--no-ansi", "-f", join(dir, "docker-compose.yml"), "-p", "kt", ...args],
      { ...d.env, WEB_PORT: String(port) },
      { timeout: 120_000 },
    );
  const ok = async (args: string[]): Promise<CommandResult> => {
    const r = await compose(args);
    assert.equal(r.code, 0, `docker-compose ${args.join(" ")}:\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const get = async (path: string) => (await fetch(`http://127.0.0.1:${port}${path}`)).text();

  test("up -d builds, creates the networks and the volume, and starts both services", async () => {
    const up = await ok(["up", "-d"]);
    assert.match(up.stdout + up.stderr, /Successfully tagged kt-compose-web:1/);
    assert.match(up.stderr, /Creating kt_db_1 \.\.\. done/);
    assert.match(up.stderr, /Creating kt_web_1 \.\.\. done/);
    const ps = await ok(["ps"]);
    assert.match(ps.stdout, /kt_db_1 .* Up/);
    assert.match(ps.stdout, new RegExp(`kt_web_1 .* Up +127\\.0\\.0\\.1:${port}->80/tcp`));
    const networks = (await d.docker(["network", "ls", "--format", "{{.Name}}"])).stdout.split("\n");
    assert.ok(networks.includes("kt_front") && networks.includes("kt_back"), networks.join(" "));
    assert.equal((await d.docker(["volume", "ls", "-q"])).stdout, "kt_data\n");
  });

  test("the published port serves the built image; the shared volume carries db's file", async () => {
    assert.equal(await get("/"), "<h1>compose on kapsel</h1>\n");
    assert.equal(await get("/data/status"), "ready\n");
  });

  test("exec, logs and run: service names resolve on the shared network", async () => {
    const wget = await ok(["exec", "-T", "db", "wget", "-qO-", "http://web/"]);
    assert.equal(wget.stdout, "<h1>compose on kapsel</h1>\n");
    const env = await ok(["exec", "-T", "web", "sh", "-c", "echo $GREETING"]);
    assert.equal(env.stdout, "hello\n");
    const logs = await ok(["logs", "--no-color", "db"]);
    assert.match(logs.stdout, /db_1 +\| ready/);
    const run = await ok(["run", "--rm", "db", "echo", "hi"]);
    assert.equal(run.stdout, "hi\n");
    assert.equal((await d.docker(["ps", "-aq", "--filter", "name=kt_db_run"])).stdout, "");
  });

  test("stop, start and scale", async () => {
    await ok(["stop", "-t", "2"]);
    assert.match((await ok(["ps"])).stdout, /kt_web_1 .* Exit/);
    await ok(["start"]);
    assert.equal(await get("/"), "<h1>compose on kapsel</h1>\n");
    await ok(["up", "-d", "--scale", "db=2"]);
    const ids = (await ok(["ps", "-q"])).stdout.trim().split("\n");
    assert.equal(ids.length, 3);
  });

  test("down -v removes the containers, the networks and the volume", async () => {
    const down = await ok(["down", "-v"]);
    assert.match(down.stderr, /Removing network kt_back/);
    assert.match(down.stderr, /Removing volume kt_data/);
    assert.equal((await d.docker(["ps", "-aq"])).stdout, "");
    const networks = (await d.docker(["network", "ls", "--format", "{{.Name}}"])).stdout;
    assert.equal(networks.split("\n").filter(Boolean).sort().join(" "), "bridge host none");
    assert.equal((await d.docker(["volume", "ls", "-q"])).stdout, "");
  });
});
