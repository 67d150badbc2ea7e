import assert from "node:assert/strict";
import { test } from "node:test";
import { isKind } from "../../lib/errors.ts";
import { exposedKeys, parseHostPort, parsePortKey, portRequests } from "./port-requests.ts";

test("parsePortKey reads number and protocol, tcp by default", () => {
  assert.deepEqual(parsePortKey("80/tcp"), { port: 80, proto: "tcp" });
  assert.deepEqual(parsePortKey("53/udp"), { port: 53, proto: "udp" });
  assert.deepEqual(parsePortKey("8080"), { port: 8080, proto: "tcp" });
  assert.throws(() => parsePortKey("http/tcp"), /invalid port specification: "http\/tcp"/);
  assert.throws(() => parsePortKey("80/icmp"), /invalid proto "icmp"/);
});

test("parseHostPort: empty for any free port, a number, or a range", () => {
  assert.deepEqual(parseHostPort(""), [0, 0]);
  assert.deepEqual(parseHostPort("8080"), [8080, 8080]);
  assert.deepEqual(parseHostPort("8000-8010"), [8000, 8010]);
  assert.throws(() => parseHostPort("9000-8000"), /error parsing HostPort value\(9000-8000\)/);
  assert.throws(
    () => parseHostPort("70000"),
    (e) => isKind(e, "invalid"),
  );
});

test("portRequests covers -p in each form the CLI sends", () => {
  // -p 8080:80 -p 127.0.0.1:9000:80 -p 127.0.0.1::81 -p 8000-8001:90-91 -p 5353:53/udp -p 7000-7010:82
  const reqs = portRequests({
    portBindings: {
      "80/tcp": [
        { HostIp: "", HostPort: "8080" },
        { HostIp: "127.0.0.1", HostPort: "9000" },
      ],
      "81/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }],
      "90/tcp": [{ HostIp: "", HostPort: "8000" }],
      "91/tcp": [{ HostIp: "", HostPort: "8001" }],
      "53/udp": [{ HostIp: "", HostPort: "5353" }],
      "82/tcp": [{ HostIp: "", HostPort: "7000-7010" }],
    },
  });
  const row = (p: number, proto: string, ip: string, s: number, e: number) => ({
    proto,
    containerPort: p,
    hostIps: [ip],
    hostPortStart: s,
    hostPortEnd: e,
  });
  assert.deepEqual(reqs, [
    row(53, "udp", "0.0.0.0", 5353, 5353),
    row(80, "tcp", "0.0.0.0", 8080, 8080),
    row(80, "tcp", "127.0.0.1", 9000, 9000),
    row(81, "tcp", "127.0.0.1", 0, 0),
    row(82, "tcp", "0.0.0.0", 7000, 7010),
    row(90, "tcp", "0.0.0.0", 8000, 8000),
    row(91, "tcp", "0.0.0.0", 8001, 8001),
  ]);
});

test("portRequests with -P publishes every exposed port on a free port", () => {
  const reqs = portRequests({
    exposedPorts: { "80/tcp": {}, "443/tcp": {} },
    portBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] },
    publishAll: true,
  });
  assert.deepEqual(
    reqs.map((r) => [r.containerPort, r.hostPortStart]),
    [
      [80, 8080],
      [443, 0],
    ],
  );
  assert.deepEqual(portRequests({ exposedPorts: { "80/tcp": {} } }), []);
});

test("portRequests: every address is 0.0.0.0 and :: on one port where IPv6 can be published; addresses normalized", () => {
  const bindings = {
    "80/tcp": [{ HostIp: "", HostPort: "8080" }],
    "81/tcp": [{ HostIp: "0.0.0.0", HostPort: "" }],
    "82/tcp": [{ HostIp: "[::1]", HostPort: "9000" }],
    "83/udp": [
      { HostIp: "0:0::0", HostPort: "53" },
      { HostIp: "::ffff:127.0.0.1", HostPort: "53" },
    ],
  };
  assert.deepEqual(
    portRequests({ portBindings: bindings, ipv6: true }).map((r) => [r.containerPort, r.hostIps]),
    [
      [80, ["0.0.0.0", "::"]],
      [81, ["0.0.0.0"]],
      [82, ["::1"]],
      [83, ["::"]],
      [83, ["127.0.0.1"]],
    ],
  );
  // without the userland proxy (or IPv6 on the host), moby leaves the IPv6 bindings out
  assert.deepEqual(
    portRequests({ portBindings: bindings }).map((r) => [r.containerPort, r.hostIps]),
    [
      [80, ["0.0.0.0"]],
      [81, ["0.0.0.0"]],
      [83, ["127.0.0.1"]],
    ],
  );
});

test("portRequests uses the network's default host address, and refuses bad ones", () => {
  const reqs = portRequests({
    portBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] },
    defaultHostIp: "127.0.0.1",
    ipv6: true,
  });
  assert.deepEqual(
    reqs.map((r) => r.hostIps),
    [["127.0.0.1"]],
  );
  assert.throws(
    () => portRequests({ portBindings: { "80/sctp": [{ HostIp: "::1" }] }, ipv6: true }),
    (e) => isKind(e, "not_implemented"),
  );
  assert.throws(() => portRequests({ portBindings: { "80/tcp": [{ HostIp: "nope" }] } }), /invalid host IP/);
});

test("exposedKeys joins exposed and published ports", () => {
  assert.deepEqual(
    exposedKeys({ exposedPorts: { "80/tcp": {} }, portBindings: { "53/udp": null, "80": null } }),
    ["80/tcp", "53/udp"],
  );
});
