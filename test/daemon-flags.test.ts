import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { DOCKER_BIN, KAPSELD_BIN, runCommand, TestDaemon } from "./harness/daemon.ts";

test("kapseld takes its roots, socket and pidfile from a daemon.json config file", async () => {
  const dir = mkdtempSync("/tmp/kt-");
  const config = join(dir, "daemon.json");
  writeFileSync(
    config,
    JSON.stringify({
      "data-root": join(dir, "d"),
      "exec-root": join(dir, "r"),
      hosts: [`unix://${dir}/cfg.sock`],
      pidfile: join(dir, "k.pid"),
      "log-level": "warn",
    }),
  );
  try {
    // the harness's own flags would win over the file: start it by hand with the file alone
    const child = spawn(KAPSELD_BIN, ["--config-file", config], { stdio: "ignore" });
    try {
      let ok = false;
      for (let i = 0; i < 100 && !ok; i++) {
        const r = await runCommand(
          DOCKER_BIN,
          ["-H", `unix://${dir}/cfg.sock`, "version", "--format", "{{.Server.APIVersion}}"],
          process.env,
        );
        ok = r.code === 0 && r.stdout.trim() === "1.50";
        if (!ok) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(ok, "the daemon answered on the socket named in the config file");
      assert.equal(readFileSync(join(dir, "k.pid"), "utf8").trim(), String(child.pid));
    } finally {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("kapseld refuses a malformed config file, an unknown flag and a live pidfile, with a clear message", async () => {
  const dir = mkdtempSync("/tmp/kt-");
  try {
    writeFileSync(join(dir, "bad.json"), "{ not json");
    const bad = await runCommand(
      KAPSELD_BIN,
      ["--config-file", join(dir, "bad.json"), "--data-root", join(dir, "d")],
      process.env,
    );
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unable to configure the daemon with file .*bad\.json/);
    const flag = await runCommand(KAPSELD_BIN, ["--no-such-flag"], process.env);
    assert.notEqual(flag.code, 0);
    assert.match(flag.stderr, /unknown flag: --no-such-flag/);
    const version = await runCommand(KAPSELD_BIN, ["--version"], process.env);
    assert.match(version.stdout, /^kapseld version /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await using d = new TestDaemon();
  await d.start();
  const second = await runCommand(
    KAPSELD_BIN,
    [
      "--data-root",
      join(d.dir, "other"),
      "--exec-root",
      d.execRoot,
      "-H",
      `unix://${d.dir}/other.sock`,
      "--config-file",
      "/dev/null",
    ],
    process.env,
    { timeout: 10_000 },
  );
  assert.notEqual(second.code, 0);
  assert.match(second.stderr, /pid file found, ensure kapseld is not running/);
});
