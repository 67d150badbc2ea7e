import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { startDaemon } from "./harness/daemon.ts";

const poll = async <T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
};

test("kill -9 of kapseld: containers keep running, logs written meanwhile and exit codes survive", async () => {
  await using d = await startDaemon();
  const ticker = await d.docker([
    "run",
    "-d",
    "--name",
    "ticker",
    "busybox",
    "sh",
    "-c",
    "i=0; while true; do echo line$i; i=$((i+1)); sleep 0.1; done",
  ]);
  assert.equal(ticker.code, 0, ticker.stderr);
  const quitter = await d.docker([
    "run",
    "-d",
    "--name",
    "quitter",
    "busybox",
    "sh",
    "-c",
    "sleep 1; exit 5",
  ]);
  assert.equal(quitter.code, 0, quitter.stderr);
  const before = await poll(
    () => d.docker(["logs", "ticker"]),
    (r) => r.stdout.split("\n").length > 3,
  );
  const linesBefore = before.stdout.trim().split("\n").length;

  await d.stop("SIGKILL");
  await new Promise((r) => setTimeout(r, 1500)); // quitter exits while the daemon is down
  await d.start();

  const ps = await d.docker(["ps", "--format", "{{.Names}} {{.State}}"]);
  assert.match(ps.stdout, /^ticker running$/m);
  const after = await d.kapsel(["logs", "ticker"]);
  const linesAfter = after.stdout.trim().split("\n");
  assert.ok(linesAfter.length >= linesBefore + 10, `only ${linesAfter.length} lines after ${linesBefore}`);
  assert.deepEqual(linesAfter.slice(0, 5), ["line0", "line1", "line2", "line3", "line4"]);
  const wait = await d.docker(["wait", "quitter"]);
  assert.equal(wait.stdout.trim(), "5");
  const state = await d.docker(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "quitter"]);
  assert.equal(state.stdout.trim(), "exited 5");
  // the restarted daemon still controls the survivor
  const stop = await d.docker(["stop", "-t", "1", "ticker"]);
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal(
    (await d.docker(["inspect", "--format", "{{.State.Running}}", "ticker"])).stdout.trim(),
    "false",
  );
});

test("SIGTERM stops kapseld cleanly and a restart picks up containers and images", async () => {
  await using d = await startDaemon();
  assert.equal((await d.docker(["create", "--name", "kept", "busybox", "echo", "still here"])).code, 0);
  assert.equal((await d.docker(["tag", "busybox", "mybox:1"])).code, 0);
  await d.stop("SIGTERM");
  assert.throws(() => readFileSync(`${d.execRoot}/kapseld.pid`), /ENOENT/);
  await d.start();
  const images = await d.docker(["images", "--format", "{{.Repository}}:{{.Tag}}"]);
  assert.deepEqual(images.stdout.trim().split("\n").sort(), ["busybox:latest", "mybox:1"]);
  const run = await d.docker(["start", "-a", "kept"]);
  assert.equal(run.stdout, "still here\n");
});

test("a second daemon with its own roots and socket runs beside the first", async () => {
  await using a = await startDaemon();
  await using b = await startDaemon();
  assert.equal((await a.docker(["create", "--name", "only-in-a", "busybox", "true"])).code, 0);
  const inB = await b.docker(["ps", "-a", "--format", "{{.Names}}"]);
  assert.equal(inB.stdout, "");
  const r = await b.docker(["run", "--rm", "busybox", "echo", "b"]);
  assert.equal(r.stdout, "b\n");
});
