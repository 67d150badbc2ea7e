import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_HOST, parseHost, selectHost } from "./host.ts";

test("selectHost prefers -H, then KAPSEL_HOST, then DOCKER_HOST, then the default", () => {
  const env = { KAPSEL_HOST: "unix:///k.sock", DOCKER_HOST: "unix:///d.sock" };
  assert.equal(selectHost(["unix:///h.sock"], env), "unix:///h.sock");
  assert.equal(selectHost([], env), "unix:///k.sock");
  assert.equal(selectHost([], { DOCKER_HOST: "unix:///d.sock" }), "unix:///d.sock");
  assert.equal(selectHost([], {}), DEFAULT_HOST);
  assert.equal(DEFAULT_HOST, "unix:///run/kapsel/kapsel.sock");
});

test("selectHost treats empty variables as unset", () => {
  assert.equal(selectHost([], { KAPSEL_HOST: "", DOCKER_HOST: "unix:///d.sock" }), "unix:///d.sock");
  assert.equal(selectHost([""], { KAPSEL_HOST: "unix:///k.sock" }), "unix:///k.sock");
});

test("selectHost refuses more than one -H, as docker does", () => {
  assert.throws(() => selectHost(["unix:///a", "unix:///b"], {}), /Specify only one -H/);
});

test("parseHost reads unix sockets, bare paths and tcp addresses", () => {
  assert.deepEqual(parseHost("unix:///run/k.sock"), {
    kind: "unix",
    url: "unix:///run/k.sock",
    socketPath: "/run/k.sock",
  });
  assert.deepEqual(parseHost("/tmp/k.sock"), {
    kind: "unix",
    url: "unix:///tmp/k.sock",
    socketPath: "/tmp/k.sock",
  });
  assert.deepEqual(parseHost("tcp://127.0.0.1:2375"), {
    kind: "tcp",
    url: "tcp://127.0.0.1:2375",
    host: "127.0.0.1",
    port: 2375,
  });
  assert.equal((parseHost("tcp://[::1]:8080") as { host: string }).host, "::1");
});

test("parseHost rejects what it cannot reach", () => {
  assert.throws(() => parseHost("ssh://me@host"), /Invalid bind address format/);
  assert.throws(() => parseHost("nonsense"), /unable to parse/);
  assert.throws(() => parseHost("unix://"), /empty socket path/);
});
