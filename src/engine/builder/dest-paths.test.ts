import assert from "node:assert/strict";
import { test } from "node:test";
import { normalizeDest } from "./copy-step.ts";
import { exposedPorts } from "./port-spec.ts";
import { normalizeWorkdir } from "./workdir-step.ts";

test("COPY destinations: relative ones under WORKDIR, a trailing / kept", () => {
  assert.equal(normalizeDest("/app", "."), "/app");
  assert.equal(normalizeDest("/app", "./"), "/app/");
  assert.equal(normalizeDest("/app", "sub/"), "/app/sub/");
  assert.equal(normalizeDest("", "x"), "/x");
  assert.equal(normalizeDest("/app", "/abs/"), "/abs/");
});

test("WORKDIR: relative to the previous one, cleaned", () => {
  assert.equal(normalizeWorkdir("", "app"), "/app");
  assert.equal(normalizeWorkdir("/a", "b/../c/"), "/a/c");
  assert.equal(normalizeWorkdir("/a", "/x//y/"), "/x/y");
  assert.equal(normalizeWorkdir("/a", "/"), "/");
});

test("EXPOSE: ports, protocols and ranges as ExposedPorts keys; bad ones refused", () => {
  assert.deepEqual(exposedPorts(["80", "53/UDP", "8000-8002/tcp", "127.0.0.1:8080:9000"]), [
    "80/tcp",
    "53/udp",
    "8000/tcp",
    "8001/tcp",
    "8002/tcp",
    "9000/tcp",
  ]);
  assert.throws(() => exposedPorts(["80/xyz"]), /invalid proto: xyz/);
  assert.throws(() => exposedPorts(["http"]), /invalid containerPort: http/);
});
