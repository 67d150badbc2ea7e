import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// Bad input to the container endpoints and commands: Docker's status codes, words and exit
// codes, and nothing left behind (no container, no name, no folder) after a refused create.
describe("container errors", () => {
  let d: TestDaemon;
  let runningId: string;
  before(async () => {
    d = await startDaemon();
    runningId = (
      await d.docker(["run", "-d", "--name", "err-running", "busybox", "sleep", "300"])
    ).stdout.trim();
    await d.docker(["create", "--name", "err-created", "busybox", "true"]);
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  /** What must not change when a request is refused: the list and the container folders. */
  const snapshot = async () => ({
    ps: (await d.docker(["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}"])).stdout,
    dirs: readdirSync(join(d.dataRoot, "containers")).sort(),
  });

  const create = (body: unknown, query = "") => d.api("POST", `/containers/create${query}`, body);

  test("POST /containers/create refuses bad bodies with 400 and makes nothing", async () => {
    const before = await snapshot();
    const cases: Array<[unknown, string, RegExp]> = [
      ["{bad", "", /^invalid JSON: /],
      ["[1]", "", /^invalid JSON: expected an object$/],
      [
        '{"Image":"busybox","Env":5}',
        "",
        /cannot unmarshal number into Go struct field Config\.Env of type \[\]string/,
      ],
      ['{"Image":"busybox","Cmd":["true"],"Env":["=x"]}', "", /^invalid environment variable: =x$/],
      ['{"Image":"busybox","Cmd":["true"],"StopSignal":"SIGBOGUS"}', "", /^Invalid signal: SIGBOGUS$/],
      [
        { Image: "busybox", Cmd: ["true"] },
        "?name=a",
        /^Invalid container name \(a\), only \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\] are allowed$/,
      ],
      [{ Image: "busybox", Cmd: ["true"] }, "?name=bad%2Fname", /^Invalid container name \(bad\/name\)/],
      [
        { Image: "busybox", Cmd: ["true"], HostConfig: { Runtime: "nope" } },
        "",
        /^unknown or invalid runtime name: nope$/,
      ],
      [
        { Image: "busybox", Cmd: ["true"], HostConfig: { StorageOpt: { size: "1G" } } },
        "",
        /^--storage-opt is supported only for overlay over xfs with 'pquota' mount option$/,
      ],
      [
        { Image: "busybox", Cmd: ["true"], HostConfig: { RestartPolicy: { Name: "bogus" } } },
        "",
        /^invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'$/,
      ],
      [
        {
          Image: "busybox",
          Cmd: ["true"],
          HostConfig: { RestartPolicy: { Name: "always", MaximumRetryCount: 2 } },
        },
        "",
        /^invalid restart policy: maximum retry count can only be used with 'on-failure'$/,
      ],
      [
        {
          Image: "busybox",
          Cmd: ["true"],
          HostConfig: { RestartPolicy: { Name: "always" }, AutoRemove: true },
        },
        "",
        /^can't create 'AutoRemove' container with restart policy$/,
      ],
      [{ Image: "busybox", Entrypoint: [""] }, "", /^no command specified$/],
    ];
    for (const [body, query, message] of cases) {
      const r = await create(body, query);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.body}`);
      assert.match((r.json() as { message: string }).message, message);
    }
    assert.deepEqual(await snapshot(), before);
  });

  test("POST /containers/create: unknown image, unknown network (404) and a taken name (409)", async () => {
    const before = await snapshot();
    const image = await create({ Image: "no-such-image:1", Cmd: ["true"] }, "?name=err-image");
    assert.deepEqual([image.status, image.json()], [404, { message: "No such image: no-such-image:1" }]);
    const net = await create({ Image: "busybox", Cmd: ["true"], HostConfig: { NetworkMode: "no-such-net" } });
    assert.deepEqual([net.status, net.json()], [404, { message: "network no-such-net not found" }]);
    // an image of another platform than the one asked for: Docker's 404, then its CLI would pull
    const [own, other] = process.arch === "arm64" ? ["arm64", "amd64"] : ["amd64", "arm64"];
    const arm = await create({ Image: "busybox", Cmd: ["true"] }, `?platform=linux/${other}`);
    assert.deepEqual(
      [arm.status, arm.json()],
      [
        404,
        {
          message:
            "image with reference busybox was found but does not match the specified platform: wanted linux/arm64",
        },
      ],
    );
    const badPlatform = await create({ Image: "busybox", Cmd: ["true"] }, "?platform=linux//x");
    assert.equal(badPlatform.status, 400);
    const taken = await create({ Image: "busybox", Cmd: ["true"] }, "?name=err-running");
    assert.equal(taken.status, 409);
    assert.equal(
      (taken.json() as { message: string }).message,
      `Conflict. The container name "/err-running" is already in use by container "${runningId}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
    assert.deepEqual(await snapshot(), before);
    // the name of a refused create is free again
    const ok = await create({ Image: "busybox", Cmd: ["true"] }, `?name=err-image&platform=linux/${own}`);
    assert.equal(ok.status, 201, ok.body);
    assert.equal((await d.api("DELETE", "/containers/err-image")).status, 204);
  });

  test("container endpoints answer Docker's status codes", async () => {
    const cases: Array<[string, string, unknown, number, RegExp | undefined]> = [
      ["POST", "/containers/err-nope/start", undefined, 404, /^No such container: err-nope$/],
      ["POST", "/containers/err-nope/wait", undefined, 404, /^No such container: err-nope$/],
      [
        "POST",
        "/containers/err-created/wait?condition=bogus",
        undefined,
        400,
        /^invalid condition: "bogus"$/,
      ],
      ["POST", "/containers/err-running/start", undefined, 304, undefined],
      ["POST", "/containers/err-created/stop", undefined, 304, undefined],
      ["POST", "/containers/err-running/kill?signal=BOGUS", undefined, 400, /^Invalid signal: BOGUS$/],
      ["POST", "/containers/err-created/kill", undefined, 409, /is not running$/],
      [
        "DELETE",
        "/containers/err-running",
        undefined,
        409,
        /^cannot remove container "err-running": container is running: stop the container before removing or force remove$/,
      ],
      [
        "POST",
        "/containers/err-running/rename?name=",
        undefined,
        400,
        /^Neither old nor new names may be empty$/,
      ],
      [
        "POST",
        "/containers/err-running/rename?name=err-running",
        undefined,
        400,
        /^Renaming a container with the same name as its current name$/,
      ],
      ["POST", "/containers/err-running/exec", "{bad", 400, /^invalid JSON: /],
      ["POST", "/containers/err-running/exec", {}, 400, /^No exec command specified$/],
      [
        "POST",
        "/containers/err-created/exec",
        { Cmd: ["true"] },
        409,
        /^container [0-9a-f]{64} is not running$/,
      ],
      ["GET", "/exec/err-nope/json", undefined, 404, /^No such exec instance: err-nope$/],
      ["POST", "/exec/err-nope/start", {}, 404, /^No such exec instance: err-nope$/],
      ["GET", "/containers/json?filters=notjson", undefined, 400, /^invalid filter/],
      [
        "POST",
        "/containers/prune?filters=%7B%22bogus%22%3A%5B%221%22%5D%7D",
        undefined,
        400,
        /^invalid filter 'bogus'$/,
      ],
      ["GET", "/containers/err-nope/top", undefined, 404, /^No such container: err-nope$/],
      ["GET", "/containers/err-created/top", undefined, 409, /^container [0-9a-f]{64} is not running$/],
      ["GET", "/containers/err-nope/changes", undefined, 404, /^No such container: err-nope$/],
      ["GET", "/containers/err-nope/export", undefined, 404, /^No such container: err-nope$/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const r = await d.api(method, path, body);
      assert.equal(r.status, status, `${method} ${path}: ${r.body}`);
      if (message) assert.match((r.json() as { message: string }).message, message, `${method} ${path}`);
    }
  });

  for (const cli of ["docker", "kapsel"] as const) {
    const run = (args: string[]) => d[cli](args);

    test(`${cli}: an unknown container gives "No such container" and exit 1`, async () => {
      const commands = [
        ["stop", "err-nope"],
        ["kill", "err-nope"],
        ["rm", "err-nope"],
        ["restart", "err-nope"],
        ["pause", "err-nope"],
        ["unpause", "err-nope"],
        ["wait", "err-nope"],
        ["top", "err-nope"],
        ["diff", "err-nope"],
        ["export", "err-nope"],
        ["exec", "err-nope", "true"],
        ["rename", "err-nope", "err-new"],
        ["container", "inspect", "err-nope"],
      ];
      for (const args of commands) {
        const r = await run(args);
        assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, /^Error response from daemon: No such container: err-nope\n/, args.join(" "));
      }
      const start = await run(["start", "err-nope"]);
      assert.equal(start.code, 1);
      assert.equal(
        start.stderr,
        "Error response from daemon: No such container: err-nope\nError: failed to start containers: err-nope\n",
      );
      const inspect = await run(["inspect", "err-nope"]);
      assert.deepEqual([inspect.code, inspect.stderr], [1, "Error: No such object: err-nope\n"]);
    });

    test(`${cli}: refused creates print the daemon's reason and leave nothing behind`, async () => {
      const before = await snapshot();
      const name = await run(["create", "--name", "bad/name", "busybox", "true"]);
      assert.equal(name.code, 1);
      assert.equal(
        name.stderr,
        "Error response from daemon: Invalid container name (bad/name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed\n",
      );
      const taken = await run(["run", "--name", "err-running", "busybox", "true"]);
      assert.equal(taken.code, 125);
      assert.match(
        taken.stderr,
        /^[a-z]+: Error response from daemon: Conflict. The container name "\/err-running" is already in use/,
      );
      const policy = await run(["run", "--restart", "bogus", "busybox", "true"]);
      assert.equal(policy.code, 125);
      assert.match(
        policy.stderr,
        /^[a-z]+: Error response from daemon: invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'\n/,
      );
      const retries = await run(["run", "--restart", "on-failure:x", "busybox", "true"]);
      assert.equal(retries.code, 125);
      assert.match(retries.stderr, /invalid restart policy format: maximum retry count must be an integer/);
      const both = await run(["run", "--rm", "--restart", "always", "busybox", "true"]);
      assert.equal(both.code, 125);
      assert.match(both.stderr, /conflicting options: cannot specify both --restart and --rm/);
      const signal = await run(["create", "--stop-signal", "SIGBOGUS", "busybox", "true"]);
      assert.deepEqual(
        [signal.code, signal.stderr],
        [1, "Error response from daemon: Invalid signal: SIGBOGUS\n"],
      );
      const flag = await run(["run", "--bogus-flag", "busybox", "true"]);
      assert.equal(flag.code, 125);
      assert.match(flag.stderr, /^unknown flag: --bogus-flag\n/);
      const timeout = await run(["run", "--stop-timeout", "abc", "busybox", "true"]);
      assert.equal(timeout.code, 125);
      assert.match(timeout.stderr, /^invalid argument "abc" for "--stop-timeout" flag: /);
      // --pull never: on any 404 the CLI would try a registry first (Docker's does too); tests stay offline
      const image = await run(["run", "--pull", "never", "no-such-image:1", "true"]);
      assert.equal(image.code, 125);
      assert.match(image.stderr, /^[a-z]+: Error response from daemon: No such image: no-such-image:1\n/);
      const network = await run(["create", "--pull", "never", "--network", "no-such-net", "busybox", "true"]);
      assert.deepEqual(
        [network.code, network.stderr],
        [1, "Error response from daemon: network no-such-net not found\n"],
      );
      assert.deepEqual(await snapshot(), before);
    });

    test(`${cli}: state conflicts give Docker's errors`, async () => {
      const rm = await run(["rm", "err-running"]);
      assert.deepEqual(
        [rm.code, rm.stderr],
        [
          1,
          'Error response from daemon: cannot remove container "err-running": container is running: stop the container before removing or force remove\n',
        ],
      );
      const kill = await run(["kill", "err-created"]);
      assert.equal(kill.code, 1);
      assert.match(
        kill.stderr,
        /^Error response from daemon: cannot kill container: err-created: container [0-9a-f]{64} is not running\n$/,
      );
      const pause = await run(["pause", "err-created"]);
      assert.match(pause.stderr, /^Error response from daemon: container [0-9a-f]{64} is not running\n$/);
      const signal = await run(["kill", "-s", "BOGUS", "err-running"]);
      assert.deepEqual(
        [signal.code, signal.stderr],
        [1, "Error response from daemon: Invalid signal: BOGUS\n"],
      );
      const missing = await run(["stop"]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^[a-z]+: '[a-z]+ stop' requires at least 1 argument/);
    });
  }
});
