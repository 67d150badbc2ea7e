import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const KAPSEL = join(import.meta.dirname, "../../bin/kapsel");
const NOBODY = 65534;

/** The files of every cache folder (one per Node version and flags) under a compile cache. */
function cachedFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((version) => readdirSync(join(dir, version)));
}

function kapselVersion(env: NodeJS.ProcessEnv, asNobody = false): void {
  const { NODE_COMPILE_CACHE: _, XDG_CACHE_HOME: __, ...rest } = process.env;
  const command = asNobody ? "setpriv" : KAPSEL;
  const args = asNobody
    ? [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", KAPSEL, "--version"]
    : ["--version"];
  execFileSync(command, args, { env: { ...rest, ...env }, stdio: "pipe" });
}

test("root's compile cache is under /var/cache/kapsel, never in a folder another user could make", () => {
  const home = mkdtempSync(join(tmpdir(), "kt-cc-"));
  try {
    kapselVersion({ HOME: home, TMPDIR: home });
    assert.ok(cachedFiles("/var/cache/kapsel/node-compile-cache").length > 0);
    assert.deepEqual(readdirSync(home), []);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("NODE_COMPILE_CACHE, when set, is where the cache goes", () => {
  const dir = mkdtempSync(join(tmpdir(), "kt-cc-"));
  try {
    kapselVersion({ NODE_COMPILE_CACHE: dir });
    assert.ok(cachedFiles(dir).length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const nobodyCanRun =
  spawnSync("setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "test", "-r", KAPSEL])
    .status === 0;

test("another user's compile cache is in their own cache folder", {
  skip: !nobodyCanRun && "nobody cannot read this checkout",
}, () => {
  const home = mkdtempSync(join(tmpdir(), "kt-cc-"));
  try {
    chownSync(home, NOBODY, NOBODY);
    kapselVersion({ HOME: home }, true);
    assert.ok(cachedFiles(join(home, ".cache/kapsel/node-compile-cache")).length > 0);
    kapselVersion({ HOME: home, XDG_CACHE_HOME: join(home, "xdg") }, true);
    assert.ok(cachedFiles(join(home, "xdg/kapsel/node-compile-cache")).length > 0);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
