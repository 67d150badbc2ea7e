import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// The container lifecycle through the real docker CLI and through kapsel, against one private
// kapseld. Each case names its containers after itself.
describe("container lifecycle", () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  for (const cli of ["docker", "kapsel"] as const) {
    const run = (args: string[], o?: { input?: string }) => d[cli](args, o);

    test(`${cli}: run --rm prints the command's output and exits 0`, async () => {
      const r = await run(["run", "--rm", "busybox", "echo", "hello"]);
      assert.equal(r.stderr, "");
      assert.equal(r.stdout, "hello\n");
      assert.equal(r.code, 0);
    });

    test(`${cli}: run returns the container's exit code and keeps stderr apart`, async () => {
      const r = await run(["run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3"]);
      assert.equal(r.code, 3);
      assert.equal(r.stdout, "out\n");
      assert.equal(r.stderr, "err\n");
    });

    test(`${cli}: run of a missing command exits 127 with Docker's message`, async () => {
      const r = await run(["run", "--rm", "busybox", "no-such-cmd"]);
      assert.equal(r.code, 127);
      assert.match(r.stderr, /executable file not found/);
    });

    test(`${cli}: run -i passes stdin through`, async () => {
      const r = await run(["run", "--rm", "-i", "busybox", "cat"], { input: "from stdin\n" });
      assert.equal(r.stdout, "from stdin\n");
      assert.equal(r.code, 0);
    });

    test(`${cli}: run -d, logs, stop, rm`, async () => {
      const name = `${cli}-detached`;
      const started = await run([
        "run",
        "-d",
        "--name",
        name,
        "busybox",
        "sh",
        "-c",
        "echo ready; trap 'exit 0' TERM; while true; do sleep 0.1; done",
      ]);
      assert.equal(started.code, 0, started.stderr);
      assert.match(started.stdout.trim(), /^[0-9a-f]{64}$/);
      const ps = await run(["ps", "--format", "{{.Names}} {{.Status}}"]);
      assert.match(ps.stdout, new RegExp(`^${name} Up `, "m"));
      let logs = "";
      for (let i = 0; i < 50 && !logs.includes("ready"); i++) {
        logs = (await run(["logs", name])).stdout;
        if (!logs.includes("ready")) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(logs, "ready\n");
      const stopped = await run(["stop", "-t", "5", name]);
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.equal(stopped.stdout.trim(), name);
      const inspect = await run(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name]);
      assert.equal(inspect.stdout.trim(), "exited 0");
      const rm = await run(["rm", name]);
      assert.equal(rm.code, 0, rm.stderr);
      const gone = await run(["inspect", name]);
      assert.notEqual(gone.code, 0);
      assert.match(gone.stderr, /No such (container|object)/);
    });

    test(`${cli}: rm of a running container without -f is refused with a conflict`, async () => {
      const name = `${cli}-running`;
      assert.equal((await run(["run", "-d", "--name", name, "busybox", "sleep", "30"])).code, 0);
      const r = await run(["rm", name]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /container is running: stop the container before removing or force remove/);
      const f = await run(["rm", "-f", name]);
      assert.equal(f.code, 0, f.stderr);
    });

    test(`${cli}: a taken name is refused`, async () => {
      const name = `${cli}-taken`;
      assert.equal((await run(["create", "--name", name, "busybox", "true"])).code, 0);
      const r = await run(["create", "--name", name, "busybox", "true"]);
      assert.equal(r.code, 1); // docker 28: a daemon error from create exits 1
      assert.match(r.stderr, /is already in use by container/);
      await run(["rm", name]);
    });

    test(`${cli}: exec runs in the container's namespaces and returns the exit code`, async () => {
      const name = `${cli}-exec`;
      assert.equal(
        (await run(["run", "-d", "--name", name, "-h", "boxhost", "busybox", "sleep", "30"])).code,
        0,
      );
      const h = await run(["exec", name, "hostname"]);
      assert.equal(h.stdout, "boxhost\n");
      const code = await run(["exec", name, "sh", "-c", "exit 7"]);
      assert.equal(code.code, 7);
      const env = await run(["exec", "-e", "FOO=bar", name, "sh", "-c", "echo $FOO"]);
      assert.equal(env.stdout, "bar\n");
      await run(["rm", "-f", name]);
    });

    test(`${cli}: unknown image and unknown container give Docker's errors`, async () => {
      const c = await run(["stop", `${cli}-nope`]);
      assert.notEqual(c.code, 0);
      assert.match(c.stderr, new RegExp(`No such container: ${cli}-nope`));
      const i = await run(["image", "inspect", "no-such-image:1"]);
      assert.notEqual(i.code, 0);
      assert.match(i.stderr, /No such image: no-such-image:1/);
    });
  }
});
