import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import type { Stdio } from "./stdio.ts";
import { monitorTtySize } from "./tty-size.ts";

test("monitorTtySize sends one resize at a time, and the last size last", async () => {
  const stdout = Object.assign(new PassThrough(), { isTTY: true, rows: 24, columns: 80 });
  const stdio = { stdin: new PassThrough(), stdout, stderr: new PassThrough() } as unknown as Stdio;
  const sent: string[] = [];
  let inFlight = 0;
  let overlapped = false;
  const stop = monitorTtySize(stdio, async (h, w) => {
    overlapped ||= ++inFlight > 1;
    await new Promise((r) => setTimeout(r, 20));
    sent.push(`${h} ${w}`);
    inFlight--;
  });
  // the terminal changes three times while the first resize is on its way
  for (const [rows, columns] of [
    [30, 100],
    [31, 100],
    [32, 120],
  ]) {
    Object.assign(stdout, { rows, columns });
    stdout.emit("resize");
  }
  await new Promise((r) => setTimeout(r, 120));
  stop();
  assert.equal(overlapped, false);
  assert.equal(sent.at(-1), "32 120");
  assert.ok(sent.length <= 3, sent.join(", "));
});
