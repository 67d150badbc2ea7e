import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { DOCKER_BIN, KAPSEL_BIN, startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { PtySession } from "./harness/pty.ts";

// Interactive use on a terminal, as a person types it: `run -it` and `exec -it` with a prompt,
// typed commands, the terminal size and its changes, ctrl-c, job control, the detach keys and
// attaching again. Each CLI runs on a pseudo-terminal of its own (CI has none).
describe("interactive containers on a terminal", { concurrency: 2 }, () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  // output lines end "\r\n" on the container's terminal (kapsel's CLI adds a "\r" of its own)
  const line = (text: string) => new RegExp(`\\n${text}\\r*\\n`);
  const PROMPT = /\/ # /;

  for (const cli of ["docker", "kapsel"] as const) {
    const bin = cli === "docker" ? DOCKER_BIN : KAPSEL_BIN;
    const pty = (args: string[], size = { rows: 24, cols: 80 }) =>
      new PtySession([bin, ...args], { env: d.env, ...size });

    /**
     * asks `stty size` until the container sees `want` (a resize travels asynchronously). Once,
     * halfway, the terminal is resized again: on a loaded machine the client has been seen to
     * miss a single SIGWINCH (1 run in ~6 of the whole suite); a user would resize again too.
     */
    async function sttySizeBecomes(p: PtySession, want: string) {
      let seen = "";
      const [rows, cols] = want.split(" ").map(Number);
      for (let i = 0; i < 30 && seen !== want; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 100));
        if (i === 15) {
          // the kernel signals only a change of size: step aside and back
          p.resize(rows - 1, cols);
          p.resize(rows, cols);
        }
        p.send("stty size\r");
        seen = (await p.expect(/\n(\d+ \d+)\r*\n/))[1];
      }
      assert.equal(seen, want);
    }

    test(`${cli}: run -it: prompt, commands, terminal size and resize, ctrl-c, exit code`, async () => {
      await using p = pty(["run", "-it", "--rm", "--name", `${cli}-tty-run`, "busybox", "sh"], {
        rows: 30,
        cols: 100,
      });
      await p.expect(PROMPT);
      p.send("echo $((40+2))\r");
      await p.expect(line("42"));
      p.send("stty size\r");
      await p.expect(line("30 100"));
      p.resize(40, 120);
      await sttySizeBecomes(p, "40 120");
      // ctrl-c reaches the foreground process; the shell survives it
      p.send("echo started; sleep 100\r");
      await p.expect(line("started"));
      await new Promise((r) => setTimeout(r, 300));
      p.send("\x03");
      p.send("echo rc=$?\r");
      await p.expect(line("rc=130"));
      p.send("exit 3\r");
      assert.equal(await p.exit(), 3);
    });

    test(`${cli}: ctrl-p ctrl-q detaches; attach sees new output; custom detach keys`, async () => {
      const name = `${cli}-tty-detach`;
      {
        await using p = pty(["run", "-it", "--name", name, "busybox", "sh"]);
        await p.expect(PROMPT);
        p.send("echo one\r");
        await p.expect(line("one"));
        p.send("\x10\x11");
        assert.equal(await p.exit(), 0, "run exits 0 after the detach keys");
      }
      const state = await d.docker(["inspect", "-f", "{{.State.Running}}", name]);
      assert.equal(state.stdout.trim(), "true", "the container keeps running");
      {
        await using p = pty(["attach", "--detach-keys", "ctrl-x,y", name]);
        await new Promise((r) => setTimeout(r, 300));
        p.send("echo two\r");
        await p.expect(line("two"));
        // the default keys pass through to the shell when other keys are chosen
        p.send("\x18y");
        // Docker's attach ends with the escape as its error
        assert.equal(await p.exit(), 1);
        assert.match(p.output, /read escape sequence/);
      }
      {
        await using p = pty(["attach", name]);
        await new Promise((r) => setTimeout(r, 300));
        p.send("echo three\r");
        await p.expect(line("three"));
        p.send("exit 5\r");
        assert.equal(await p.exit(), 5);
      }
      const logs = await d.docker(["logs", name]);
      assert.match(logs.stdout, /one\r\n[\s\S]*two\r\n[\s\S]*three\r\n/);
      await d.docker(["rm", "-f", name]);
    });

    test(`${cli}: run --detach-keys and job control in sh`, async () => {
      const name = `${cli}-tty-jobs`;
      await using p = pty([
        "run",
        "-it",
        "--rm",
        "--detach-keys",
        "ctrl-a,a",
        "--name",
        name,
        "busybox",
        "sh",
      ]);
      await p.expect(PROMPT);
      p.send("sleep 100 &\r");
      p.send("jobs\r");
      await p.expect(/\[1\]\+ +Running +sleep 100/);
      p.send("sleep 200\r");
      await new Promise((r) => setTimeout(r, 300));
      p.send("\x1a"); // ctrl-z
      await p.expect(/\[2\]\+ +Stopped +sleep 200/);
      p.send("kill -9 %2; kill %1; sleep 0.5; jobs\r");
      await p.expect(/Killed +sleep 200/);
      // ctrl-p ctrl-q are ordinary input now (ash's history keys; ctrl-c clears the line)
      p.send("\x10\x11\x03");
      p.send("echo still-here\r");
      await p.expect(line("still-here"));
      p.send("\x01a");
      assert.equal(await p.exit(), 0);
      const state = await d.docker(["inspect", "-f", "{{.State.Running}}", name]);
      assert.equal(state.stdout.trim(), "true");
      await d.docker(["rm", "-f", name]);
    });

    test(`${cli}: exec -it: prompt, size and resize, ctrl-c, exit code, detach`, async () => {
      const name = `${cli}-tty-exec`;
      const started = await d.docker(["run", "-d", "--name", name, "busybox", "sleep", "1000"]);
      assert.equal(started.code, 0, started.stderr);
      {
        await using p = pty(["exec", "-it", name, "sh"], { rows: 28, cols: 90 });
        await p.expect(PROMPT);
        p.send("stty size\r");
        await p.expect(line("28 90"));
        p.resize(35, 110);
        await sttySizeBecomes(p, "35 110");
        p.send("echo started; sleep 100\r");
        await p.expect(line("started"));
        await new Promise((r) => setTimeout(r, 300));
        p.send("\x03");
        p.send("echo rc=$?\r");
        await p.expect(line("rc=130"));
        p.send("exit 4\r");
        assert.equal(await p.exit(), 4);
      }
      {
        await using p = pty(["exec", "-it", "--detach-keys", "ctrl-e,e", name, "sh"]);
        await p.expect(PROMPT);
        p.send("echo in-exec\r");
        await p.expect(line("in-exec"));
        p.send("\x05e");
        assert.equal(await p.exit(), 1);
        assert.match(p.output, /read escape sequence/);
      }
      await d.docker(["rm", "-f", name]);
    });
  }

  // conmon 2.1 applies only the first of the resize messages one read of its control fifo gets
  // (exec sessions' too, through the same fifo code): of sizes set in quick succession, the
  // terminal must still end with the last one
  test("resizes in quick succession leave the terminal at the last size", async () => {
    const name = "tty-resizes";
    assert.equal((await d.docker(["run", "-dit", "--name", name, "busybox", "sh"])).code, 0);
    for (let round = 0; round < 5; round++) {
      for (const rows of [20 + round, 40 + round]) {
        assert.equal((await d.api("POST", `/containers/${name}/resize?h=${rows}&w=100`)).status, 200);
      }
      await new Promise((r) => setTimeout(r, 300));
      const size = await d.docker(["exec", name, "sh", "-c", "stty size < /proc/1/fd/0"]);
      assert.equal(size.stdout, `${40 + round} 100\n`, `round ${round}`);
    }
    await d.docker(["rm", "-f", name]);
  });
});
