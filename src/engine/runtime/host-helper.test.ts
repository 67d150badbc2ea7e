import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { HostCallError, HostHelper } from "./host-helper.ts";

const helper = new HostHelper();
const dir = mkdtempSync("/tmp/kapsel-helper-");

function mounted(path: string): boolean {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .some((l) => l.split(" ")[4] === path);
}

after(async () => {
  for (const p of [join(dir, "merged"), join(dir, "ns")]) {
    if (mounted(p)) await helper.unmount(p, { detach: true }).catch(() => {});
  }
  helper.close();
  rmSync(dir, { recursive: true, force: true });
});

test("HostHelper mounts an overlay with lowerdirs relative to cwd, and unmounts it", async () => {
  for (const d of ["lower", "upper", "work", "merged"]) mkdirSync(join(dir, d));
  writeFileSync(join(dir, "lower", "hello"), "hi\n");
  await helper.mount({
    source: "overlay",
    target: join(dir, "merged"),
    fstype: "overlay",
    data: "lowerdir=lower,upperdir=upper,workdir=work",
    cwd: dir,
  });
  assert.ok(mounted(join(dir, "merged")));
  assert.equal(readFileSync(join(dir, "merged", "hello"), "utf8"), "hi\n");
  await helper.unmount(join(dir, "merged"));
  assert.ok(!mounted(join(dir, "merged")));
  await assert.rejects(
    helper.unmount(join(dir, "merged")),
    (e) => e instanceof HostCallError && e.code === "EINVAL",
  );
});

test("HostHelper makes a network namespace with its loopback up and runs ip inside it", async () => {
  const ns = join(dir, "ns");
  await helper.newNetns(ns);
  try {
    assert.ok(mounted(ns));
    const inside = await helper.run(["/usr/sbin/ip", "-o", "link", "show"], { netns: ns });
    assert.match(inside, /^1: lo: <LOOPBACK,UP,LOWER_UP>/);
    assert.equal(inside.trim().split("\n").length, 1, "only lo in a new namespace");
    // the helper itself went back to the host's namespace
    assert.notEqual(await helper.run(["/usr/sbin/ip", "-o", "link", "show"]), inside);
  } finally {
    await helper.unmount(ns);
  }
});

test("HostHelper.run feeds stdin and reports a failure with the program's output and exit code", async () => {
  assert.equal(await helper.run(["/bin/sh", "-c", "cat; echo err >&2"], { input: "in\n" }), "in\nerr\n");
  await assert.rejects(
    helper.run(["/bin/sh", "-c", "echo bad; exit 3"]),
    (e) => e instanceof HostCallError && e.code === "exit 3" && e.output === "bad\n",
  );
  await assert.rejects(
    helper.run(["/no/such/program"]),
    (e) => e instanceof HostCallError && e.code === "exit 127",
  );
});

test("HostHelper.launch answers with the first line on fd 3, or the stderr of a program that gave none", async () => {
  const line = await helper.launch(["/bin/sh", "-c", 'echo "{\\"data\\": $FOO}" >&3; sleep 0.2'], {
    FOO: "42",
  });
  assert.equal(line, '{"data": 42}');
  await assert.rejects(
    helper.launch(["/bin/sh", "-c", "echo broken >&2; exit 1"], {}),
    (e) => e instanceof HostCallError && e.code === "EPIPE" && e.output === "broken\n",
  );
});

test("HostHelper starts a new helper after the old one ended", async () => {
  helper.close();
  assert.equal(await helper.run(["/bin/echo", "again"]), "again\n");
});
