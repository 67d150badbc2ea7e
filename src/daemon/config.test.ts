import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDaemonArgs } from "./config.ts";

const parse = (...args: string[]) => parseDaemonArgs(["--config-file", "/dev/null", ...args]);

test("--userland-proxy is a bool flag, true unless set otherwise, as dockerd's", () => {
  const on = (c: ReturnType<typeof parse>) => (typeof c === "string" ? c : c.userlandProxy);
  assert.equal(on(parse()), true);
  assert.equal(on(parse("--userland-proxy")), true);
  assert.equal(on(parse("--userland-proxy=false")), false);
  assert.equal(on(parse("--userland-proxy=0", "--data-root", "/x")), false);
  assert.throws(() => parse("--userland-proxy=maybe"), {
    message:
      'invalid argument "maybe" for "--userland-proxy" flag: strconv.ParseBool: parsing "maybe": invalid syntax',
  });
});
