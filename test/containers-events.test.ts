import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// The events each container command emits (read back with `events --since --until` and with
// GET /events), and the restart policies, through the real docker CLI and through kapsel.

interface ApiEvent {
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
}

/** Docker's --since/--until form: unix seconds with a fraction. */
const stamp = (ms: number) => `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, "0")}`;

describe("container events and restart policies", () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  const apiEvents = async (since: number, until: number, id: string): Promise<ApiEvent[]> => {
    const filters = encodeURIComponent(JSON.stringify({ container: [id] }));
    const r = await d.api("GET", `/events?since=${stamp(since)}&until=${stamp(until)}&filters=${filters}`);
    assert.equal(r.status, 200, r.body);
    return r.body
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  };

  /** Polls an inspect template until it prints `want` (or gives up after `ms`). */
  const waitFor = async (name: string, format: string, want: (s: string) => boolean, ms = 8000) => {
    const deadline = Date.now() + ms;
    let last = "";
    while (Date.now() < deadline) {
      last = (await d.docker(["inspect", "-f", format, name])).stdout.trim();
      if (want(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail(`${name}: ${format} is still ${JSON.stringify(last)}`);
  };

  for (const cli of ["docker", "kapsel"] as const) {
    const run = (args: string[]) => d[cli](args);

    test(`${cli}: each lifecycle command emits Docker's events, in order`, async () => {
      const name = `${cli}-events`;
      const since = Date.now() - 1;
      const started = await run([
        "run",
        "-d",
        "--name",
        name,
        "busybox",
        "sh",
        "-c",
        "trap 'exit 0' TERM; while :; do sleep 0.1; done",
      ]);
      const id = started.stdout.trim();
      const steps = [
        ["pause", name],
        ["unpause", name],
        ["exec", name, "true"],
        ["rename", name, `${name}-2`],
        ["kill", "-s", "USR1", `${name}-2`],
        ["stop", `${name}-2`],
        ["restart", `${name}-2`],
        ["kill", `${name}-2`],
        ["rm", `${name}-2`],
      ];
      for (const step of steps) {
        const r = await run(step);
        assert.equal(r.code, 0, `${step.join(" ")}: ${r.stderr}`);
      }
      const until = Date.now() + 1;
      const expected = [
        "create",
        "start",
        "pause",
        "unpause",
        "exec_create: true",
        "exec_start: true",
        "exec_die",
        "rename",
        "kill",
        "kill",
        "die",
        "stop",
        "start",
        "restart",
        "kill",
        "die",
        "destroy",
      ];
      const cliEvents = await run([
        "events",
        "--since",
        stamp(since),
        "--until",
        stamp(until),
        "--filter",
        `container=${id}`,
        "--format",
        "{{.Action}}",
      ]);
      assert.equal(cliEvents.code, 0, cliEvents.stderr);
      assert.deepEqual(cliEvents.stdout.trim().split("\n"), expected);

      const events = await apiEvents(since, until, id);
      assert.deepEqual(
        events.map((e) => e.Action),
        expected,
      );
      const attrs = (action: string) =>
        events.filter((e) => e.Action === action).map((e) => e.Actor.Attributes);
      assert.deepEqual(
        attrs("kill").map((a) => a.signal),
        ["10", "15", "9"],
      );
      assert.deepEqual(
        attrs("die").map((a) => a.exitCode),
        ["0", "137"],
      );
      assert.equal(attrs("rename")[0].oldName, `/${name}`);
      assert.equal(attrs("rename")[0].name, `${name}-2`);
      assert.equal(attrs("exec_die")[0].exitCode, "0");
      assert.equal(attrs("create")[0].image, "busybox");
      assert.equal(attrs("destroy")[0].name, `${name}-2`);
    });

    test(`${cli}: --restart on-failure:2 restarts twice, then stays exited`, async () => {
      const name = `${cli}-on-failure`;
      const since = Date.now() - 1;
      const r = await run([
        "run",
        "-d",
        "--name",
        name,
        "--restart",
        "on-failure:2",
        "busybox",
        "sh",
        "-c",
        "exit 3",
      ]);
      assert.equal(r.code, 0, r.stderr);
      await waitFor(name, "{{.State.Status}} {{.RestartCount}}", (s) => s === "exited 2");
      const policy = "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}";
      assert.equal(
        (await run(["inspect", "-f", `${policy} {{.State.ExitCode}}`, name])).stdout,
        "on-failure:2 3\n",
      );
      const ps = await run(["ps", "-a", "--filter", `name=^${name}$`, "--format", "{{.Status}}"]);
      assert.match(ps.stdout, /^Exited \(3\) /);
      const actions = (await apiEvents(since, Date.now() + 1, r.stdout.trim())).map((e) => e.Action);
      assert.deepEqual(actions, ["create", "start", "die", "start", "die", "start", "die"]);
      await run(["rm", name]);
    });

    test(`${cli}: --restart on-failure leaves a clean exit alone`, async () => {
      const name = `${cli}-on-failure-ok`;
      assert.equal(
        (await run(["run", "--name", name, "--restart", "on-failure", "busybox", "true"])).code,
        0,
      );
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(
        (await run(["inspect", "-f", "{{.State.Status}} {{.RestartCount}}", name])).stdout,
        "exited 0\n",
      );
      await run(["rm", name]);
    });

    test(`${cli}: --restart always keeps restarting (state "restarting") until stopped`, async () => {
      const name = `${cli}-always`;
      const r = await run([
        "run",
        "-d",
        "--name",
        name,
        "--restart",
        "always",
        "busybox",
        "sh",
        "-c",
        "exit 3",
      ]);
      assert.equal(r.code, 0, r.stderr);
      await waitFor(name, "{{.RestartCount}}", (s) => Number(s) >= 3);
      // between two runs the container is "restarting", and counts as running
      const between = await waitFor(name, "{{.State.Status}} {{.State.Running}} {{.State.Restarting}}", (s) =>
        s.startsWith("restarting"),
      );
      assert.equal(between, "restarting true true");
      const stop = await run(["stop", name]);
      assert.deepEqual([stop.code, stop.stdout], [0, `${name}\n`]);
      const after = await run(["inspect", "-f", "{{.State.Status}} {{.RestartCount}}", name]);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(
        (await run(["inspect", "-f", "{{.State.Status}} {{.RestartCount}}", name])).stdout,
        after.stdout,
      );
      assert.match(after.stdout, /^exited \d+\n$/);
      // a start by the user counts from zero again
      await run(["start", name]);
      assert.ok(Number(await waitFor(name, "{{.RestartCount}}", () => true)) < 3);
      await run(["rm", "-f", name]);
    });

    test(`${cli}: a restarting container is refused by rm without -f`, async () => {
      const name = `${cli}-always-rm`;
      await run(["run", "-d", "--name", name, "--restart", "always", "busybox", "sh", "-c", "exit 1"]);
      await waitFor(name, "{{.State.Status}}", (s) => s === "restarting");
      const rm = await run(["rm", name]);
      // the container may just be running again: either refusal is Docker's
      assert.equal(rm.code, 1);
      assert.match(
        rm.stderr,
        new RegExp(
          `^Error response from daemon: cannot remove container "${name}": container is (restarting|running): stop the container before removing or force remove\\n$`,
        ),
      );
      assert.equal((await run(["rm", "-f", name])).code, 0);
      assert.equal((await run(["ps", "-aq", "--filter", `name=^${name}$`])).stdout, "");
    });
  }

  test("network events: a container joins its network before it starts and leaves it after it dies, host and none too", async () => {
    const since = Date.now() - 1;
    const ids: string[] = [];
    for (const network of ["bridge", "none", "host"]) {
      const r = await d.docker(["run", "-d", "--network", network, "busybox", "true"]);
      assert.equal(r.code, 0, r.stderr);
      ids.push(r.stdout.trim());
    }
    for (const id of ids) await d.docker(["wait", id]);
    for (const id of ids) await d.docker(["rm", id]);
    const r = await d.docker([
      "events",
      "--since",
      stamp(since),
      "--until",
      stamp(Date.now() + 1),
      "--format",
      '{{.Type}} {{.Action}}{{if eq .Type "network"}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}} {{.Actor.Attributes.container}}{{else}} {{.Actor.ID}}{{end}}',
    ]);
    const types: Record<string, string> = { bridge: "bridge", none: "null", host: "host" };
    for (const [k, network] of ["bridge", "none", "host"].entries()) {
      const mine = r.stdout
        .split("\n")
        .filter((l) => l.endsWith(ids[k]) && !/ (create|attach) /.test(l))
        .map((l) => l.slice(0, -ids[k].length).trim());
      // Docker's order, checked against dockerd: connect, start, die, disconnect, destroy
      assert.deepEqual(
        mine,
        [
          `network connect ${network} ${types[network]}`,
          "container start",
          "container die",
          `network disconnect ${network} ${types[network]}`,
          "container destroy",
        ],
        r.stdout,
      );
    }
  });
});
