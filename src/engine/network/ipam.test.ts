import assert from "node:assert/strict";
import { test } from "node:test";
import { isKind } from "../../lib/errors.ts";
import {
  addressingFromBip,
  addressingFromConfig,
  allocateAddress,
  chooseSubnet,
  DEFAULT_ADDRESS_POOLS,
  macForAddress,
  poolSubnets,
} from "./ipam.ts";
import { inertIPv6Configs, ipv6AddressError } from "./ipam6.ts";
import { formatPrefix, parsePrefix } from "./ipv4.ts";

test("poolSubnets splits each pool into subnets of its size, in order", () => {
  const subnets = [...poolSubnets([{ base: "10.213.0.0/22", size: 24 }])].map(formatPrefix);
  assert.deepEqual(subnets, ["10.213.0.0/24", "10.213.1.0/24", "10.213.2.0/24", "10.213.3.0/24"]);
});

test("chooseSubnet skips subnets overlapping other networks or host routes", () => {
  const taken = [parsePrefix("172.17.0.0/16")!, parsePrefix("172.18.5.0/24")!];
  assert.equal(formatPrefix(chooseSubnet(DEFAULT_ADDRESS_POOLS, taken)), "172.19.0.0/16");
  assert.throws(
    () => chooseSubnet([{ base: "10.0.0.0/24", size: 24 }], [parsePrefix("10.0.0.0/8")!]),
    /all predefined address pools have been fully subnetted/,
  );
});

test("addressingFromConfig takes the first address as gateway and keeps an ip-range", () => {
  assert.deepEqual(addressingFromConfig([{ Subnet: "10.213.7.0/24", IPRange: "10.213.7.128/25" }]), {
    subnet: "10.213.7.0/24",
    gateway: "10.213.7.1",
    ipRange: "10.213.7.128/25",
    userSubnet: true,
  });
  assert.equal(addressingFromConfig([]), undefined);
  assert.equal(
    addressingFromConfig([{ Subnet: "10.1.0.0/16", Gateway: "10.1.0.254" }])?.gateway,
    "10.1.0.254",
  );
});

test("addressingFromConfig refuses bad configs with moby's words", () => {
  assert.throws(
    () => addressingFromConfig([{ Subnet: "10.1.2.3/24" }]),
    (e) =>
      isKind(e, "invalid") &&
      /invalid subnet 10.1.2.3\/24: it should be 10.1.2.0\/24/.test((e as Error).message),
  );
  assert.throws(
    () => addressingFromConfig([{ Subnet: "10.1.2.0/24", Gateway: "10.9.9.9" }]),
    /invalid gateway 10.9.9.9: parent subnet 10.1.2.0\/24 doesn't contain this address/,
  );
  assert.throws(
    () => addressingFromConfig([{ Subnet: "10.1.2.0/24", IPRange: "10.1.0.0/16", Gateway: "10.9.9.9" }]),
    (e) => /^invalid network config:\n\* invalid ip-range/.test((e as Error).message),
  );
  // only IPv6: the network takes an IPv4 subnet from the pools (the IPv6 one stays inert)
  assert.equal(addressingFromConfig([{ Subnet: "fd00::/64" }]), undefined);
});

test("addressingFromBip: the given address is the gateway", () => {
  assert.deepEqual(addressingFromBip("10.213.9.1/24"), {
    subnet: "10.213.9.0/24",
    gateway: "10.213.9.1",
    userSubnet: false,
  });
  assert.throws(() => addressingFromBip("10.213.9.0/24"), /gateway cannot be the network/);
});

test("allocateAddress gives the lowest free address, never the gateway, network or broadcast", () => {
  const addressing = { subnet: "10.213.8.0/29", gateway: "10.213.8.1", userSubnet: true };
  assert.equal(allocateAddress({ addressing, used: new Set() }), "10.213.8.2");
  assert.equal(allocateAddress({ addressing, used: new Set(["10.213.8.2", "10.213.8.4"]) }), "10.213.8.3");
  const full = new Set(["10.213.8.2", "10.213.8.3", "10.213.8.4", "10.213.8.5", "10.213.8.6"]);
  assert.throws(
    () => allocateAddress({ addressing, used: full }),
    (e) => isKind(e, "unavailable"),
  );
});

test("allocateAddress stays inside the ip-range", () => {
  const addressing = {
    subnet: "10.213.8.0/24",
    gateway: "10.213.8.1",
    ipRange: "10.213.8.128/25",
    userSubnet: true,
  };
  assert.equal(allocateAddress({ addressing, used: new Set() }), "10.213.8.128");
});

test("allocateAddress checks a requested address", () => {
  const addressing = { subnet: "10.213.8.0/24", gateway: "10.213.8.1", userSubnet: true };
  assert.equal(allocateAddress({ addressing, used: new Set(), requested: "10.213.8.50" }), "10.213.8.50");
  assert.throws(
    () => allocateAddress({ addressing, used: new Set(["10.213.8.50"]), requested: "10.213.8.50" }),
    (e) => isKind(e, "forbidden") && (e as Error).message === "Address already in use",
  );
  assert.throws(
    () => allocateAddress({ addressing, used: new Set(), requested: "10.213.8.1" }),
    /Address already in use/,
  );
  assert.throws(
    () => allocateAddress({ addressing, used: new Set(), requested: "10.9.9.9" }),
    /invalid endpoint settings:\nno configured subnet contains IP address 10.9.9.9/,
  );
});

test("macForAddress is Docker's 02:42 and the address bytes", () => {
  assert.equal(macForAddress("172.17.0.2"), "02:42:ac:11:00:02");
});

test("IPv6 entries of an IPAM config are kept as given; an endpoint's IPv6Address is checked as Docker does", () => {
  const configs = [
    { Subnet: "10.9.0.0/24" },
    { Subnet: "2001:389::/64", IPRange: "2001:389::/96", Gateway: "2001:389::ffff", AuxiliaryAddresses: {} },
  ];
  assert.equal(addressingFromConfig(configs)?.subnet, "10.9.0.0/24");
  const v6 = inertIPv6Configs(configs);
  assert.deepEqual(v6, [{ Subnet: "2001:389::/64", IPRange: "2001:389::/96", Gateway: "2001:389::ffff" }]);
  assert.equal(ipv6AddressError("2001:389::f00d", v6), undefined);
  assert.match(
    ipv6AddressError("2001:389::1:0:0", v6)!,
    /no configured subnet or ip-range contain the IP address/,
  );
  assert.match(
    ipv6AddressError("2001:389::1", [])!,
    /supported only when connecting to networks with user configured subnets/,
  );
  assert.match(ipv6AddressError("10.9.0.3", v6)!, /invalid IPv6 address/);
});
