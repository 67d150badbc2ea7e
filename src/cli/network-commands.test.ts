import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCommandLine } from "./flags/command-line.ts";
import { command as createCommand, toCreateBody } from "./network-create.ts";
import { naturalLess } from "./network-ls.ts";
import { portLines } from "./port.ts";

const parse = (argv: string[]) => parseCommandLine({ ...createCommand, path: "kapsel network create" }, argv);

test("network create: subnets, ranges, gateways and aux addresses consolidated as docker does", () => {
  const body = toCreateBody(
    parse([
      "--subnet",
      "10.1.0.0/16,10.2.0.0/24",
      "--ip-range",
      "10.1.5.0/24",
      "--gateway",
      "10.2.0.254",
      "--aux-address",
      "r=10.1.0.9",
      "-o",
      "com.docker.network.bridge.name=br9",
      "--label",
      "a=b",
      "--internal",
      "n1",
    ]),
  );
  assert.equal(body.Name, "n1");
  assert.equal(body.Driver, "bridge");
  assert.equal(body.Internal, true);
  assert.deepEqual(body.Labels, { a: "b" });
  assert.deepEqual(body.Options, { "com.docker.network.bridge.name": "br9" });
  assert.deepEqual(body.IPAM?.Config, [
    { Subnet: "10.1.0.0/16", IPRange: "10.1.5.0/24", AuxiliaryAddresses: { r: "10.1.0.9" } },
    { Subnet: "10.2.0.0/24", Gateway: "10.2.0.254" },
  ]);
  assert.equal(body.EnableIPv6, undefined);
  assert.throws(
    () => toCreateBody(parse(["--gateway", "10.0.0.1", "n"])),
    /every ip-range or gateway must have a corresponding subnet/,
  );
  assert.throws(
    () => toCreateBody(parse(["--subnet", "10.0.0.0/8", "--subnet", "10.1.0.0/16", "n"])),
    /multiple overlapping subnet/,
  );
  assert.throws(
    () => toCreateBody(parse(["--subnet", "10.0.0.0/24", "--gateway", "10.9.0.1", "n"])),
    /no matching subnet for gateway 10\.9\.0\.1/,
  );
  // IPv6 subnets, with ranges and gateways matched within their own family
  const v6 = toCreateBody(
    parse([
      "--subnet",
      "10.3.0.0/24",
      "--subnet",
      "2001:389::/64",
      "--ip-range",
      "2001:389::/96",
      "--gateway",
      "2001:389::ffff",
      "n",
    ]),
  );
  assert.deepEqual(v6.IPAM?.Config, [
    { Subnet: "10.3.0.0/24" },
    { Subnet: "2001:389::/64", IPRange: "2001:389::/96", Gateway: "2001:389::ffff" },
  ]);
  assert.throws(
    () => toCreateBody(parse(["--subnet", "2001:389::/64", "--gateway", "2001:390::1", "n"])),
    /no matching subnet for gateway 2001:390::1/,
  );
  assert.throws(
    () => toCreateBody(parse(["--subnet", "2001:389::/64", "--subnet", "2001:389::/80", "n"])),
    /multiple overlapping subnet/,
  );
});

test("naturalLess orders digit runs by value", () => {
  assert.deepEqual(["net10", "net9", "bridge", "Net1"].sort(naturalLess), [
    "Net1",
    "bridge",
    "net9",
    "net10",
  ]);
});

test("port lists every mapping, or one port's addresses, naturally sorted", () => {
  const ports = {
    "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "32769" }],
    "8080/tcp": null,
    "53/udp": [{ HostIp: "127.0.0.1", HostPort: "5353" }],
  };
  assert.deepEqual(portLines(ports, "c"), ["53/udp -> 127.0.0.1:5353", "80/tcp -> 0.0.0.0:32769"]);
  assert.deepEqual(portLines(ports, "c", "80"), ["0.0.0.0:32769"]);
  assert.throws(() => portLines(ports, "c", "8080"), /^Error: Error: No public port '8080' published for c$/);
});
