import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIPv6, parseCidr6, parseIPv6 } from "../../lib/ipv6.ts";
import { buildQuery, buildResponse, DNS_TYPE, parseQuery, parseResponse } from "./dns-message.ts";
import { resolveQuery } from "./dns-records.ts";
import { planFirewall, restoreScript6 } from "./firewall-plan.ts";
import { addressing6FromConfig, allocateAddress6, chooseSubnet6, newUlaPool } from "./ipam6.ts";
import { bridgeAddressLines, endpointNetnsLines } from "./link-plan.ts";

test("IPv6 text goes to numbers and back in RFC 5952's form (Go's)", () => {
  for (const [text, canonical] of [
    ["2001:db8::1", "2001:db8::1"],
    ["2001:0DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["::", "::"],
    ["::1", "::1"],
    ["fd00:6b:1::", "fd00:6b:1::"],
    ["2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8:1:1:1:1:1:1", "2001:db8:1:1:1:1:1:1"],
    ["::ffff:10.1.2.3", "::ffff:a01:203"],
  ]) {
    const n = parseIPv6(text);
    assert.notEqual(n, undefined, text);
    assert.equal(formatIPv6(n!), canonical, text);
  }
  for (const bad of ["1.2.3.4", "2001:db8::1::2", "fe80::1%eth0", "hello"])
    assert.equal(parseIPv6(bad), undefined);
  assert.deepEqual(parseCidr6("fd00::/64"), { addr: 0xfdn << 120n, bits: 64 });
  assert.equal(parseCidr6("fd00::/129"), undefined);
});

test("an IPv6 network's subnet: the request's (checked as moby does) or a /64 of the ULA pool", () => {
  assert.equal(addressing6FromConfig([{ Subnet: "10.1.0.0/24" }]), undefined);
  assert.deepEqual(
    addressing6FromConfig([
      { Subnet: "10.1.0.0/24" },
      { Subnet: "2001:389::/64", IPRange: "2001:389::/96", Gateway: "2001:389::ffff" },
    ]),
    { subnet: "2001:389::/64", gateway: "2001:389::ffff", ipRange: "2001:389::/96", userSubnet: true },
  );
  assert.equal(addressing6FromConfig([{ Subnet: "fd00:1::/64" }])?.gateway, "fd00:1::1");
  // shown as written, as Docker shows them
  assert.deepEqual(addressing6FromConfig([{ Subnet: "FD00:1:0::/64", Gateway: "fd00:1:0::1" }]), {
    subnet: "FD00:1:0::/64",
    gateway: "fd00:1:0::1",
    userSubnet: true,
  });
  assert.throws(
    () => addressing6FromConfig([{ Subnet: "fd00:1::5/64", Gateway: "fd00:2::1" }]),
    (e) =>
      /^invalid network config:\n\* invalid subnet fd00:1::5\/64: it should be fd00:1::\/64\n\* invalid gateway fd00:2::1: parent subnet fd00:1::5\/64 doesn't contain this address$/.test(
        (e as Error).message,
      ),
  );
  assert.throws(
    () => addressing6FromConfig([{ Subnet: "fd00:1::/64", IPRange: "fd00:2::/80" }]),
    /doesn't contain ip-range/,
  );
  assert.throws(
    () => addressing6FromConfig([{ Subnet: "fd00:1::/64" }, { Subnet: "fd00:2::/64" }]),
    /one IPv6 subnet/,
  );

  const pool = newUlaPool();
  assert.match(pool, /^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/48$/);
  const first = chooseSubnet6("fd12:3456:789a::/48", []);
  assert.deepEqual(first, { subnet: "fd12:3456:789a::/64", gateway: "fd12:3456:789a::1", userSubnet: false });
  assert.equal(
    chooseSubnet6("fd12:3456:789a::/48", [first.subnet, "fd12:3456:789a:1::/80"]).subnet,
    "fd12:3456:789a:2::/64",
  );
});

test("IPv6 addresses: the lowest free one of the range, or the one asked for when free", () => {
  const a = { subnet: "fd00:1::/64", gateway: "fd00:1::1", userSubnet: true };
  assert.equal(allocateAddress6({ addressing: a, used: new Set() }), "fd00:1::2");
  assert.equal(
    allocateAddress6({ addressing: a, used: new Set(["fd00:1::2", "fd00:1:0:0::3"]) }),
    "fd00:1::4",
  );
  assert.equal(
    allocateAddress6({ addressing: { ...a, ipRange: "fd00:1::100/120" }, used: new Set() }),
    "fd00:1::100",
  );
  assert.equal(
    allocateAddress6({ addressing: a, used: new Set(), requested: "FD00:1::F00D" }),
    "fd00:1::f00d",
  );
  assert.throws(
    () => allocateAddress6({ addressing: a, used: new Set(["fd00:1::9"]), requested: "fd00:1::9" }),
    /Address already in use/,
  );
});

test("links, firewall and DNS carry a network's IPv6", () => {
  assert.deepEqual(
    bridgeAddressLines({
      name: "br-x",
      gateway: "10.1.0.1",
      prefixLen: 24,
      ipv6: { gateway: "fd00:1::1", prefixLen: 64 },
    }),
    ["addr replace 10.1.0.1/24 dev br-x", "addr replace fd00:1::1/64 dev br-x nodad", "link set br-x up"],
  );
  const lines = endpointNetnsLines({
    bridge: "br-x",
    hostVeth: "veth1",
    ifName: "eth0",
    mac: "02:42:0a:01:00:02",
    ip: "10.1.0.2",
    prefixLen: 24,
    gateway: "10.1.0.1",
    ipv6: { ip: "fd00:1::2", prefixLen: 64, gateway: "fd00:1::1" },
    defaultRoute: true,
    netnsPath: "/x",
  });
  assert.ok(lines.includes("addr add fd00:1::2/64 dev eth0 nodad"));
  assert.ok(lines.includes("route replace default via fd00:1::1 dev eth0"));

  const net = {
    subnet: "10.1.0.0/24",
    gateway: "10.1.0.1",
    internal: false,
    masquerade: true,
    icc: true,
    dns: true,
  };
  const plan = planFirewall({
    prefix: "KAPSEL",
    networks: [
      { ...net, bridge: "br-a", ipv6: true },
      { ...net, bridge: "br-b" },
    ],
    mappings: [],
  });
  assert.equal(
    restoreScript6(plan),
    "*filter\n:KAPSEL-FWD - [0:0]\n-A KAPSEL-FWD -i br-a ! -o br-a -j DROP\n-A KAPSEL-FWD ! -i br-a -o br-a -j DROP\nCOMMIT\n",
  );
  assert.deepEqual(
    planFirewall({ prefix: "KAPSEL", networks: [{ ...net, bridge: "br-b" }], mappings: [] }).ipv6.rules,
    [],
  );

  const endpoints = [
    {
      containerId: "c1",
      containerName: "web",
      networkId: "n",
      networkName: "net6",
      ip: "10.1.0.2",
      ip6: "fd00:1::2",
      names: ["web"],
      links: [],
    },
    {
      containerId: "c2",
      containerName: "v4only",
      networkId: "n",
      networkName: "net6",
      ip: "10.1.0.3",
      names: ["v4only"],
      links: [],
    },
  ];
  const ask = (name: string, type: number) => {
    const q = parseQuery(buildQuery(7, name, type))!;
    const r = resolveQuery({ endpoints, serverNetworkId: "n", clientIp: "10.1.0.3", q, upstreams: [] });
    assert.ok("answers" in r, name);
    return parseResponse(buildResponse(q, 0, r.answers)).answers;
  };
  assert.deepEqual(ask("web", DNS_TYPE.AAAA), [{ type: DNS_TYPE.AAAA, ttl: 600, data: "fd00:1::2" }]);
  assert.deepEqual(ask("web", DNS_TYPE.A), [{ type: DNS_TYPE.A, ttl: 600, data: "10.1.0.2" }]);
  assert.deepEqual(ask("v4only", DNS_TYPE.AAAA), [], "a name of ours without IPv6: an empty answer");
});
