import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePsOutput } from "./top.ts";

test("parsePsOutput keeps the container's rows and joins the last column", () => {
  const out = [
    "UID          PID    PPID  C STIME TTY          TIME CMD",
    "root           1       0  0 10:00 ?        00:00:01 /sbin/init splash",
    "root         123       1  0 10:01 ?        00:00:00 sleep 300",
    "root         124     123  0 10:01 ?        00:00:00 sh -c echo hi; sleep 1",
    "",
  ].join("\n");
  const r = parsePsOutput(out, new Set([123, 124]));
  assert.deepEqual(r.Titles, ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]);
  assert.deepEqual(r.Processes, [
    ["root", "123", "1", "0", "10:01", "?", "00:00:00", "sleep 300"],
    ["root", "124", "123", "0", "10:01", "?", "00:00:00", "sh -c echo hi; sleep 1"],
  ]);
});

test("parsePsOutput keeps thread rows (PID -) under a container process only", () => {
  const out = ["PID TID CMD", "1 - init", "- 2 thread-of-init", "7 - app", "- 8 thread-of-app"].join("\n");
  const r = parsePsOutput(out, new Set([7]));
  assert.deepEqual(r.Processes, [
    ["7", "-", "app"],
    ["-", "8", "thread-of-app"],
  ]);
});

test("parsePsOutput refuses output without a PID column, as Docker does", () => {
  assert.throws(
    () => parsePsOutput("USER COMMAND\nroot sleep\n", new Set([1])),
    /Couldn't find PID field in ps output/,
  );
});
