import assert from "node:assert/strict";
import { test } from "node:test";
import { bridgeAddressLines, bridgeLines, endpointHostLines, endpointNetnsLines } from "./link-plan.ts";

test("bridgeLines make, address and raise the bridge", () => {
  assert.deepEqual(bridgeLines({ name: "kapsel0", gateway: "10.213.0.1", prefixLen: 24 }), [
    "link add name kapsel0 type bridge",
    "addr replace 10.213.0.1/24 dev kapsel0",
    "link set kapsel0 up",
  ]);
  assert.deepEqual(bridgeAddressLines({ name: "b", gateway: "10.0.0.1", prefixLen: 16, mtu: 1400 }), [
    "addr replace 10.0.0.1/16 dev b",
    "link set b up",
  ]);
});

const ep = {
  bridge: "kapsel0",
  hostVeth: "veth1234567",
  ifName: "eth0",
  mac: "02:42:0a:d5:00:02",
  ip: "10.213.0.2",
  prefixLen: 24,
  gateway: "10.213.0.1",
  defaultRoute: true,
  netnsPath: "/run/kapsel/network/netns/abc",
};

test("endpointHostLines create the pair with its inner end already in the namespace", () => {
  assert.deepEqual(endpointHostLines(ep), [
    "link add veth1234567 type veth peer name eth0 address 02:42:0a:d5:00:02 netns /run/kapsel/network/netns/abc",
    "link set veth1234567 master kapsel0",
    "link set dev veth1234567 type bridge_slave hairpin on",
    "link set veth1234567 up",
  ]);
});

test("endpointNetnsLines address the inner end; only the gateway endpoint routes by default", () => {
  assert.deepEqual(endpointNetnsLines(ep), [
    "addr add 10.213.0.2/24 dev eth0",
    "link set eth0 up",
    "route replace default via 10.213.0.1 dev eth0",
  ]);
  assert.equal(endpointNetnsLines({ ...ep, defaultRoute: false }).length, 2);
});
