import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// What you do to a running container, through the real docker CLI and through kapsel: exec,
// top, pause/unpause, rename, diff, export, prune. Each case names its containers after itself.
describe("container exec and operations", () => {
  let d: TestDaemon;
  let dir: string;
  before(async () => {
    d = await startDaemon();
    dir = mkdtempSync("/tmp/kt-exec-");
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await d?.[Symbol.asyncDispose]();
  });

  for (const cli of ["docker", "kapsel"] as const) {
    const run = (args: string[], o?: { input?: string }) => d[cli](args, o);
    const sleeper = async (name: string, ...flags: string[]) => {
      const r = await run(["run", "-d", "--name", name, ...flags, "busybox", "sleep", "300"]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim();
    };

    test(`${cli}: exec -u, -w and -e set the process's user, directory and environment`, async () => {
      const name = `${cli}-exec-opts`;
      await sleeper(name, "-w", "/home", "-e", "KEEP=1", "-e", "DROP=2");
      const r = await run([
        "exec",
        "-u",
        "1000:100",
        "-w",
        "/tmp",
        "-e",
        "A=1",
        "-e",
        "DROP",
        name,
        "sh",
        "-c",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion
        'id; pwd; echo "$A|$KEEP|${DROP-unset}"',
      ]);
      assert.equal(r.stdout, "uid=1000 gid=100(users)\n/tmp\n1|1|unset\n");
      assert.equal((await run(["exec", name, "pwd"])).stdout, "/home\n");
      assert.equal((await run(["exec", "-u", "nobody", name, "id", "-un"])).stdout, "nobody\n");
      await run(["rm", "-f", name]);
    });

    test(`${cli}: exec -i passes stdin; -d runs in the background`, async () => {
      const name = `${cli}-exec-io`;
      await sleeper(name);
      const i = await run(["exec", "-i", name, "sh", "-c", "cat; echo done"], { input: "in\n" });
      assert.equal(i.stdout, "in\ndone\n");
      const bg = await run(["exec", "-d", name, "sh", "-c", "sleep 0.2; touch /tmp/bg-done"]);
      assert.deepEqual([bg.code, bg.stdout], [0, ""]);
      let seen = 1;
      for (let i = 0; i < 30 && seen !== 0; i++) {
        seen = (await run(["exec", name, "test", "-f", "/tmp/bg-done"])).code;
        if (seen !== 0) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(seen, 0);
      await run(["rm", "-f", name]);
    });

    test(`${cli}: exec --privileged gets every capability`, async () => {
      const name = `${cli}-exec-priv`;
      await sleeper(name);
      const caps = async (...flags: string[]) =>
        (await run(["exec", ...flags, name, "grep", "CapEff", "/proc/self/status"])).stdout.split(/\s+/)[1];
      const plain = BigInt(`0x${await caps()}`);
      const privileged = BigInt(`0x${await caps("--privileged")}`);
      assert.equal(plain & (1n << 21n), 0n, "no CAP_SYS_ADMIN without --privileged");
      assert.notEqual(privileged & (1n << 21n), 0n, "CAP_SYS_ADMIN with --privileged");
      await run(["rm", "-f", name]);
    });

    test(`${cli}: exec failures print Docker's message and exit 126/127`, async () => {
      const name = `${cli}-exec-fail`;
      await sleeper(name);
      const missing = await run(["exec", name, "no-such-cmd"]);
      assert.equal(missing.code, 127);
      assert.equal(
        missing.stdout,
        'OCI runtime exec failed: exec failed: unable to start container process: exec: "no-such-cmd": executable file not found in $PATH: unknown\r\n',
      );
      const dirExec = await run(["exec", name, "/etc"]);
      assert.equal(dirExec.code, 126);
      assert.match(dirExec.stdout, /permission denied/);
      const user = await run(["exec", "-u", "no-such-user", name, "id"]);
      assert.equal(user.code, 126);
      assert.equal(user.stdout, "unable to find user no-such-user: no matching entries in passwd file\r\n");
      const status = await run(["exec", name, "sh", "-c", "exit 42"]);
      assert.equal(status.code, 42);
      await run(["rm", "-f", name]);
    });

    test(`${cli}: exec needs a running, unpaused container`, async () => {
      const name = `${cli}-exec-state`;
      const id = await sleeper(name);
      assert.equal((await run(["pause", name])).code, 0);
      const paused = await run(["exec", name, "true"]);
      assert.equal(paused.code, 1);
      assert.equal(
        paused.stderr,
        `Error response from daemon: Container ${name} is paused, unpause the container before exec\n`,
      );
      await run(["unpause", name]);
      await run(["kill", name]);
      const stopped = await run(["exec", name, "true"]);
      assert.equal(stopped.code, 1);
      assert.equal(stopped.stderr, `Error response from daemon: container ${id} is not running\n`);
      const nope = await run(["exec", `${cli}-exec-nope`, "true"]);
      assert.equal(nope.stderr, `Error response from daemon: No such container: ${cli}-exec-nope\n`);
      await run(["rm", name]);
    });

    test(`${cli}: top lists the container's processes, with ps options`, async () => {
      const name = `${cli}-top`;
      await sleeper(name);
      const r = await run(["top", name]);
      const [header, ...rows] = r.stdout.trimEnd().split("\n");
      assert.deepEqual(header.trim().split(/\s+/), [
        "UID",
        "PID",
        "PPID",
        "C",
        "STIME",
        "TTY",
        "TIME",
        "CMD",
      ]);
      assert.equal(rows.length, 1);
      assert.match(rows[0], /^root +\d+ .* sleep 300$/);
      const o = await run(["top", name, "-o", "pid,comm"]);
      assert.match(o.stdout, /^PID +COMMAND\n\d+ +sleep\n$/);
      const bad = await run(["top", name, "-x", "-o", "bogus"]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^Error response from daemon: ps: error: /);
      await run(["kill", name]);
      const stopped = await run(["top", name]);
      assert.equal(stopped.code, 1);
      assert.match(stopped.stderr, /container [0-9a-f]{64} is not running/);
      await run(["rm", name]);
    });

    test(`${cli}: pause and unpause show in inspect and ps`, async () => {
      const name = `${cli}-pause`;
      const id = await sleeper(name);
      assert.deepEqual(await run(["pause", name]), { code: 0, stdout: `${name}\n`, stderr: "" });
      const ps = await run(["ps", "--filter", `name=^${name}$`, "--format", "{{.Status}}|{{.State}}"]);
      assert.match(ps.stdout, /^Up .+ \(Paused\)\|paused\n$/);
      const state = await run([
        "inspect",
        "-f",
        "{{.State.Status}} {{.State.Paused}} {{.State.Running}}",
        name,
      ]);
      assert.equal(state.stdout, "paused true true\n");
      const twice = await run(["pause", name]);
      assert.equal(twice.stderr, `Error response from daemon: container ${id} is already paused\n`);
      assert.deepEqual(await run(["unpause", name]), { code: 0, stdout: `${name}\n`, stderr: "" });
      assert.equal((await run(["inspect", "-f", "{{.State.Status}}", name])).stdout, "running\n");
      const again = await run(["unpause", name]);
      assert.equal(again.stderr, `Error response from daemon: container ${id} is not paused\n`);
      const rm = await run(["pause", name]);
      assert.equal(rm.code, 0);
      const refused = await run(["rm", name]);
      assert.match(refused.stderr, /container is paused and must be unpaused first/);
      assert.equal((await run(["rm", "-f", name])).code, 0);
    });

    test(`${cli}: rename changes the name; clashes and bad names are refused`, async () => {
      const name = `${cli}-rename`;
      const other = `${cli}-rename-other`;
      const id = await sleeper(name);
      await run(["create", "--name", other, "busybox", "true"]);
      const r = await run(["rename", name, `${name}-new`]);
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, "", ""]);
      assert.equal((await run(["inspect", "-f", "{{.Id}}", `${name}-new`])).stdout, `${id}\n`);
      assert.equal((await run(["inspect", name])).code, 1);
      const clash = await run(["rename", `${name}-new`, other]);
      assert.equal(clash.code, 1);
      assert.match(
        clash.stderr,
        new RegExp(
          `^Error response from daemon: Error when allocating new name: Conflict. The container name "/${other}" is already in use by container "[0-9a-f]{64}"`,
        ),
      );
      const bad = await run(["rename", `${name}-new`, "b@d"]);
      assert.match(
        bad.stderr,
        /^Error response from daemon: Error when allocating new name: Invalid container name \(\/b@d\), only \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\] are allowed\n/,
      );
      const same = await run(["rename", `${name}-new`, `${name}-new`]);
      assert.match(
        same.stderr,
        /^Error response from daemon: Renaming a container with the same name as its current name\n/,
      );
      assert.equal((await run(["inspect", "-f", "{{.Name}}", id])).stdout, `/${name}-new\n`);
      await run(["rm", "-f", `${name}-new`, other]);
    });

    test(`${cli}: diff lists what the container added, changed and deleted`, async () => {
      const name = `${cli}-diff`;
      const script = "mkdir /tmp/newdir; touch /tmp/new; rm /etc/shadow; echo x >> /etc/passwd";
      assert.equal((await run(["run", "--name", name, "busybox", "sh", "-c", script])).code, 0);
      const r = await run(["diff", name]);
      assert.equal(r.stdout, "C /etc\nC /etc/passwd\nD /etc/shadow\nC /tmp\nA /tmp/new\nA /tmp/newdir\n");
      // a container that wrote nothing has nothing to show (the files Docker bind-mounts
      // into it, /etc/hosts and the like, are not its changes)
      const clean = `${cli}-diff-clean`;
      await run(["run", "--name", clean, "busybox", "true"]);
      assert.deepEqual(await run(["diff", clean]), { code: 0, stdout: "", stderr: "" });
      await run(["rm", name, clean]);
    });

    test(`${cli}: export writes the container's file system as a tar`, async () => {
      const name = `${cli}-export`;
      await run(["run", "--name", name, "busybox", "sh", "-c", "echo hello > /tmp/new; rm /etc/shadow"]);
      const file = join(dir, `${cli}.tar`);
      const r = await run(["export", "-o", file, name]);
      assert.deepEqual([r.code, r.stderr], [0, ""]);
      const entries = execFileSync("tar", ["-tf", file], { encoding: "utf8" }).split("\n");
      for (const want of ["bin/busybox", "tmp/new", "etc/passwd", ".dockerenv"])
        assert.ok(entries.includes(want), `${want} in export`);
      assert.ok(!entries.includes("etc/shadow"), "deleted file not exported");
      assert.equal(execFileSync("tar", ["-xOf", file, "tmp/new"], { encoding: "utf8" }), "hello\n");
      await run(["rm", name]);
    });

    test(`${cli}: container prune removes stopped containers matching the filters`, async () => {
      const label = `prune-${cli}`;
      const keep = `${cli}-prune-keep`;
      const gone = `${cli}-prune-gone`;
      const running = `${cli}-prune-running`;
      await run(["create", "--name", keep, "-l", label, "-l", "keep=yes", "busybox", "true"]);
      const goneId = (await run(["create", "--name", gone, "-l", label, "busybox", "true"])).stdout.trim();
      await sleeper(running, "-l", label);
      const none = await run([
        "container",
        "prune",
        "-f",
        "--filter",
        `label=${label}`,
        "--filter",
        "until=1h",
      ]);
      assert.deepEqual([none.code, none.stdout], [0, "Total reclaimed space: 0B\n"]);
      const r = await run([
        "container",
        "prune",
        "--force",
        "--filter",
        `label=${label}`,
        "--filter",
        "label!=keep",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stdout,
        new RegExp(`^Deleted Containers:\\n${goneId}\\n\\nTotal reclaimed space: .+B\\n$`),
      );
      const left = await run(["ps", "-a", "--filter", `label=${label}`, "--format", "{{.Names}}"]);
      assert.equal(left.stdout, `${running}\n${keep}\n`);
      const bad = await run(["container", "prune", "-f", "--filter", "bogus=1"]);
      assert.deepEqual([bad.code, bad.stderr], [1, "Error response from daemon: invalid filter 'bogus'\n"]);
      await run(["rm", "-f", keep, running]);
    });

    test(`${cli}: container prune asks first and does nothing on "n"`, async () => {
      const name = `${cli}-prune-ask`;
      await run(["create", "--name", name, "busybox", "true"]);
      const r = await run(["container", "prune"], { input: "n\n" });
      assert.equal(r.code, 0);
      assert.equal(
        r.stdout,
        "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ",
      );
      assert.equal((await run(["inspect", "-f", "{{.Name}}", name])).stdout, `/${name}\n`);
      await run(["rm", name]);
    });
  }
});
