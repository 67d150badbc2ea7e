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

  /** Waits until a container's script has set its traps (it touches /tmp/ready after them). */
  const trapsSet = async (name: string) => {
    for (let i = 0; i < 100; i++) {
      if ((await d.docker(["exec", name, "test", "-f", "/tmp/ready"])).code === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`${name} did not get ready`);
  };

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
        "trap 'exit 0' TERM; echo ready; while true; do sleep 0.1; done",
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

    test(`${cli}: create, then start -a prints the output and returns the exit code`, async () => {
      const name = `${cli}-start-a`;
      const created = await run(["create", "--name", name, "busybox", "sh", "-c", "echo hi; exit 4"]);
      assert.match(created.stdout.trim(), /^[0-9a-f]{64}$/);
      assert.equal((await run(["inspect", "-f", "{{.State.Status}}", name])).stdout, "created\n");
      const r = await run(["start", "-a", name]);
      assert.equal(r.stdout, "hi\n");
      assert.equal(r.code, 4);
      await run(["rm", name]);
    });

    test(`${cli}: start -ai passes stdin to a container created with -i`, async () => {
      const name = `${cli}-start-ai`;
      assert.equal((await run(["create", "-i", "--name", name, "busybox", "cat"])).code, 0);
      const r = await run(["start", "-ai", name], { input: "via start\n" });
      assert.equal(r.stdout, "via start\n");
      assert.equal(r.code, 0);
      await run(["rm", name]);
    });

    test(`${cli}: start of a running container and stop of a stopped one succeed quietly`, async () => {
      const name = `${cli}-idempotent`;
      await run(["run", "-d", "--name", name, "busybox", "sleep", "30"]);
      const again = await run(["start", name]);
      assert.deepEqual([again.code, again.stdout], [0, `${name}\n`]);
      assert.equal((await run(["stop", "-t", "0", name])).code, 0);
      const twice = await run(["stop", name]);
      assert.deepEqual([twice.code, twice.stdout, twice.stderr], [0, `${name}\n`, ""]);
      await run(["rm", name]);
    });

    test(`${cli}: stop -s sends that signal; stop -t kills after the timeout (137)`, async () => {
      const name = `${cli}-stop-signal`;
      const script = "trap 'exit 5' USR1; touch /tmp/ready; while :; do sleep 0.1; done";
      await run(["run", "-d", "--name", name, "busybox", "sh", "-c", script]);
      await trapsSet(name);
      assert.equal((await run(["stop", "-s", "USR1", name])).code, 0);
      assert.equal((await run(["wait", name])).stdout, "5\n");
      await run(["start", name]);
      const started = Date.now();
      // PID 1 ignores a signal it has no handler for: HUP does nothing, the SIGKILL after -t 1 ends it
      assert.equal((await run(["stop", "-t", "1", "-s", "HUP", name])).code, 0);
      assert.ok(Date.now() - started >= 900, "waited for the timeout");
      assert.equal((await run(["inspect", "-f", "{{.State.ExitCode}}", name])).stdout, "137\n");
      await run(["rm", name]);
    });

    test(`${cli}: kill -s signals a running container; kill of a stopped one fails`, async () => {
      const name = `${cli}-kill`;
      const script = "trap 'exit 6' TERM; touch /tmp/ready; while :; do sleep 0.1; done";
      await run(["run", "-d", "--name", name, "busybox", "sh", "-c", script]);
      await trapsSet(name);
      const k = await run(["kill", "-s", "TERM", name]);
      assert.deepEqual([k.code, k.stdout], [0, `${name}\n`]);
      assert.equal((await run(["wait", name])).stdout, "6\n");
      const again = await run(["kill", name]);
      assert.equal(again.code, 1);
      assert.match(
        again.stderr,
        new RegExp(
          `^Error response from daemon: cannot kill container: ${name}: container [0-9a-f]{64} is not running\n$`,
        ),
      );
      await run(["rm", name]);
    });

    test(`${cli}: restart stops the container and starts a new run`, async () => {
      const name = `${cli}-restart`;
      await run(["run", "-d", "--name", name, "busybox", "sleep", "30"]);
      const before = (await run(["inspect", "-f", "{{.State.StartedAt}}", name])).stdout;
      const r = await run(["restart", "-t", "0", name]);
      assert.deepEqual([r.code, r.stdout], [0, `${name}\n`]);
      const after = await run([
        "inspect",
        "-f",
        "{{.State.Status}} {{.RestartCount}} {{.State.StartedAt}}",
        name,
      ]);
      const [status, count, startedAt] = after.stdout.trim().split(" ");
      assert.deepEqual([status, count], ["running", "0"]);
      assert.notEqual(startedAt, before.trim());
      await run(["rm", "-f", name]);
    });

    test(`${cli}: wait prints each exit code; an unknown container fails with exit 1`, async () => {
      const a = `${cli}-wait-a`;
      const b = `${cli}-wait-b`;
      await run(["run", "-d", "--name", a, "busybox", "sh", "-c", "sleep 0.2; exit 2"]);
      await run(["run", "-d", "--name", b, "busybox", "sh", "-c", "exit 5"]);
      const w = await run(["wait", a, b]);
      assert.deepEqual([w.code, w.stdout], [0, "2\n5\n"]);
      const missing = await run(["wait", `${cli}-wait-nope`]);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, `Error response from daemon: No such container: ${cli}-wait-nope\n`);
      await run(["rm", a, b]);
    });

    test(`${cli}: rm removes what it can, reports the rest and exits 1`, async () => {
      const a = `${cli}-rm-a`;
      const b = `${cli}-rm-b`;
      await run(["create", "--name", a, "busybox", "true"]);
      await run(["create", "--name", b, "busybox", "true"]);
      const r = await run(["rm", a, `${cli}-rm-nope`, b]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, `${a}\n${b}\n`);
      assert.equal(r.stderr, `Error response from daemon: No such container: ${cli}-rm-nope\n`);
      const left = await run(["ps", "-a", "--filter", `name=${cli}-rm-`, "-q"]);
      assert.equal(left.stdout, "");
    });

    test(`${cli}: rm -f kills a running container; rm -v is accepted`, async () => {
      const name = `${cli}-rm-f`;
      await run(["run", "-d", "--name", name, "busybox", "sleep", "30"]);
      const r = await run(["rm", "-f", "-v", name]);
      assert.deepEqual([r.code, r.stdout], [0, `${name}\n`]);
      assert.equal((await run(["ps", "-a", "-q", "--filter", `name=^${name}$`])).stdout, "");
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
