import assert from "node:assert/strict";
import { test } from "node:test";
import { hostsFile, resolvConf } from "./etc-files.ts";

test("hostsFile: --add-host lines, then legacy links, then the container's own address", () => {
  const text = hostsFile({
    hostname: "web",
    domainname: "example.test",
    networkMode: "bridge",
    extraHosts: ["db:10.0.0.9", "v6=[::1]", "gw:host-gateway"],
    hostGateway: "10.213.0.1",
    extraLines: ["10.0.0.3\tdata abc db"],
    address: "10.0.0.2",
  });
  assert.deepEqual(text.split("\n").slice(6), [
    "10.0.0.9\tdb",
    "::1\tv6",
    "10.213.0.1\tgw",
    "10.0.0.3\tdata abc db",
    "10.0.0.2\tweb.example.test web",
    "",
  ]);
});

test("resolvConf: on a user network the embedded DNS is the only nameserver, with ndots:0", () => {
  const text = resolvConf({
    hostname: "x",
    networkMode: "net1",
    dns: ["10.9.9.9"],
    dnsSearch: ["example.test"],
    dnsServer: "10.213.1.1",
  });
  assert.equal(text, "nameserver 10.213.1.1\nsearch example.test\noptions ndots:0\n");
  const own = resolvConf({
    hostname: "x",
    networkMode: "net1",
    dnsOptions: ["ndots:3"],
    dnsServer: "10.213.1.1",
  });
  assert.match(own, /^nameserver 10\.213\.1\.1\n(search .*\n)?options ndots:3\n$/);
});

test("resolvConf: --dns, --dns-search and --dns-option in Docker's order", () => {
  const text = resolvConf({
    hostname: "x",
    networkMode: "bridge",
    dns: ["10.9.9.9"],
    dnsSearch: ["a.test"],
    dnsOptions: ["ndots:2"],
  });
  assert.equal(text, "nameserver 10.9.9.9\nsearch a.test\noptions ndots:2\n");
});
