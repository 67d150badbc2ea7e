import assert from "node:assert/strict";
import { test } from "node:test";
import type { NetworkRecord } from "./network-store.ts";
import { listFilter, networkResource, portMap, pruneFilter } from "./network-views.ts";

const net = (over: Partial<NetworkRecord>): NetworkRecord => ({
  id: "a".repeat(64),
  name: "front",
  driver: "bridge",
  created: "2025-01-01T00:00:00.000Z",
  internal: false,
  attachable: false,
  labels: { env: "test" },
  options: {},
  ipamOptions: {},
  predefined: false,
  bridge: "br-aaaaaaaaaaaa",
  addressing: { subnet: "10.213.1.0/24", gateway: "10.213.1.1", userSubnet: true },
  ...over,
});

test("networkResource has Docker's shape, Containers from the live endpoints", () => {
  const r = networkResource(
    net({}),
    [
      {
        containerId: "c1",
        netnsPath: "/x",
        endpoints: [
          {
            id: "e1",
            networkId: "a".repeat(64),
            ifName: "eth0",
            hostVeth: "veth1",
            ip: "10.213.1.2",
            prefixLen: 24,
            gateway: "10.213.1.1",
            mac: "02:42:0a:d5:01:02",
            defaultRoute: true,
            name: "web",
            aliases: [],
            dnsNames: ["web"],
            links: [],
            ports: [],
            exposed: [],
          },
        ],
      },
    ],
    true,
  );
  assert.deepEqual(r.IPAM, {
    Driver: "default",
    Options: {},
    Config: [{ Subnet: "10.213.1.0/24", Gateway: "10.213.1.1" }],
  });
  assert.deepEqual(r.Containers, {
    c1: {
      Name: "web",
      EndpointID: "e1",
      MacAddress: "02:42:0a:d5:01:02",
      IPv4Address: "10.213.1.2/24",
      IPv6Address: "",
    },
  });
  assert.equal(r.Scope, "local");
  assert.deepEqual(
    networkResource(net({ predefined: true, addressing: undefined, driver: "host" }), [], true).IPAM.Config,
    null,
  );
});

test("listFilter: name and id match as in moby, type builtin/custom, dangling", () => {
  const f = (m: Record<string, string[]>) => listFilter(new Map(Object.entries(m)));
  assert.ok(f({ name: ["fro"] })(net({}), false));
  assert.ok(!f({ name: ["back"] })(net({}), false));
  assert.ok(f({ id: ["aaa"] })(net({}), false));
  assert.ok(f({ type: ["custom"] })(net({}), false));
  assert.ok(!f({ type: ["builtin"] })(net({}), false));
  assert.ok(f({ dangling: ["true"] })(net({}), false));
  assert.ok(!f({ dangling: ["true"] })(net({}), true));
  assert.ok(f({ label: ["env=test"] })(net({}), false));
  assert.ok(!f({ driver: ["host"] })(net({}), false));
  assert.throws(() => f({ bogus: ["x"] }), /invalid filter 'bogus'/);
  assert.throws(() => f({ type: ["x"] }), /invalid filter: 'type'='x'/);
});

test("pruneFilter: until and labels", () => {
  const f = (m: Record<string, string[]>) => pruneFilter(new Map(Object.entries(m)));
  assert.ok(f({})(net({})));
  assert.ok(f({ until: ["2026-01-01T00:00:00Z"] })(net({})));
  assert.ok(!f({ until: ["2024-01-01T00:00:00Z"] })(net({})));
  assert.ok(!f({ "label!": ["env"] })(net({})));
  assert.ok(f({ label: ["env=test"] })(net({})));
  assert.throws(() => f({ dangling: ["true"] }), /invalid filter 'dangling'/);
});

test("portMap lists exposed ports as null and published ones with their host side", () => {
  const ep = {
    exposed: ["80/tcp", "443/tcp"],
    ports: [{ proto: "tcp" as const, containerPort: 80, hostIp: "127.0.0.1", hostPort: 9000 }],
  };
  assert.deepEqual(portMap([ep as never]), {
    "80/tcp": [{ HostIp: "127.0.0.1", HostPort: "9000" }],
    "443/tcp": null,
  });
});
