import assert from "node:assert/strict";
import { test } from "node:test";
import { goBase, goClean, preserveTrailingDotOrSeparator } from "../../lib/go-path.ts";
import { followsLast } from "./docker-path.ts";
import { goFileMode, rfc3339Nano } from "./path-stat.ts";

test("goBase and goClean follow Go's filepath", () => {
  assert.equal(goBase("/etc/passwd"), "passwd");
  assert.equal(goBase("/etc/"), "etc");
  assert.equal(goBase("/etc/."), ".");
  assert.equal(goBase("/"), "/");
  assert.equal(goBase(""), ".");
  assert.equal(goClean("/a//b/../c/"), "/a/c");
  assert.equal(goClean("/"), "/");
  assert.equal(goClean(""), ".");
});

test("preserveTrailingDotOrSeparator puts back a trailing / or /. that cleaning dropped", () => {
  assert.equal(preserveTrailingDotOrSeparator("/etc", "/etc/"), "/etc/");
  assert.equal(preserveTrailingDotOrSeparator("/etc", "etc/."), "/etc/.");
  assert.equal(preserveTrailingDotOrSeparator("/etc", "/etc"), "/etc");
  assert.equal(preserveTrailingDotOrSeparator("/", "/."), "/.");
  assert.equal(preserveTrailingDotOrSeparator("/", "/"), "/");
});

test("followsLast: lstat follows a last symlink only when the path says it must be a directory", () => {
  assert.equal(followsLast("/link"), false);
  assert.equal(followsLast("/link/"), true);
  assert.equal(followsLast("/link/."), true);
  assert.equal(followsLast("/a/.."), true);
});

test("goFileMode maps unix modes to Go's os.FileMode bits", () => {
  assert.equal(goFileMode({ mode: 0o100644 }), 0o644);
  assert.equal(goFileMode({ mode: 0o040755 }), 2 ** 31 + 0o755);
  assert.equal(goFileMode({ mode: 0o120777 }), 2 ** 27 + 0o777);
  assert.equal(goFileMode({ mode: 0o020666 }), 2 ** 26 + 2 ** 21 + 0o666);
  assert.equal(goFileMode({ mode: 0o060660 }), 2 ** 26 + 0o660);
  assert.equal(goFileMode({ mode: 0o010644 }), 2 ** 25 + 0o644);
  assert.equal(goFileMode({ mode: 0o104755 }), 2 ** 23 + 0o755);
  assert.equal(goFileMode({ mode: 0o041777 }), 2 ** 31 + 2 ** 20 + 0o777);
});

test("rfc3339Nano writes Go's RFC3339Nano in the local zone, trailing zeros cut", () => {
  const saved = process.env.TZ;
  try {
    process.env.TZ = "UTC";
    assert.equal(rfc3339Nano(1_612_325_106_123_456_789n), "2021-02-03T04:05:06.123456789Z");
    assert.equal(rfc3339Nano(1_612_325_106_500_000_000n), "2021-02-03T04:05:06.5Z");
    assert.equal(rfc3339Nano(1_612_325_106_000_000_000n), "2021-02-03T04:05:06Z");
    assert.equal(rfc3339Nano(-1_500_000_000n), "1969-12-31T23:59:58.5Z");
    process.env.TZ = "Asia/Kolkata";
    assert.equal(rfc3339Nano(1_612_325_106_000_000_000n), "2021-02-03T09:35:06+05:30");
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});
