import assert from "node:assert/strict";
import { test } from "node:test";
import { runtimeError, runtimeMessage } from "./runc.ts";

test("runtimeMessage takes the error record from runc's JSON log lines", () => {
  const out = [
    '{"level":"warning","msg":"DEPRECATED: something","time":"2026-01-01T00:00:00Z"}',
    '{"level":"error","msg":"runc create failed: unable to start container process: exec: \\"foo\\": executable file not found in $PATH","time":"2026-01-01T00:00:00Z"}',
  ].join("\n");
  assert.equal(
    runtimeMessage(out),
    'runc create failed: unable to start container process: exec: "foo": executable file not found in $PATH',
  );
});

test("runtimeMessage reads logfmt and plain text too", () => {
  assert.equal(
    runtimeMessage('time="x" level=error msg="container \\"a\\" does not exist"\n'),
    'container "a" does not exist',
  );
  assert.equal(runtimeMessage("container is not running\n"), "container is not running");
  assert.equal(runtimeMessage(""), "");
});

test("runtimeError sorts runtime messages into error kinds", () => {
  assert.equal(runtimeError('exec: "foo": executable file not found in $PATH').kind, "invalid");
  assert.equal(runtimeError("container does not exist").kind, "not_found");
  assert.equal(runtimeError("cannot exec in a stopped container").kind, "conflict");
  assert.equal(runtimeError("container not running").kind, "conflict");
  assert.equal(runtimeError("cgroups: cannot find cgroup mount destination").kind, "internal");
});
