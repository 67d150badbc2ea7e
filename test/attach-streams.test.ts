import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import { DOCKER_BIN, KAPSEL_BIN, startDaemon, type TestDaemon } from "./harness/daemon.ts";

// Attaching to containers without a terminal: output of running containers, stdin beside a
// watcher that has none, signals forwarded by the client, start -a -i, the attach events,
// and no lost output when the client attaches before the start.
describe("attach", { concurrency: 2 }, () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  /** a CLI process kept running, its output collected */
  function spawnCli(bin: string, args: string[]) {
    const child = spawn(bin, args, { env: d.env, stdio: ["pipe", "pipe", "pipe"] });
    const out = { stdout: "", stderr: "" };
    child.stdout.on("data", (b) => (out.stdout += b));
    child.stderr.on("data", (b) => (out.stderr += b));
    child.stdin.on("error", () => {});
    const exited = new Promise<number>((resolve) =>
      child.on("close", (code, sig) => resolve(code ?? (sig ? 128 : -1))),
    );
    return { child, out, exited };
  }

  async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  function killQuietly(child: ChildProcess) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }

  const running = async (name: string) =>
    (await d.docker(["inspect", "-f", "{{.State.Running}}", name])).stdout.trim() === "true";

  for (const cli of ["docker", "kapsel"] as const) {
    const bin = cli === "docker" ? DOCKER_BIN : KAPSEL_BIN;

    test(`${cli}: attach follows a running container's output; output meanwhile is in logs`, async () => {
      const name = `${cli}-att-follow`;
      const script = "i=0; while true; do i=$((i+1)); echo tick$i; echo err$i >&2; sleep 0.1; done";
      await d.docker(["run", "-d", "--name", name, "busybox", "sh", "-c", script]);
      // tick2 written before the attach starts: an attach that replayed would show tick1
      await until("the first ticks", () =>
        d.docker(["logs", name]).then((r) => r.stdout.includes("tick2\n")),
      );
      const a = spawnCli(bin, ["attach", "--no-stdin", name]);
      try {
        await until("attached output", () => /tick\d+\n/.test(a.out.stdout) && /err\d+\n/.test(a.out.stderr));
        // only what came after the attach: the first ticks were before it
        const first = Number(/tick(\d+)/.exec(a.out.stdout)?.[1]);
        assert.ok(first > 1, `attach replays no earlier output (first seen: tick${first})`);
        assert.doesNotMatch(a.out.stdout, /err/, "stdout and stderr kept apart");
        const logs = await d.docker(["logs", name]);
        assert.match(logs.stdout, /^tick1\ntick2\n/, "output before the attach is in the logs");
      } finally {
        killQuietly(a.child);
        await d.docker(["rm", "-f", name]);
      }
    });

    test(`${cli}: run -i with an empty stdin ends (its end can come before the container starts)`, async () => {
      for (let i = 0; i < 3; i++) {
        const r = await d[cli](["run", "--rm", "-i", "busybox", "cat"], { input: "", timeout: 15_000 });
        assert.deepEqual([r.code, r.stdout], [0, ""], r.stderr);
      }
    });

    test(`${cli}: attach --no-stdin leaving keeps the stdin of a run -i session beside it`, async () => {
      const name = `${cli}-att-nostdin`;
      const run = spawnCli(bin, [
        "run",
        "--rm",
        "--name",
        name,
        "-i",
        "busybox",
        "sh",
        "-c",
        "while read l; do echo got:$l; done; echo stdin-closed",
      ]);
      try {
        await until("the container", () => running(name).catch(() => false));
        const watcher = spawnCli(bin, ["attach", "--no-stdin", name]);
        await until("the watcher", () => attachEvents(name).then((n) => n >= 2));
        run.child.stdin.write("one\n");
        await until("the watcher's output", () => watcher.out.stdout.includes("got:one\n"));
        watcher.child.kill("SIGKILL");
        await watcher.exited;
        await new Promise((r) => setTimeout(r, 200));
        // the daemon sees the watcher gone when it writes it output (as Docker without EPOLLHUP)
        for (const l of ["two", "three", "four"]) {
          run.child.stdin.write(`${l}\n`);
          await until(
            `line ${l}`,
            () => run.out.stdout.includes(`got:${l}\n`) || run.child.exitCode !== null,
          );
        }
        run.child.stdin.end();
        assert.equal(await run.exited, 0);
        assert.equal(run.out.stdout, "got:one\ngot:two\ngot:three\ngot:four\nstdin-closed\n");
      } finally {
        killQuietly(run.child);
      }
    });

    test(`${cli}: attach --sig-proxy forwards SIGINT to a container without a TTY`, async () => {
      const name = `${cli}-att-sig`;
      const script = "trap 'echo got-INT; exit 7' INT; echo ready; while true; do sleep 0.1; done";
      await d.docker(["run", "-d", "--name", name, "busybox", "sh", "-c", script]);
      const a = spawnCli(bin, ["attach", name]);
      try {
        // the client catches signals before it attaches
        await until("the attach", () => attachEvents(name).then((n) => n > 0));
        a.child.kill("SIGINT");
        assert.equal(await a.exited, 7);
        assert.match(a.out.stdout, /got-INT\n/);
      } finally {
        killQuietly(a.child);
      }
      // --sig-proxy=false: the signal stays with the client
      const other = `${cli}-att-nosig`;
      await d.docker(["run", "-d", "--name", other, "busybox", "sh", "-c", script]);
      const b = spawnCli(bin, ["attach", "--sig-proxy=false", other]);
      try {
        await until("the attach", () => attachEvents(other).then((n) => n > 0));
        b.child.kill("SIGINT");
        await new Promise((r) => setTimeout(r, 500));
        assert.ok(await running(other), "the container did not get the signal");
      } finally {
        killQuietly(b.child);
        await d.docker(["rm", "-f", name, other]);
      }
    });

    test(`${cli}: start -a -i passes stdin and returns the exit code; streams kept apart`, async () => {
      const name = `${cli}-att-start`;
      const script = "read l; echo got:$l; echo oops >&2; exit 2";
      const created = await d[cli](["create", "-i", "--name", name, "busybox", "sh", "-c", script]);
      assert.equal(created.code, 0, created.stderr);
      const r = await d[cli](["start", "-a", "-i", name], { input: "hello\n" });
      assert.equal(r.stdout, "got:hello\n");
      assert.equal(r.stderr, "oops\n");
      assert.equal(r.code, 2);
      await d.docker(["rm", "-f", name]);
    });

    test(`${cli}: run -i carries 16 MB of stdin to a slow reader whole`, async () => {
      const data = randomBytes(16 << 20);
      const r = await new Promise<{ code: number; stdout: string }>((resolve) => {
        const child = spawn(bin, ["run", "--rm", "-i", "busybox", "sh", "-c", "sleep 1; sha256sum"], {
          env: d.env,
        });
        let stdout = "";
        child.stdout.on("data", (b) => (stdout += b));
        child.on("close", (code) => resolve({ code: code ?? -1, stdout }));
        child.stdin.end(data);
      });
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `${createHash("sha256").update(data).digest("hex")}  -\n`);
    });

    test(`${cli}: run prints the first line of a fast container every time`, async () => {
      const runs = Array.from({ length: 20 }, (_, i) => i);
      const failures: string[] = [];
      // four at a time: a busy machine is where a lost first line would show
      for (let i = 0; i < runs.length; i += 4) {
        const batch = runs.slice(i, i + 4).map(() => d[cli](["run", "--rm", "busybox", "echo", "x"]));
        for (const r of await Promise.all(batch)) {
          if (r.stdout !== "x\n" || r.code !== 0) failures.push(JSON.stringify(r));
        }
      }
      assert.deepEqual(failures, []);
    });

    test(`${cli}: attaching to a stopped container is refused`, async () => {
      const name = `${cli}-att-stopped`;
      await d.docker(["create", "--name", name, "busybox", "true"]);
      const r = await d[cli](["attach", name]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /You cannot attach to a stopped container, start it first/);
      await d.docker(["rm", "-f", name]);
    });
  }

  test("attach is an event before start; detach keys sent to the daemon end the attach with a detach event", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const name = "att-events";
    await d.docker(["run", "--name", `${name}-run`, "busybox", "echo", "hi"]);
    await d.docker(["run", "-d", "-it", "--name", name, "busybox", "sh"]);
    // a raw API client: the daemon watches its stdin for the keys (with a TTY, as Docker)
    const sock = connect(d.socket);
    let text = "";
    sock.on("data", (b) => (text += b));
    const closed = new Promise((r) => sock.on("close", r));
    sock.write(
      `POST /v1.50/containers/${name}/attach?stream=1&stdin=1&stdout=1&stderr=1&detachKeys=ctrl-x,x HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`,
    );
    await until("the upgrade", () => text.includes("101 UPGRADED"));
    sock.write("echo via-api\r");
    await until("the echo", () => /\nvia-api\r\n/.test(text));
    sock.write("\x18x");
    await closed;
    assert.ok(await running(name), "the container keeps running");
    const ev = await d.docker([
      "events",
      "--since",
      String(since),
      "--until",
      (Date.now() / 1000).toFixed(3),
      "--filter",
      `container=${name}-run`,
      "--filter",
      `container=${name}`,
      "--format",
      "{{.Actor.Attributes.name}} {{.Action}}",
    ]);
    const lines = ev.stdout.trim().split("\n");
    const of = (n: string) => lines.filter((l) => l.startsWith(`${n} `)).map((l) => l.slice(n.length + 1));
    assert.deepEqual(of(`${name}-run`), ["create", "attach", "start", "die"]);
    assert.deepEqual(
      of(name).filter((a) => a === "attach" || a === "detach"),
      ["attach", "detach"],
    );
    await d.docker(["rm", "-f", name, `${name}-run`]);
  });

  test("a hijacked attach's request body is not stdin (dockerode sends its options as one)", async () => {
    const name = "att-body";
    await d.docker(["create", "-i", "--name", name, "busybox", "cat"]);
    const sock = connect(d.socket);
    let out = Buffer.alloc(0);
    sock.on("data", (b: Buffer) => (out = Buffer.concat([out, b])));
    const body = JSON.stringify({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true });
    // headers and body in one write, as node's http client sends them
    sock.write(
      `POST /v1.50/containers/${name}/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n${body}`,
    );
    try {
      await until("the upgrade", () => out.includes("101 UPGRADED"));
      await d.docker(["start", name]);
      sock.write("typed\n");
      await until("the echo", () => out.includes("typed\n"));
      const payload = out.subarray(out.indexOf("\r\n\r\n") + 4);
      // one stdout frame holding what was typed, nothing of the body
      assert.equal(payload[0], 1);
      assert.equal(payload.subarray(8).toString(), "typed\n");
    } finally {
      sock.destroy();
      await d.docker(["rm", "-f", name]);
    }
  });

  /** how many attach events a container has had */
  async function attachEvents(name: string): Promise<number> {
    // until now, not later: the daemon would hold the stream open until then
    const now = (Date.now() / 1000).toFixed(3);
    const filters = encodeURIComponent(JSON.stringify({ container: [name], event: ["attach"] }));
    const r = await d.api("GET", `/events?since=0&until=${now}&filters=${filters}`);
    return r.body.split("\n").filter((l) => l.trim()).length;
  }
});
