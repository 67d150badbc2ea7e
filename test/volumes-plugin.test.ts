import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { startDaemon } from "./harness/daemon.ts";
import { startVolumePlugin } from "./harness/volume-plugin.ts";

// A legacy volume plugin found where Docker looks (/run/docker/plugins/<name>.sock): volume
// create -d, run with the plugin's volume, --volume-driver, and the Mount/Unmount/Remove calls.
test("a plugin-backed volume mounts, unmounts and is removed through the plugin", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "kt-plugdata-"));
  const name = `kt-plug-${process.pid}`;
  try {
    await using plugin = await startVolumePlugin({ name, dir: "/run/docker/plugins", dataDir });
    await using d = await startDaemon();
    for (const cli of ["docker", "kapsel"] as const) {
      const ok = async (args: string[]) => {
        const r = await d[cli](args);
        assert.equal(r.code, 0, `${cli} ${args.join(" ")}: ${r.stderr}`);
        return r.stdout;
      };
      const vol = `pv-${cli}`;
      assert.equal(await ok(["volume", "create", "-d", name, vol]), `${vol}\n`);
      await ok(["run", "--rm", "-v", `${vol}:/p`, "busybox", "sh", "-c", "echo via-plugin > /p/f"]);
      assert.equal(readFileSync(join(dataDir, vol, "f"), "utf8"), "via-plugin\n");
      const methods = plugin.calls.map((c) => c.method);
      assert.ok(methods.includes("VolumeDriver.Mount"), methods.join(","));
      const mounts = plugin.calls.filter((c) => c.method === "VolumeDriver.Mount").length;
      const unmounts = plugin.calls.filter((c) => c.method === "VolumeDriver.Unmount").length;
      assert.equal(mounts, unmounts, "every Mount has its Unmount once the container is gone");
      assert.equal(
        (await ok(["volume", "inspect", "-f", "{{.Driver}} {{.Mountpoint}}", vol])).trim(),
        `${name} ${join(dataDir, vol)}`,
      );
      // --volume-driver makes a new named volume with the plugin
      const other = `pv2-${cli}`;
      await ok(["run", "--rm", "--volume-driver", name, "-v", `${other}:/q`, "busybox", "touch", "/q/x"]);
      assert.ok(existsSync(join(dataDir, other, "x")));
      await ok(["volume", "rm", vol, other]);
      const removed = plugin.calls.filter((c) => c.method === "VolumeDriver.Remove").map((c) => c.body);
      assert.deepEqual(
        removed.slice(-2).map((b) => (b as { Name: string }).Name),
        [vol, other],
      );
    }
    const unknown = await d.docker(["volume", "create", "-d", "kt-no-such-plugin", "x1"]);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /plugin "kt-no-such-plugin" not found/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
