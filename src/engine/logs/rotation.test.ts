import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { LogRotator, rotatedLogs } from "./rotation.ts";

const tmp = mkdtempSync(join(tmpdir(), "kapsel-rotation-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** What conmon does past --log-size-max: a new empty file renamed over the log. */
function conmonStartsAnew(log: string, text: string): void {
  writeFileSync(`${log}.tmp`, text);
  renameSync(`${log}.tmp`, log);
}

test("LogRotator keeps max-file files as json-file names them, the newest rotated one .1", () => {
  const log = join(tmp, "c-json.log");
  writeFileSync(log, "a");
  const rotator = new LogRotator(log, 3);
  rotator.check();
  assert.deepEqual(rotatedLogs(log), []);
  conmonStartsAnew(log, "b");
  // replaced but not yet shifted: the old file is there, as the newest rotated one
  assert.deepEqual(rotatedLogs(log), [`${log}.current`]);
  rotator.check();
  assert.deepEqual(rotatedLogs(log), [`${log}.1`]);
  conmonStartsAnew(log, "c");
  rotator.check();
  conmonStartsAnew(log, "d");
  rotator.check();
  const contents = rotatedLogs(log).map((f) => readFileSync(f, "utf8"));
  assert.deepEqual(contents, ["b", "c"], "a went: three files in all, the one being written included");
  assert.equal(readFileSync(log, "utf8"), "d");
  rotator.close();
});

test("a LogRotator started late keeps the one file the link held", () => {
  const log = join(tmp, "late-json.log");
  writeFileSync(log, "x");
  new LogRotator(log, 5).check();
  conmonStartsAnew(log, "y");
  conmonStartsAnew(log, "z"); // while kapseld was away: y is lost, x is kept
  new LogRotator(log, 5).start().close();
  assert.deepEqual(
    rotatedLogs(log).map((f) => readFileSync(f, "utf8")),
    ["x"],
  );
});
