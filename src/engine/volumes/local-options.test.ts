import assert from "node:assert/strict";
import { test } from "node:test";
import { maskPassword, needsMount, ramInBytes, validateLocalOptions } from "./local-options.ts";

test("validateLocalOptions accepts Docker's tmpfs, bind and nfs forms", () => {
  validateLocalOptions({});
  validateLocalOptions({ type: "tmpfs", device: "tmpfs", o: "size=100m,uid=1000" });
  validateLocalOptions({ type: "none", o: "bind", device: "/srv/data" });
  validateLocalOptions({ type: "nfs", o: "addr=10.0.0.1,rw", device: ":/export" });
  validateLocalOptions({ size: "0" });
});

test("validateLocalOptions refuses with Docker's messages", () => {
  assert.throws(() => validateLocalOptions({ foo: "bar" }), {
    kind: "invalid",
    message: 'invalid option: "foo"',
  });
  assert.throws(() => validateLocalOptions({ device: "tmpfs" }), {
    message: 'missing required option: "type"',
  });
  assert.throws(() => validateLocalOptions({ type: "tmpfs" }), {
    message: 'missing required option: "device"',
  });
  assert.throws(() => validateLocalOptions({ o: "size=1m" }), {
    message: 'missing required option: "device"',
  });
  assert.throws(() => validateLocalOptions({ size: "10m" }), {
    message: "quota size requested but no quota support",
  });
  assert.throws(() => validateLocalOptions({ size: "lots" }), { message: "invalid size: 'lots'" });
  assert.throws(() => validateLocalOptions({ type: "cifs", device: "//server:445/share" }), {
    message: "port not allowed in CIFS device URL, include 'port' in 'o='",
  });
  validateLocalOptions({ type: "cifs", device: "//server/share", o: "port=445" });
});

test("ramInBytes reads go-units sizes in binary multiples", () => {
  assert.equal(ramInBytes("512"), 512);
  assert.equal(ramInBytes("100m"), 100 * 1024 * 1024);
  assert.equal(ramInBytes("1.5GiB"), 1.5 * 1024 ** 3);
  assert.equal(ramInBytes("2 kb"), 2048);
});

test("needsMount is true with a type or a device; maskPassword hides cifs passwords", () => {
  assert.equal(needsMount({}), false);
  assert.equal(needsMount({ type: "tmpfs", device: "tmpfs" }), true);
  assert.equal(
    maskPassword("mount error: o=user=a,password=s3cret", "user=a,password=s3cret"),
    "mount error: o=user=a,password=********",
  );
});
