import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// --mount volume-subpath= (API 1.45): a path inside a named volume is what gets mounted, as in
// moby's TestRunMountVolumeSubdir and docker/cli's TestMountSubvolume.
describe("volume subpaths", () => {
  let d: TestDaemon;
  const base = "type=volume,src=subv,dst=/volume";
  before(async () => {
    d = await startDaemon();
    const init = [
      "echo foo > /volume/bar.txt",
      "mkdir /volume/bin /volume/subdir /volume/hack",
      "echo world > /volume/subdir/hello.txt",
      "ln -s / /volume/hack/root",
      "ln -s ../subdir /volume/hack/good",
      "ln -s root /volume/hack/bad",
    ].join(" && ");
    const r = await d.docker(["run", "--rm", "--mount", base, "busybox", "sh", "-c", init]);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  for (const cli of ["docker", "kapsel"] as const) {
    test(`${cli}: a folder, a file, a symlink inside the volume; the image's data fills an empty folder`, async () => {
      const run = (subpath: string, ...cmd: string[]) =>
        d[cli](["run", "--rm", "--mount", `${base},volume-subpath=${subpath}`, "busybox", ...cmd]);
      for (const [subpath, cmd, out] of [
        ["subdir", ["ls", "/volume"], "hello.txt\n"],
        ["bar.txt", ["cat", "/volume"], "foo\n"],
        ["hack/good", ["ls", "/volume"], "hello.txt\n"],
      ] as const) {
        const r = await run(subpath, ...cmd);
        assert.deepEqual([r.code, r.stdout], [0, out], `${subpath}: ${r.stderr}`);
      }
      // writes land in the subpath
      assert.equal((await run("subdir", "sh", "-c", `echo ${cli} > /volume/by-${cli}`)).code, 0);
      assert.equal((await run("hack/good", "cat", `/volume/by-${cli}`)).stdout, `${cli}\n`);
      await run("subdir", "rm", `/volume/by-${cli}`);
      const copied = await d[cli]([
        "run",
        "--rm",
        "--mount",
        "type=volume,src=subv,dst=/bin,volume-subpath=bin",
        "busybox",
        "ls",
        "/bin/busybox",
      ]);
      assert.equal(copied.stdout, "/bin/busybox\n", copied.stderr);
    });

    test(`${cli}: a path out of the volume or missing is refused, and the container is left as Docker leaves it`, async () => {
      const run = (subpath: string) =>
        d[cli](["run", "--rm", "--mount", `${base},volume-subpath=${subpath}`, "busybox", "true"]);
      for (const subpath of ["/etc/passwd", "../../../../../../etc/passwd"]) {
        const r = await run(subpath);
        assert.equal(r.code, 125);
        assert.match(r.stderr, /subpath must be a relative path within the volume/);
      }
      for (const subpath of ["hack/root", "hack/bad"]) {
        const r = await run(subpath);
        assert.equal(r.code, 125, r.stderr);
        assert.match(r.stderr, /path concatenation escapes the base directory/);
      }
      const missing = await run("not-existing-path");
      assert.equal(missing.code, 127);
      assert.match(missing.stderr, /cannot access path .*not-existing-path: no such file or directory/);
      const anonymous = await d[cli]([
        "create",
        "--mount",
        "type=volume,dst=/volume,volume-subpath=subdir",
        "busybox",
      ]);
      assert.equal(anonymous.code, 1); // create reports a daemon error with 1, run with 125
      assert.match(anonymous.stderr, /must use named volume if subpath is specified/);
      // nothing staged is left, mounted or not
      assert.ok(!readFileSync("/proc/self/mountinfo", "utf8").includes("/volume-subpaths/"));
      assert.deepEqual(readdirSync(`${d.dataRoot}/volume-subpaths`), []);
    });
  }
});
