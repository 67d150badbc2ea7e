/**
 * Integration test of the runtime against the real runc and conmon, on a busybox rootfs made
 * here. Needs root, runc and conmon (skipped otherwise). Everything it makes lives under one
 * /tmp folder and one cgroup parent, and is removed at the end, also after a failure.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { isKind } from "../../lib/errors.ts";
import { readLogs } from "../logs/index.ts";
import { buildSpec, createRuntime, execProcessSpec, type Runtime, type SpecInput } from "./index.ts";

const RUNC = "/usr/sbin/runc";
const CONMON = "/usr/bin/conmon";
const NODE = process.execPath;
const usable =
  process.getuid?.() === 0 && existsSync(RUNC) && existsSync(CONMON) && existsSync("/bin/busybox");
const skip = usable ? false : "needs root, runc, conmon and busybox";

const cgroupParent = `/kapsel-test-${process.pid}`;
let tmp = "";
let rootfs = "";
let stateDir = "";
let rt: Runtime;

const runtimeOptions = () => ({ stateDir, runtimePath: RUNC, conmonPath: CONMON, cgroupParent });

before(() => {
  if (!usable) return;
  tmp = mkdtempSync("/tmp/kapsel-rt-");
  rootfs = join(tmp, "rootfs");
  mkdirSync(join(rootfs, "bin"), { recursive: true });
  cpSync("/bin/busybox", join(rootfs, "bin", "busybox"));
  for (const applet of ["sh", "echo", "true", "sleep", "cat", "stty"]) {
    symlinkSync("busybox", join(rootfs, "bin", applet));
  }
  stateDir = join(tmp, "state");
  rt = createRuntime(runtimeOptions());
});

after(async () => {
  if (!usable) return;
  const leftovers: string[] = [];
  try {
    for (const id of await rt.list()) {
      leftovers.push(id);
      await rt.delete(id).catch(() => {});
    }
    rt.close();
    // whatever a failure left behind: conmon and container processes of this test, cgroups
    for (const pid of processesMentioning(tmp)) spawnSync("kill", ["-9", String(pid)]);
    assert.deepEqual(processesMentioning(tmp), [], "no conmon or container process left");
    assert.deepEqual(cgroupDirs(), [], "no cgroup left");
  } finally {
    for (const dir of cgroupDirs().reverse()) rmdirQuiet(dir);
    for (const h of readdirSync("/sys/fs/cgroup")) rmdirQuiet(join("/sys/fs/cgroup", h, cgroupParent));
    rmSync(tmp, { recursive: true, force: true });
  }
  assert.deepEqual(leftovers, [], "every test deletes its containers");
});

function rmdirQuiet(path: string) {
  try {
    rmdirSync(path);
  } catch {
    // not there
  }
}

/** pids whose command line names `text` (conmon gets the state dir, containers the rootfs) */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, "utf8");
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (cmdline.includes(text) && !/\) Z /.test(stat)) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** cgroup folders under this test's parent, deepest last */
function cgroupDirs(): string[] {
  const out: string[] = [];
  for (const h of readdirSync("/sys/fs/cgroup")) {
    const parent = join("/sys/fs/cgroup", h, cgroupParent);
    if (!existsSync(parent)) continue;
    for (const e of readdirSync(parent, { withFileTypes: true }))
      if (e.isDirectory()) out.push(join(parent, e.name));
  }
  return out;
}

function bundle(id: string): string {
  const dir = join(tmp, `bundle-${id}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

async function createTask(
  id: string,
  input: Omit<SpecInput, "rootfs">,
  o: { terminal?: boolean; stdin?: boolean; stdinOnce?: boolean; runtime?: Runtime } = {},
) {
  const dir = bundle(id);
  const spec = buildSpec({ rootfs, hostname: id, ...input, terminal: o.terminal });
  const r = o.runtime ?? rt;
  const { pid } = await r.create({
    id,
    bundle: dir,
    spec,
    logPath: join(dir, "ctr.log"),
    terminal: o.terminal ?? false,
    stdin: o.stdin ?? false,
    stdinOnce: o.stdinOnce ?? false,
  });
  return { pid, spec, logPath: join(dir, "ctr.log") };
}

async function collect(output: AsyncIterable<{ stream: string; data: Buffer }>): Promise<string> {
  let text = "";
  for await (const f of output) text += `${f.stream === "stderr" ? "E:" : ""}${f.data}`;
  return text;
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1].toFixed(1);

test("info names the binaries and their versions", { skip }, async () => {
  const info = await rt.info();
  assert.equal(info.runtimeName, "runc");
  assert.match(info.runtimeVersion, /^1\./);
  assert.match(info.conmonVersion, /^2\./);
  const broken = createRuntime({ ...runtimeOptions(), conmonPath: "/nonexistent/conmon" });
  await assert.rejects(
    broken.info(),
    (e: Error) => isKind(e, "unavailable") && e.message.includes("/nonexistent"),
  );
  broken.close();
});

test("a container runs to its exit code, its stdout and stderr logged apart", { skip }, async (t) => {
  const { pid, logPath } = await createTask("exit3", {
    args: ["sh", "-c", "echo out; echo err >&2; exit 3"],
  });
  try {
    assert.ok(pid > 0);
    assert.deepEqual(await rt.state("exit3"), { status: "created", pid });
    assert.equal(await rt.exitStatus("exit3"), undefined);
    await rt.start("exit3");
    const exit = await rt.waitExit("exit3");
    assert.equal(exit.exitCode, 3);
    assert.ok(Math.abs(exit.finishedAt.getTime() - Date.now()) < 5000);
    assert.deepEqual(await rt.exitStatus("exit3"), exit);
    assert.equal((await rt.state("exit3"))?.status, "stopped");
    const lines: string[] = [];
    for await (const e of readLogs(logPath, {})) lines.push(`${e.stream}:${e.data}`);
    assert.deepEqual(lines, ["stdout:out\n", "stderr:err\n"]);
    assert.deepEqual(await rt.list(), ["exit3"]);
  } finally {
    await rt.delete("exit3");
  }
  assert.equal(await rt.state("exit3"), undefined);
  assert.deepEqual(await rt.list(), []);
  await rt.delete("exit3"); // idempotent
  assert.ok(!existsSync(join(tmp, "bundle-exit3", "attach")), "conmon's socket removed");

  // the figure the engine's `run --rm true` budget depends on
  const times: Record<string, number[]> = { create: [], start: [], exit: [], delete: [], total: [] };
  for (let i = 0; i < 7; i++) {
    const id = `true${i}`;
    const t0 = performance.now();
    await createTask(id, { args: ["true"] });
    const t1 = performance.now();
    await rt.start(id);
    const t2 = performance.now();
    assert.equal((await rt.waitExit(id)).exitCode, 0);
    const t3 = performance.now();
    await rt.delete(id);
    const t4 = performance.now();
    times.create.push(t1 - t0);
    times.start.push(t2 - t1);
    times.exit.push(t3 - t2);
    times.delete.push(t4 - t3);
    times.total.push(t4 - t0);
  }
  t.diagnostic(
    `true, median ms: create ${median(times.create)}, start ${median(times.start)}, ` +
      `exit seen ${median(times.exit)}, delete ${median(times.delete)}, all ${median(times.total)}`,
  );
});

test("create fails with runc's own message and leaves nothing behind", { skip }, async () => {
  await assert.rejects(
    createTask("nosuch", { args: ["foo"] }),
    (e: Error) =>
      isKind(e, "invalid") && e.message.includes('exec: "foo": executable file not found in $PATH'),
  );
  assert.deepEqual(await rt.list(), []);
  assert.ok(!existsSync(join(stateDir, "runc", "nosuch")));
  assert.ok(!existsSync(join(stateDir, "containers", "nosuch")));
  assert.deepEqual(readdirSync(join(tmp, "bundle-nosuch")), []);
  assert.deepEqual(cgroupDirs(), []);
  assert.deepEqual(processesMentioning(join(tmp, "bundle-nosuch")), []);
});

test("exec runs extra processes: piped, with stdin, with a tty, detached, and failing", {
  skip,
}, async (t) => {
  const { spec } = await createTask("execs", { args: ["sleep", "60"] });
  try {
    await rt.start("execs");
    const proc = (args: string[], tty = false) =>
      execProcessSpec(spec.process!, {
        args,
        tty,
        ...(tty ? { consoleSize: { height: 30, width: 100 } } : {}),
      });

    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const task = await rt.exec("execs", {
        process: proc(["true"]),
        tty: false,
        stdin: false,
        detach: false,
      });
      assert.equal(await collect(task.output), "");
      assert.equal(await task.wait(), 0);
      times.push(performance.now() - t0);
    }
    t.diagnostic(`exec true (piped, in the host helper), median ms: ${median(times)}`);

    const split = await rt.exec("execs", {
      process: proc(["sh", "-c", "echo hi; echo there >&2; exit 7"]),
      tty: false,
      stdin: false,
      detach: false,
    });
    assert.ok(split.pid > 0);
    // two pipes: their relative order is not kept
    assert.deepEqual((await collect(split.output)).split(/(?<=\n)/).sort(), ["E:there\n", "hi\n"]);
    assert.equal(await split.wait(), 7);

    const cat = await rt.exec("execs", { process: proc(["cat"]), tty: false, stdin: true, detach: false });
    cat.write(Buffer.from("piped in\n"));
    cat.closeStdin();
    assert.equal(await collect(cat.output), "piped in\n");
    assert.equal(await cat.wait(), 0);

    const t0 = performance.now();
    const tty = await rt.exec("execs", {
      process: proc(["stty", "size"], true),
      tty: true,
      stdin: false,
      detach: false,
    });
    assert.equal((await collect(tty.output)).trim(), "30 100");
    assert.equal(await tty.wait(), 0);
    t.diagnostic(`exec stty size (tty, under conmon) ms: ${(performance.now() - t0).toFixed(1)}`);

    const detached = await rt.exec("execs", {
      process: proc(["sh", "-c", "exit 5"]),
      tty: false,
      stdin: false,
      detach: true,
    });
    assert.equal(await detached.wait(), 5);

    for (const ttyExec of [false, true]) {
      await assert.rejects(
        rt.exec("execs", { process: proc(["nope"], ttyExec), tty: ttyExec, stdin: false, detach: false }),
        (e: Error) => isKind(e, "invalid") && e.message.includes('exec: "nope": executable file not found'),
      );
    }
    assert.deepEqual(readdirSync(join(stateDir, "containers", "execs", "exec")), [], "exec folders removed");
  } finally {
    await rt.delete("execs");
  }
});

test("kill, pause and resume; --init forwards the stop signal", { skip }, async () => {
  const { pid } = await createTask("sleeper", { args: ["sleep", "60"] });
  try {
    await rt.start("sleeper");
    assert.deepEqual(await rt.state("sleeper"), { status: "running", pid });
    assert.deepEqual(await rt.pids("sleeper"), [pid]);
    await rt.pause("sleeper");
    assert.equal((await rt.state("sleeper"))?.status, "paused");
    await rt.resume("sleeper");
    assert.equal((await rt.state("sleeper"))?.status, "running");
    await rt.kill("sleeper", "KILL");
    assert.equal((await rt.waitExit("sleeper")).exitCode, 137);
    await assert.rejects(rt.kill("sleeper", "TERM"), (e) => isKind(e, "conflict"));
  } finally {
    await rt.delete("sleeper");
  }

  await createTask("inited", { args: ["sleep", "60"], init: true });
  try {
    await rt.start("inited");
    // until catatonit runs its child it has no handlers, and a pid 1 ignores signals without
    // one (as under Docker): signal once the sleep is there
    while ((await rt.pids("inited")).length < 2) await new Promise((r) => setTimeout(r, 5));
    await rt.kill("inited", "SIGTERM");
    assert.equal((await rt.waitExit("inited")).exitCode, 143);
  } finally {
    await rt.delete("inited");
  }
});

test("attach carries stdin in and output out; stdinOnce closes stdin on half-close", { skip }, async () => {
  await createTask("catter", { args: ["sh", "-c", "cat; echo done >&2"] }, { stdin: true, stdinOnce: true });
  try {
    const session = await rt.attach("catter");
    await rt.start("catter");
    session.write(Buffer.from("hello attach\n"));
    session.closeStdin();
    // conmon reads two pipes: their relative order is not kept
    assert.deepEqual((await collect(session.output)).split(/(?<=\n)/).sort(), ["E:done\n", "hello attach\n"]);
    assert.equal((await rt.waitExit("catter")).exitCode, 0);
  } finally {
    await rt.delete("catter");
  }
});

test("a session leaving does not close a stdin-once container's stdin; closeStdin does", {
  skip,
}, async () => {
  await createTask(
    "shared",
    { args: ["sh", "-c", "while read l; do echo got:$l; done; echo eof"] },
    { stdin: true, stdinOnce: true },
  );
  try {
    const main = await rt.attach("shared");
    const watcher = await rt.attach("shared");
    await rt.start("shared");
    main.write(Buffer.from("one\n"));
    const seen = watcher.output[Symbol.asyncIterator]();
    assert.equal(String((await seen.next()).value?.data), "got:one\n");
    // conmon would close stdin at this connection's EOF if it had one of its own
    watcher.close();
    await new Promise((r) => setTimeout(r, 50));
    main.write(Buffer.from("two\n"));
    main.closeStdin();
    assert.equal(await collect(main.output), "got:one\ngot:two\neof\n");
    assert.equal((await rt.waitExit("shared")).exitCode, 0);
  } finally {
    await rt.delete("shared");
  }
});

test("a tty container takes input and resizes through conmon", { skip }, async () => {
  await createTask(
    "tty",
    { args: ["sh", "-c", "read x; stty size; echo got $x"] },
    { terminal: true, stdin: true, stdinOnce: true },
  );
  try {
    const session = await rt.attach("tty");
    await rt.start("tty");
    await rt.resize("tty", 40, 120);
    session.write(Buffer.from("abc\n"));
    const out = await collect(session.output);
    assert.match(out, /40 120\r\n/);
    assert.match(out, /got abc\r\n/);
    assert.equal((await rt.waitExit("tty")).exitCode, 0);
  } finally {
    await rt.delete("tty");
  }
});

test("a container outlives the process that started it; a new Runtime reads its exit", { skip }, async () => {
  // a separate node process plays the daemon: it creates and starts, then exits
  const script = `
    import { createRuntime, buildSpec } from ${JSON.stringify(new URL("./index.ts", import.meta.url).href)};
    const rt = createRuntime(${JSON.stringify(runtimeOptions())});
    const spec = buildSpec({ rootfs: ${JSON.stringify(rootfs)}, args: ["sh", "-c", "sleep 0.6; echo bye; exit 4"] });
    await rt.create({ id: "survivor", bundle: ${JSON.stringify(bundle("survivor"))}, spec,
      logPath: ${JSON.stringify(join(tmp, "bundle-survivor", "ctr.log"))}, terminal: false, stdin: false, stdinOnce: false });
    await rt.start("survivor");
    rt.close();
  `;
  execFileSync(NODE, ["--input-type=module", "-e", script], { stdio: "inherit" });
  try {
    const fresh = createRuntime(runtimeOptions());
    try {
      assert.deepEqual(await fresh.list(), ["survivor"]);
      assert.equal((await fresh.state("survivor"))?.status, "running");
      assert.equal((await fresh.waitExit("survivor")).exitCode, 4);
      const lines: string[] = [];
      for await (const e of readLogs(join(tmp, "bundle-survivor", "ctr.log"), {}))
        lines.push(e.data.toString());
      assert.deepEqual(lines, ["bye\n"]);
    } finally {
      fresh.close();
    }
  } finally {
    await rt.delete("survivor");
  }
});

test("a waitExit under way reports 255 once conmon dies and the container is gone", { skip }, async () => {
  const { pid } = await createTask("orphan2", { args: ["sleep", "60"] });
  try {
    await rt.start("orphan2");
    const waited = rt.waitExit("orphan2");
    // let a poll find conmon alive first: the later polls take the cheap path
    await new Promise((r) => setTimeout(r, 1200));
    const conmonPid = Number(readFileSync(join(stateDir, "containers", "orphan2", "conmon.pid"), "utf8"));
    process.kill(conmonPid, "SIGKILL");
    process.kill(pid, "SIGKILL");
    assert.equal((await waited).exitCode, 255);
  } finally {
    await rt.delete("orphan2");
  }
});

test("waitExit reports 255 when conmon died and the container is gone", { skip }, async () => {
  const { pid } = await createTask("orphan", { args: ["sleep", "60"] });
  try {
    await rt.start("orphan");
    const conmonPid = Number(readFileSync(join(stateDir, "containers", "orphan", "conmon.pid"), "utf8"));
    process.kill(conmonPid, "SIGKILL");
    process.kill(pid, "SIGKILL");
    assert.equal((await rt.waitExit("orphan")).exitCode, 255);
  } finally {
    await rt.delete("orphan");
  }
});
