import assert from "node:assert/strict";
import { test } from "node:test";
import { buildQuery, DNS_TYPE, parseQuery } from "./dns-message.ts";
import { type DnsEndpoint, resolvConfNameservers, resolveQuery } from "./dns-records.ts";

const ep = (over: Partial<DnsEndpoint>): DnsEndpoint => ({
  containerId: "c1",
  containerName: "web",
  networkId: "n1",
  networkName: "front",
  ip: "10.213.1.2",
  names: ["web", "www", "c1c1c1c1c1c1"],
  links: [],
  ...over,
});
const endpoints = [
  ep({}),
  ep({
    containerId: "c2",
    containerName: "client",
    ip: "10.213.1.3",
    names: ["client"],
    links: [{ name: "db", alias: "database" }],
  }),
  ep({
    containerId: "c2",
    containerName: "client",
    networkId: "n2",
    networkName: "back",
    ip: "10.213.2.3",
    names: ["client"],
  }),
  ep({
    containerId: "c3",
    containerName: "db",
    networkId: "n2",
    networkName: "back",
    ip: "10.213.2.4",
    names: ["db"],
  }),
  ep({
    containerId: "c4",
    containerName: "other",
    networkId: "n3",
    networkName: "elsewhere",
    ip: "10.213.3.2",
    names: ["other"],
  }),
];
const ask = (clientIp: string, name: string, type: number = DNS_TYPE.A) =>
  resolveQuery({
    endpoints,
    serverNetworkId: "n1",
    clientIp,
    q: parseQuery(buildQuery(1, name, type))!,
    upstreams: ["127.0.0.1:5353"],
  });

test("names, aliases and short IDs of the client's networks resolve, case-insensitively", () => {
  assert.deepEqual(ask("10.213.1.3", "web"), {
    answers: [{ type: DNS_TYPE.A, ttl: 600, data: "10.213.1.2" }],
  });
  assert.deepEqual(ask("10.213.1.3", "WWW."), {
    answers: [{ type: DNS_TYPE.A, ttl: 600, data: "10.213.1.2" }],
  });
  assert.deepEqual(ask("10.213.1.3", "c1c1c1c1c1c1"), {
    answers: [{ type: DNS_TYPE.A, ttl: 600, data: "10.213.1.2" }],
  });
  // the client is on front and back: both are searched
  assert.deepEqual(ask("10.213.1.3", "db"), {
    answers: [{ type: DNS_TYPE.A, ttl: 600, data: "10.213.2.4" }],
  });
});

test("name.network resolves within that network", () => {
  assert.deepEqual(ask("10.213.1.3", "web.front"), {
    answers: [{ type: DNS_TYPE.A, ttl: 600, data: "10.213.1.2" }],
  });
  assert.deepEqual(ask("10.213.1.3", "web.back"), { forward: ["127.0.0.1:5353"] });
});

test("other networks' names are not visible; unknown names are forwarded", () => {
  assert.deepEqual(ask("10.213.1.3", "other"), { forward: ["127.0.0.1:5353"] });
  assert.deepEqual(ask("10.213.1.2", "db"), { forward: ["127.0.0.1:5353"] }, "web is not on back");
  assert.deepEqual(ask("10.213.1.3", "example.org"), { forward: ["127.0.0.1:5353"] });
});

test("a --link alias resolves for the linking container only", () => {
  assert.deepEqual(ask("10.213.1.3", "database"), {
    answers: [{ type: DNS_TYPE.A, ttl: 600, data: "10.213.2.4" }],
  });
  assert.deepEqual(ask("10.213.1.2", "database"), { forward: ["127.0.0.1:5353"] });
});

test("a known name without IPv6 gets an empty answer for AAAA; PTR names container.network", () => {
  assert.deepEqual(ask("10.213.1.3", "web", DNS_TYPE.AAAA), { answers: [] });
  assert.deepEqual(ask("10.213.1.3", "2.1.213.10.in-addr.arpa", DNS_TYPE.PTR), {
    answers: [{ type: DNS_TYPE.PTR, ttl: 600, data: "web.front" }],
  });
});

test("a client the server does not know sees the server's network", () => {
  assert.deepEqual(ask("10.213.1.1", "web"), {
    answers: [{ type: DNS_TYPE.A, ttl: 600, data: "10.213.1.2" }],
  });
  assert.deepEqual(ask("10.213.1.1", "db"), { forward: ["127.0.0.1:5353"] });
});

test("resolvConfNameservers reads the nameserver lines", () => {
  assert.deepEqual(resolvConfNameservers("# x\nnameserver 10.0.0.53\nsearch a\n nameserver  127.0.0.53\n"), [
    "10.0.0.53",
    "127.0.0.53",
  ]);
});
