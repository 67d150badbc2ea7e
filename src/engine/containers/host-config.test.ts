import assert from "node:assert/strict";
import { test } from "node:test";
import { checkExtraHost, checkNetworkMode, normalizeHostConfig } from "./host-config.ts";

test("normalizeHostConfig: default network mode is bridge; bad port bindings are Docker 28's 400", () => {
  assert.equal(normalizeHostConfig({}).NetworkMode, "bridge");
  assert.equal(normalizeHostConfig({ NetworkMode: "default" }).NetworkMode, "bridge");
  assert.equal(normalizeHostConfig({ NetworkMode: "mynet" }).NetworkMode, "mynet");
  const ok = { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "8080" }], "53/udp": [{ HostPort: "" }] };
  assert.doesNotThrow(() => normalizeHostConfig({ PortBindings: ok }));
  assert.doesNotThrow(() => normalizeHostConfig({ PortBindings: { "80": [{ HostPort: "8000-8010" }] } }));
  assert.throws(
    () => normalizeHostConfig({ PortBindings: { "80/tcp": [{ HostPort: "70000" }] } }),
    /^KapselError: invalid port specification: "70000"$/,
  );
  assert.throws(
    () => normalizeHostConfig({ PortBindings: { "x/tcp": [] } }),
    /invalid port specification: "x"/,
  );
});

test("checkNetworkMode: what cannot go with container:<x> and host networking", () => {
  const mode = "container:other";
  assert.throws(
    () => checkNetworkMode({ Hostname: "h" }, { NetworkMode: mode }),
    /hostname and the network mode/,
  );
  assert.throws(
    () => checkNetworkMode({}, { NetworkMode: mode, Links: ["a"] }),
    /container type network can't be used with links/,
  );
  assert.throws(
    () => checkNetworkMode({}, { NetworkMode: mode, Dns: ["1.1.1.1"] }),
    /dns and the network mode/,
  );
  assert.throws(() => checkNetworkMode({}, { NetworkMode: mode, PublishAllPorts: true }), /port publishing/);
  assert.throws(
    () => checkNetworkMode({ ExposedPorts: { "80/tcp": {} } }, { NetworkMode: mode }),
    /port exposing/,
  );
  assert.throws(() => checkNetworkMode({}, { NetworkMode: "container:" }), /invalid container format/);
  assert.throws(() => checkNetworkMode({}, { NetworkMode: "host", Links: ["a"] }), /host type networking/);
  assert.doesNotThrow(() => checkNetworkMode({ Hostname: "h" }, { NetworkMode: "bridge", Links: ["a:b"] }));
});

test("checkExtraHost: moby's ValidateExtraHost", () => {
  assert.deepEqual(checkExtraHost("db:10.0.0.1"), { host: "db", ip: "10.0.0.1" });
  assert.deepEqual(checkExtraHost("db=[::1]"), { host: "db", ip: "::1" });
  assert.deepEqual(checkExtraHost("gw:host-gateway"), { host: "gw", ip: "host-gateway" });
  assert.throws(() => checkExtraHost("nohost"), /bad format for add-host: "nohost"/);
  assert.throws(() => checkExtraHost("db:notanip"), /invalid IP address in add-host: "notanip"/);
});
