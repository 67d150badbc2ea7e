import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

describe("system endpoints", () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  test("/_ping answers GET and HEAD with the version headers clients negotiate with", async () => {
    for (const method of ["GET", "HEAD"]) {
      const r = await d.api(method, "/_ping");
      assert.equal(r.status, 200);
      assert.equal(r.body, method === "GET" ? "OK" : "");
      assert.equal(r.headers["api-version"], "1.50");
      assert.equal(r.headers.ostype, "linux");
      assert.equal(r.headers["builder-version"], "1");
    }
  });

  test("versioned and unversioned paths; versions out of range are refused", async () => {
    assert.equal((await d.api("GET", "/v1.24/version")).status, 200);
    assert.equal((await d.api("GET", "/v1.50/version")).status, 200);
    const tooNew = await d.api("GET", "/v1.51/version");
    assert.equal(tooNew.status, 400);
    assert.match(tooNew.body, /client version 1.51 is too new. Maximum supported API version is 1.50/);
    const tooOld = await d.api("GET", "/v1.12/version");
    assert.equal(tooOld.status, 400);
    assert.match(tooOld.body, /client version 1.12 is too old/);
    const missing = await d.api("GET", "/v1.50/nothing/here");
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json(), { message: "page not found" });
  });

  test("docker version and docker info show the engine", async () => {
    const v = await d.docker(["version", "--format", "{{.Server.APIVersion}} {{.Server.Os}}"]);
    assert.equal(v.stdout.trim(), "1.50 linux");
    const info = await d.docker([
      "info",
      "--format",
      "{{.Driver}} {{.CgroupDriver}} {{.DefaultRuntime}} {{.Images}}",
    ]);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout.trim(), /^(overlay2|vfs) cgroupfs runc 1$/);
    const k = await d.kapsel(["info", "--format", "{{.Images}} {{.ContainersRunning}}"]);
    assert.equal(k.stdout.trim(), "1 0");
  });

  test("a malformed JSON body is a 400 with a message, and nothing is created", async () => {
    const r = await d.api("POST", "/containers/create", "{bad json");
    assert.equal(r.status, 400);
    assert.match((r.json() as { message: string }).message, /invalid JSON/);
    const list = await d.api("GET", "/containers/json?all=1");
    assert.deepEqual(list.json(), []);
  });

  test("events: since/until replay, filters, and live streaming", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    assert.equal((await d.docker(["run", "--name", "evented", "busybox", "true"])).code, 0);
    assert.equal((await d.docker(["rm", "evented"])).code, 0);
    const until = Math.ceil(Date.now() / 1000) + 1;
    for (const cli of ["docker", "kapsel"] as const) {
      const r = await d[cli]([
        "events",
        "--since",
        String(since),
        "--until",
        String(until),
        "--filter",
        "container=evented",
        "--format",
        "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trim().split("\n");
      assert.deepEqual(
        lines.filter((l) => !l.includes("attach")),
        [
          "container create evented",
          "container start evented",
          "container die evented",
          "container destroy evented",
        ],
      );
    }
    const die = await d.docker([
      "events",
      "--since",
      String(since),
      "--until",
      String(until),
      "--filter",
      "event=die",
      "--format",
      "{{.Actor.Attributes.exitCode}}",
    ]);
    assert.equal(die.stdout.trim(), "0");
    // live: start a listener, then make an event
    const live = d.docker([
      "events",
      "--filter",
      "type=image",
      "--format",
      "{{.Action}} {{.Actor.Attributes.name}}",
      "--until",
      String(Math.ceil(Date.now() / 1000) + 2),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await d.docker(["tag", "busybox", "evbox:1"])).code, 0);
    assert.match((await live).stdout, /^tag evbox:1$/m);
  });

  test("plugins: none installed; names not found; installing is not implemented", async () => {
    const ls = await d.docker(["plugin", "ls"]);
    assert.deepEqual(ls, { code: 0, stdout: "ID        NAME      DESCRIPTION   ENABLED\n", stderr: "" });
    const bad = await d.docker(["plugin", "ls", "-f", "foo=bar"]);
    assert.equal(bad.stderr, "Error response from daemon: invalid filter 'foo'\n");
    const rm = await d.docker(["plugin", "rm", "foo"]);
    assert.deepEqual([rm.code, rm.stderr], [1, 'Error response from daemon: plugin "foo" not found\n']);
    const pull = await d.api("POST", "/plugins/pull?remote=foo", []);
    assert.equal(pull.status, 501);
  });

  test("BuildKit: its session and builder version 2 are a clear 501", async () => {
    const session = await d.api("POST", "/session");
    assert.equal(session.status, 501);
    assert.match(JSON.parse(session.body).message, /BuildKit sessions are not implemented/);
    const v2 = await d.api("POST", "/build?version=2", "");
    assert.equal(v2.status, 501);
    assert.match(JSON.parse(v2.body).message, /BuildKit \(builder version 2\) is not implemented/);
  });
});
