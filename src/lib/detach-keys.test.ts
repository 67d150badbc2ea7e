import assert from "node:assert/strict";
import { test } from "node:test";
import { DetachScanner, detachKeyBytes, parseDetachKeys } from "./detach-keys.ts";

test("detachKeyBytes reads moby/term key specs", () => {
  assert.deepEqual([...detachKeyBytes("ctrl-p,ctrl-q")], [16, 17]);
  assert.deepEqual([...detachKeyBytes("a,ctrl-@,ctrl-_,CTRL-[")], [97, 0, 31, 27]);
  assert.throws(() => detachKeyBytes("ctrl-1"), /^Error: Unknown character: 'ctrl-1'$/);
  assert.throws(() => detachKeyBytes("é"), /Unknown character: 'é'/);
  assert.throws(() => detachKeyBytes(""), /Unknown character: ''/);
});

test("parseDetachKeys is the daemon's invalid-parameter error", () => {
  assert.deepEqual([...parseDetachKeys("ctrl-x")], [24]);
  assert.throws(() => parseDetachKeys("ctrl-1,a"), {
    kind: "invalid",
    message: "Invalid escape keys (ctrl-1,a) provided",
  });
});

test("DetachScanner detaches on the sequence, holds a prefix, releases a false start", () => {
  const w = new DetachScanner(detachKeyBytes("ctrl-p,ctrl-q"));
  assert.deepEqual(w.push(Buffer.from("ab\x10")), { data: Buffer.from("ab"), detach: false });
  assert.deepEqual(w.push(Buffer.from("x")), { data: Buffer.from("\x10x"), detach: false });
  assert.deepEqual(w.push(Buffer.from("\x10")), { data: Buffer.from(""), detach: false });
  assert.deepEqual(w.push(Buffer.from("\x11rest")), { data: Buffer.from(""), detach: true });
  assert.equal(new DetachScanner(Buffer.from([16, 17])).push(Buffer.from("ls\x10\x11")).detach, true);
  assert.deepEqual(new DetachScanner(Buffer.alloc(0)).push(Buffer.from("\x10")), {
    data: Buffer.from("\x10"),
    detach: false,
  });
});
