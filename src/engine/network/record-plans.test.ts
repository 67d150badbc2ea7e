import assert from "node:assert/strict";
import { test } from "node:test";
import { isKind } from "../../lib/errors.ts";
import type { NetworkRecord, SandboxRecord } from "./network-store.ts";
import {
  checkEndpointSettings,
  dnsEndpoints,
  findNetwork,
  firewallInput,
  gatewayEndpoint,
  networkFromRequest,
  newNetworkRecord,
  planEndpoint,
} from "./record-plans.ts";

const bridge: NetworkRecord = {
  ...newNetworkRecord("bridge", "bridge", { predefined: true }),
  id: `b${"0".repeat(63)}`,
  bridge: "kapsel0",
  addressing: { subnet: "10.213.0.0/24", gateway: "10.213.0.1", userSubnet: false },
};
const front: NetworkRecord = {
  ...newNetworkRecord("front", "bridge", { predefined: false }),
  id: `f${"1".repeat(63)}`,
  bridge: "br-f11111111111",
  addressing: { subnet: "10.213.1.0/24", gateway: "10.213.1.1", userSubnet: true },
};
const sealed: NetworkRecord = { ...front, id: `5${"2".repeat(63)}`, name: "sealed", internal: true };
const sandbox = (endpoints: SandboxRecord["endpoints"] = []): SandboxRecord => ({
  containerId: "c".repeat(64),
  netnsPath: "/run/kapsel/network/netns/c",
  endpoints,
});

test("findNetwork: full ID, then exact name, then a unique ID prefix", () => {
  const all = [bridge, front, { ...front, id: `f${"3".repeat(63)}`, name: "f11" }];
  assert.equal(findNetwork(all, "front"), front);
  assert.equal(findNetwork(all, bridge.id), bridge);
  assert.equal(findNetwork(all, "b0"), bridge);
  assert.equal(findNetwork(all, "f11").name, "f11", "a name wins over an ID prefix");
  assert.throws(() => findNetwork(all, "f"), {
    message: "network f is ambiguous (2 matches found based on ID prefix)",
  });
  assert.throws(
    () => findNetwork(all, "nope"),
    (e) => isKind(e, "not_found") && (e as Error).message === "network nope not found",
  );
});

test("networkFromRequest checks the request as moby does", () => {
  const rec = networkFromRequest({
    Name: "n1",
    Labels: { a: "b" },
    Options: { "com.docker.network.bridge.name": "kbr1" },
  });
  assert.equal(rec.bridge, "kbr1");
  assert.deepEqual(rec.labels, { a: "b" });
  const plain = networkFromRequest({ Name: "n2" });
  assert.equal(plain.bridge, `br-${plain.id.slice(0, 12)}`);
  assert.throws(
    () => networkFromRequest({ Name: "bridge" }),
    (e) =>
      isKind(e, "forbidden") &&
      (e as Error).message === "operation is not permitted on predefined bridge network ",
  );
  assert.throws(
    () => networkFromRequest({ Name: "x", Driver: "host" }),
    /only one instance of "host" network is allowed/,
  );
  assert.throws(
    () => networkFromRequest({ Name: "x", Driver: "weave" }),
    (e) => isKind(e, "not_found"),
  );
  assert.throws(
    () => networkFromRequest({ Name: "x", Driver: "macvlan" }),
    (e) => isKind(e, "not_implemented"),
  );
  assert.throws(
    () => networkFromRequest({ Name: "x", Driver: "overlay" }),
    (e) => isKind(e, "forbidden") && /^This node is not a swarm manager\./.test((e as Error).message),
  );
  assert.throws(
    () =>
      networkFromRequest({ Name: "x", Options: { "com.docker.network.bridge.name": "much-too-long-name" } }),
    /invalid bridge name/,
  );
});

test("checkEndpointSettings refuses what Docker refuses on predefined networks", () => {
  assert.throws(
    () => checkEndpointSettings(bridge, { name: "c", ipv4Address: "10.213.0.9", aliases: ["x"] }),
    {
      message:
        "invalid endpoint settings:\n* user specified IP address is supported on user defined networks only\n* network-scoped alias is supported only for containers in user defined networks",
    },
  );
  assert.throws(
    () => checkEndpointSettings(front, { name: "c", macAddress: "nope" }),
    /invalid MAC address: nope/,
  );
  checkEndpointSettings(front, { name: "c", ipv4Address: "10.213.1.9", aliases: ["x"] });
});

test("planEndpoint: eth0 then eth1; DNS names only on user networks", () => {
  const sb = sandbox();
  const ep = planEndpoint({
    net: front,
    sb,
    opts: { name: "web", aliases: ["www"], hostname: "web" },
    used: new Set(["10.213.1.2"]),
  });
  assert.equal(ep.ip, "10.213.1.3");
  assert.equal(ep.ifName, "eth0");
  assert.equal(ep.mac, "02:42:0a:d5:01:03");
  assert.match(ep.hostVeth, /^veth[0-9a-f]{7}$/);
  assert.deepEqual(ep.dnsNames, ["web", "www", "cccccccccccc"]);
  const second = planEndpoint({ net: bridge, sb: sandbox([ep]), opts: { name: "web" }, used: new Set() });
  assert.equal(second.ifName, "eth1");
  assert.deepEqual(second.dnsNames, []);
  const inner = planEndpoint({ net: sealed, sb: sandbox(), opts: { name: "s" }, used: new Set() });
  assert.equal(inner.gateway, "");
});

test("gatewayEndpoint: the highest GwPriority, then dual-stack, then the network name; never an internal one", () => {
  const nets = new Map([front, sealed, bridge].map((n) => [n.id, n]));
  const name = (e: { networkId: string }) => nets.get(e.networkId)?.name ?? "";
  const plan = (net: typeof front, gwPriority = 0) =>
    planEndpoint({ net, sb: sandbox(), opts: { name: "c", gwPriority }, used: new Set() });
  const [f, b, s] = [plan(front), plan(bridge), plan(sealed)];
  // "bridge" sorts before "front"; "sealed" is internal
  assert.equal(gatewayEndpoint([s, f, b], name), b);
  assert.equal(gatewayEndpoint([plan(front, 5), b], name)?.networkId, front.id);
  assert.equal(gatewayEndpoint([{ ...f, gateway6: "fd00::1" }, b], name)?.networkId, front.id);
  assert.equal(gatewayEndpoint([s], name), undefined);
});

test("firewallInput takes published ports of live endpoints, never of internal networks", () => {
  const ep = planEndpoint({ net: front, sb: sandbox(), opts: { name: "web" }, used: new Set() });
  ep.ports = [{ proto: "tcp", containerPort: 80, hostIp: "0.0.0.0", hostPort: 8080 }];
  const hidden = planEndpoint({ net: sealed, sb: sandbox(), opts: { name: "s" }, used: new Set() });
  hidden.ports = [{ proto: "tcp", containerPort: 80, hostIp: "0.0.0.0", hostPort: 8081 }];
  const nets = new Map([front, sealed, bridge].map((n) => [n.id, n]));
  const input = firewallInput("K", [bridge, front, sealed], nets, [sandbox([ep, hidden])]);
  assert.deepEqual(input.mappings, [
    {
      proto: "tcp",
      containerPort: 80,
      hostIp: "0.0.0.0",
      hostPort: 8080,
      bridge: "br-f11111111111",
      containerIp: "10.213.1.2",
    },
  ]);
  assert.deepEqual(
    input.networks.map((n) => [n.bridge, n.internal, n.dns]),
    [
      ["kapsel0", false, false],
      ["br-f11111111111", false, true],
      ["br-f11111111111", true, true],
    ],
  );
  assert.deepEqual(
    dnsEndpoints(nets, [sandbox([ep])]).map((e) => [e.containerName, e.networkName, e.ip]),
    [["web", "front", "10.213.1.2"]],
  );
});
