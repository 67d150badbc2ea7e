import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { after, before, describe, test } from "node:test";
import { DOCKER_BIN, KAPSEL_BIN, runCommand, startDaemon, type TestDaemon } from "./harness/daemon.ts";

// `logs` and its flags as Docker's daemon and CLI have them (moby daemon/logs.go,
// daemon/logger/loggerutils, docker/cli logs.go): -f until the container stops, -t with nine
// fraction digits, --tail N/all/0, --since/--until relative and absolute, --details, the two
// streams kept apart, TTY output raw, and a long log complete and in order.
describe("logs", { concurrency: 2 }, () => {
  let d: TestDaemon;
  /** printed "early" lines, then "late" ones two seconds later; still running */
  const TIMED = "logs-timed";
  before(async () => {
    d = await startDaemon();
    const script =
      "echo out1; echo err1 >&2; echo out2; sleep 2; echo late-out; echo late-err >&2; sleep 1000";
    const r = await d.docker(["run", "-d", "--name", TIMED, "busybox", "sh", "-c", script]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  /** waits until the timed container printed its late lines (then --since 1s has only those) */
  async function lateLines() {
    while (!(await d.docker(["logs", TIMED])).stdout.includes("late-out")) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z /;

  for (const cli of ["docker", "kapsel"] as const) {
    const bin = cli === "docker" ? DOCKER_BIN : KAPSEL_BIN;
    const logs = (args: string[]) => d[cli](["logs", ...args]);
    const lines = (text: string) => text.split("\n").filter((l) => l !== "");

    test(`${cli}: stdout and stderr stay apart; --tail counts both; -t stamps RFC 3339 with 9 digits`, async () => {
      await lateLines();
      const all = await logs([TIMED]);
      assert.equal(all.stdout, "out1\nout2\nlate-out\n");
      assert.equal(all.stderr, "err1\nlate-err\n");
      // --tail 2 is the last two lines of the log, whichever stream they were on
      const tail = await logs(["--tail", "2", TIMED]);
      assert.equal(tail.stdout + tail.stderr, "late-out\nlate-err\n");
      for (const all of ["all", "-1"]) {
        const r = await logs(["--tail", all, TIMED]);
        assert.equal(r.stdout, "out1\nout2\nlate-out\n", `--tail ${all}`);
      }
      const none = await logs(["--tail", "0", TIMED]);
      assert.equal(none.stdout + none.stderr, "");
      const stamped = await logs(["-t", TIMED]);
      const out = lines(stamped.stdout);
      assert.equal(out.length, 3);
      for (const l of [...out, ...lines(stamped.stderr)]) assert.match(l, STAMP);
      assert.deepEqual(
        out.map((l) => l.replace(STAMP, "")),
        ["out1", "out2", "late-out"],
      );
    });

    test(`${cli}: --since and --until, relative and absolute (inclusive, to the nanosecond)`, async () => {
      // relative: the CLI sends now minus the duration in whole seconds (moby's GetTimestamp),
      // so "early" is 2.5 s before "late", and the logs are read within a second of "late"
      const name = `${cli}-logs-relative`;
      const script = "echo early; sleep 2.5; echo late; sleep 1000";
      await d.docker(["run", "-d", "--name", name, "busybox", "sh", "-c", script]);
      while (!(await d.docker(["logs", name])).stdout.includes("late")) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const [since, until] = await Promise.all([
        logs(["--since", "1s", name]),
        logs(["--until", "1s", name]),
      ]);
      assert.equal(since.stdout, "late\n");
      assert.equal(until.stdout, "early\n");
      await d.docker(["rm", "-f", name]);
      await lateLines();
      // absolute: conmon reads stdout and stderr apart, so order the lines by their stamps
      const t = await logs(["-t", TIMED]);
      const stamped = [...lines(t.stdout), ...lines(t.stderr)].map((l) => {
        const sp = l.indexOf(" ");
        return { at: l.slice(0, sp), text: l.slice(sp + 1) };
      });
      const early = stamped.filter((l) => !l.text.startsWith("late")).map((l) => l.at);
      const late = stamped.filter((l) => l.text.startsWith("late")).map((l) => l.at);
      const lastEarly = early.sort().at(-1) ?? "";
      const firstLate = late.sort()[0];
      const fromLate = await logs(["--since", firstLate, TIMED]);
      assert.equal(fromLate.stdout, "late-out\n");
      assert.equal(fromLate.stderr, "late-err\n");
      const toEarly = await logs(["--until", lastEarly, TIMED]);
      assert.equal(toEarly.stdout, "out1\nout2\n");
      assert.equal(toEarly.stderr, "err1\n");
      // one nanosecond after the last line: nothing
      const lastLate = late.sort().at(-1) ?? "";
      const m = /^(.*\.)(\d{9})Z$/.exec(lastLate);
      if (m && m[2] !== "999999999") {
        const next = `${m[1]}${String(Number(m[2]) + 1).padStart(9, "0")}Z`;
        const after = await logs(["--since", next, TIMED]);
        assert.equal(after.stdout + after.stderr, "");
      }
    });

    test(`${cli}: --details prefixes the attributes chosen by --log-opt (a space without any)`, async () => {
      const name = `${cli}-logs-details`;
      const r = await d[cli]([
        "run",
        "--name",
        name,
        "--label",
        "team=a b",
        "--log-opt",
        "labels=team",
        "--log-opt",
        "env=FOO",
        "-e",
        "FOO=x/y",
        "busybox",
        "echo",
        "hi",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((await logs(["--details", name])).stdout, "FOO=x%2Fy,team=a+b hi\n");
      assert.match((await logs(["--details", "-t", name])).stdout, /Z FOO=x%2Fy,team=a\+b hi\n$/);
      assert.equal((await logs(["--details", TIMED])).stdout, " out1\n out2\n late-out\n");
      await d.docker(["rm", "-f", name]);
    });

    test(`${cli}: -f follows until the container exits, then the client exits`, async () => {
      const name = `${cli}-logs-follow`;
      await d.docker([
        "run",
        "-d",
        "--name",
        name,
        "busybox",
        "sh",
        "-c",
        "echo a; sleep 1; echo b >&2; sleep 0.1; echo c",
      ]);
      const started = Date.now();
      const r = await logs(["-f", name]);
      const took = Date.now() - started;
      assert.equal(r.stdout, "a\nc\n");
      assert.equal(r.stderr, "b\n");
      const finished = (await d.docker(["inspect", "-f", "{{.State.FinishedAt}}", name])).stdout.trim();
      assert.ok(took >= 700, `followed the running container (${took} ms)`);
      // the client ends with the container, not some time after it
      assert.ok(
        Date.now() - Date.parse(finished) < 1000,
        `ended ${Date.now() - Date.parse(finished)} ms after the exit`,
      );
      // a stopped container: -f prints the log and returns
      const again = await logs(["-f", "--tail", "1", name]);
      assert.equal(again.stdout, "c\n");
      await d.docker(["rm", "-f", name]);
    });

    test(`${cli}: -f --tail 0 and -f --since show only new lines`, async () => {
      const name = `${cli}-logs-new`;
      const script = "echo old; sleep 1.5; echo new; sleep 0.2";
      await d.docker(["run", "-d", "--name", name, "busybox", "sh", "-c", script]);
      let old = "";
      while (!old) old = (await logs(["-t", name])).stdout;
      // one nanosecond after "old" was logged
      const m = /^(.*\.)(\d{9})Z /.exec(old);
      assert.ok(m, old);
      const ns = Number(m[2]);
      const since =
        ns < 999999999
          ? `${m[1]}${String(ns + 1).padStart(9, "0")}Z`
          : m[0].replace(/\.\d+Z /, ".999999999Z");
      const [tail0, sinceOld] = await Promise.all([
        logs(["-f", "--tail", "0", name]),
        logs(["-f", "--since", since, name]),
      ]);
      assert.equal(tail0.stdout, "new\n");
      assert.equal(sinceOld.stdout, "new\n");
      await d.docker(["rm", "-f", name]);
    });

    test(`${cli}: a TTY container's log is its raw terminal output, all on stdout`, async () => {
      const name = `${cli}-logs-tty`;
      await d.docker(["run", "-t", "--name", name, "busybox", "sh", "-c", "echo a; echo b >&2"]);
      const r = await logs([name]);
      assert.equal(r.stdout, "a\r\nb\r\n");
      assert.equal(r.stderr, "");
      await d.docker(["rm", "-f", name]);
    });

    test(`${cli}: 200 000 lines come back complete and in order`, async () => {
      const name = `${cli}-logs-big`;
      const run = await d.docker(["run", "--name", name, "busybox", "seq", "1", "200000"]);
      assert.equal(run.code, 0);
      const expected = `${Array.from({ length: 200000 }, (_, i) => i + 1).join("\n")}\n`;
      assert.ok(run.stdout === expected, "run printed every line");
      // through a pipe, as `logs x | grep` reads it
      const r = await runCommand("sh", ["-c", `"$0" logs "$1" | cat`, bin, name], d.env, { timeout: 60_000 });
      assert.equal(r.stdout.length, expected.length);
      assert.ok(r.stdout === expected, "logs printed every line, in order");
      const tail = await logs(["--tail", "3", name]);
      assert.equal(tail.stdout, "199998\n199999\n200000\n");
      await d.docker(["rm", "-f", name]);
    });
  }

  for (const cli of ["docker", "kapsel"] as const) {
    test(`${cli}: --log-opt max-size bounds the log; a follower goes on across its restarts`, async () => {
      const name = `${cli}-logs-capped`;
      // ~9 kB at 10 ms a line: the log starts anew about three times while the follower reads
      const script = "sleep 1; i=0; while [ $i -lt 200 ]; do echo line$i; i=$((i+1)); usleep 10000; done";
      const started = await d[cli]([
        "run",
        "-d",
        "--name",
        name,
        "--log-opt",
        "max-size=3k",
        "busybox",
        "sh",
        "-c",
        script,
      ]);
      assert.equal(started.code, 0, started.stderr);
      try {
        const followed = await d[cli](["logs", "-f", name], { timeout: 30_000 });
        assert.equal(followed.stdout, Array.from({ length: 200 }, (_, i) => `line${i}\n`).join(""));
        // afterwards only what came since the log last started anew: at most max-size of it
        const kept = (await d[cli](["logs", name])).stdout;
        assert.ok(kept.length > 0 && kept.length < 3000, `${kept.length} bytes kept`);
        assert.match(kept, /line199\n$/);
      } finally {
        await d.docker(["rm", "-f", name]);
      }
    });
  }

  for (const cli of ["docker", "kapsel"] as const) {
    test(`${cli}: --log-opt max-file keeps older files, as json-file; logs and --tail read across them`, async () => {
      const name = `${cli}-logs-rotated`;
      const script = "i=0; while [ $i -lt 200 ]; do echo line$i; i=$((i+1)); usleep 10000; done";
      const opts = ["--log-opt", "max-size=3k", "--log-opt", "max-file=3"];
      const started = await d[cli](["run", "-d", "--name", name, ...opts, "busybox", "sh", "-c", script]);
      assert.equal(started.code, 0, started.stderr);
      assert.equal(started.stderr, "", "no warning: max-file is applied");
      try {
        assert.equal((await d.docker(["wait", name])).stdout, "0\n");
        const kept = (await d[cli](["logs", name])).stdout.split("\n").slice(0, -1);
        // 3 files of at most 3 kB (about 45 lines each): more than one file's worth, not all 200
        assert.ok(kept.length > 60 && kept.length < 200, `${kept.length} lines kept`);
        const first = Number(kept[0].slice(4));
        assert.deepEqual(
          kept,
          Array.from({ length: 200 - first }, (_, i) => `line${first + i}`),
          "the newest lines, in order, none missing",
        );
        const tail = (await d[cli](["logs", "--tail", "100", name])).stdout;
        assert.equal(tail, Array.from({ length: 100 }, (_, i) => `line${100 + i}\n`).join(""));
        const logPath = (await d.docker(["inspect", "-f", "{{.LogPath}}", name])).stdout.trim();
        const rotated = readdirSync(dirname(logPath))
          .filter((f) => /\.log\.\d+$/.test(f))
          .sort();
        assert.deepEqual(
          rotated.map((f) => f.slice(f.lastIndexOf("."))),
          [".1", ".2"],
        );
      } finally {
        await d.docker(["rm", "-f", name]);
      }
    });
  }

  test("--log-opt values are checked at create, in moby's words; compress is a warning", async () => {
    for (const [opts, message] of [
      [["max-size=x"], /invalid size: 'x'/],
      [["max-size=0"], /max-size must be a positive number/],
      [["max-file=0", "max-size=1m"], /max-file cannot be less than 1/],
      [
        ["compress=true", "max-size=1m"],
        /compress cannot be true when max-file is less than 2 or max-size is not set/,
      ],
      [["foo=1"], /unknown log opt 'foo' for json-file log driver/],
      [["mode=sometimes"], /logger: logging mode not supported: sometimes/],
    ] as const) {
      const r = await d.docker([
        "run",
        "--rm",
        "-l",
        "log-opt-check",
        ...opts.flatMap((o) => ["--log-opt", o]),
        "busybox",
        "true",
      ]);
      assert.equal(r.code, 125, opts.join(" "));
      assert.match(r.stderr, message);
    }
    // nothing was created (other tests of this file run beside this one)
    assert.equal((await d.docker(["ps", "-aq", "--filter", "label=log-opt-check"])).stdout, "");
    const warned = await d.docker([
      "create",
      ...["--log-opt", "max-size=1m", "--log-opt", "max-file=3", "--log-opt", "compress=true"],
      "busybox",
      "true",
    ]);
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(
      warned.stderr,
      /WARNING: kapsel does not compress rotated log files: compress=true is not applied/,
    );
    await d.docker(["rm", warned.stdout.trim()]);
  });

  test("the API: a bad tail is every line; no stream is a 400", async () => {
    const id = TIMED;
    await lateLines();
    const bad = await d.api("GET", `/containers/${id}/logs?stdout=1&tail=abc`);
    assert.equal(bad.status, 200);
    assert.equal(bad.headers["content-type"], "application/vnd.docker.multiplexed-stream");
    assert.match(bad.body, /out1\n[\s\S]*late-out\n/);
    const none = await d.api("GET", `/containers/${id}/logs`);
    assert.equal(none.status, 400);
    assert.match(none.body, /you must choose at least one stream/);
  });
});

// dockerd's --log-driver and --log-opt: the defaults of containers that name none
test("kapseld --log-driver and --log-opt are the defaults a container's own options go over", async () => {
  await using d = await startDaemon({
    args: ["--log-driver", "json-file", "--log-opt", "max-size=1k", "--log-opt", "env=A"],
  });
  assert.equal(
    ((await d.api("GET", "/info")).json() as { LoggingDriver: string }).LoggingDriver,
    "json-file",
  );
  const logConfig = async (args: string[]) => {
    const r = await d.docker(["create", ...args, "busybox", "true"]);
    assert.equal(r.code, 0, r.stderr);
    return (
      await d.docker(["inspect", "-f", "{{json .HostConfig.LogConfig}}", r.stdout.trim()])
    ).stdout.trim();
  };
  assert.equal(await logConfig([]), '{"Type":"json-file","Config":{"env":"A","max-size":"1k"}}');
  assert.equal(
    await logConfig(["--log-opt", "max-size=5k"]),
    '{"Type":"json-file","Config":{"env":"A","max-size":"5k"}}',
  );
  assert.equal(await logConfig(["--log-driver", "none"]), '{"Type":"none","Config":{}}');
  // the default bounds the log of a container that names nothing
  const run = await d.docker(["run", "--name", "dflt", "busybox", "sh", "-c", "seq 1 500"]);
  assert.equal(run.code, 0, run.stderr);
  const kept = (await d.docker(["logs", "dflt"])).stdout;
  assert.ok(kept.length < 1024 && kept.endsWith("500\n"), `${kept.length} bytes kept`);
});

test("kapseld refuses a default log driver or option containers could not take", async () => {
  for (const [args, message] of [
    [["--log-opt", "max-size=x"], /invalid size: 'x'/],
    [["--log-driver", "bogus"], /error looking up logging plugin bogus: plugin \\?"bogus\\?" not found/],
    [["--log-driver", "syslog"], /log driver syslog is not implemented/],
  ] as const)
    await assert.rejects(startDaemon({ busybox: false, args: [...args] }), message);
});
