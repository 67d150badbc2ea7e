import assert from "node:assert/strict";
import { test } from "node:test";
import {
  chainPrefixFor,
  planFirewall,
  removalScript,
  resolverRedirectScript,
  restoreScript,
} from "./firewall-plan.ts";

const bridge = {
  bridge: "kapsel0",
  subnet: "10.213.0.0/24",
  gateway: "10.213.0.1",
  internal: false,
  masquerade: true,
  icc: true,
  dns: false,
};
const user = { ...bridge, bridge: "br-aaa", subnet: "10.213.1.0/24", gateway: "10.213.1.1", dns: true };
const web = {
  bridge: "kapsel0",
  containerIp: "10.213.0.2",
  proto: "tcp" as const,
  containerPort: 80,
  hostIp: "127.0.0.1",
  hostPort: 8080,
};

test("planFirewall: NAT out, DNAT for a published port, hairpin and loopback masquerade", () => {
  const plan = planFirewall({ prefix: "KAPSEL", networks: [bridge], mappings: [web] });
  assert.deepEqual(plan.chains.nat["KAPSEL-DNAT"], [
    "-d 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.213.0.2:80",
  ]);
  assert.deepEqual(plan.chains.nat["KAPSEL-POST"], [
    "-s 10.213.0.0/24 ! -o kapsel0 -j MASQUERADE",
    "-s 127.0.0.0/8 -o kapsel0 -j MASQUERADE",
    "-s 10.213.0.2/32 -d 10.213.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE",
  ]);
  assert.deepEqual(plan.chains.filter["KAPSEL-FWD"], [
    "-i kapsel0 ! -o kapsel0 -j KAPSEL-ISO",
    "-o kapsel0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
    "-d 10.213.0.2/32 ! -i kapsel0 -o kapsel0 -p tcp -m tcp --dport 80 -j ACCEPT",
    "-i kapsel0 -o kapsel0 -j ACCEPT",
    "-i kapsel0 ! -o kapsel0 -j ACCEPT",
    "! -i kapsel0 -o kapsel0 -j DROP",
  ]);
});

test("planFirewall: 0.0.0.0 matches every local address, udp matches udp", () => {
  const plan = planFirewall({
    prefix: "K",
    networks: [bridge],
    mappings: [{ ...web, hostIp: "0.0.0.0", proto: "udp", containerPort: 53, hostPort: 5353 }],
  });
  assert.deepEqual(plan.chains.nat["K-DNAT"], [
    "-p udp -m udp --dport 5353 -j DNAT --to-destination 10.213.0.2:53",
  ]);
});

test("planFirewall isolates networks from each other before any ACCEPT, published ports excepted", () => {
  const plan = planFirewall({ prefix: "K", networks: [bridge, user], mappings: [] });
  const fwd = plan.chains.filter["K-FWD"];
  assert.deepEqual(fwd.slice(0, 2), ["-i kapsel0 ! -o kapsel0 -j K-ISO", "-i br-aaa ! -o br-aaa -j K-ISO"]);
  assert.deepEqual(plan.chains.filter["K-ISO"], [
    "-m conntrack --ctstate DNAT -j RETURN",
    "-o kapsel0 -j DROP",
    "-o br-aaa -j DROP",
  ]);
  // the user network's DNS on its gateway is let in; the default bridge has none
  assert.deepEqual(plan.chains.filter["K-IN"], [
    "-d 10.213.1.1/32 -i br-aaa -p udp -m udp --dport 53 -j ACCEPT",
    "-d 10.213.1.1/32 -i br-aaa -p tcp -m tcp --dport 53 -j ACCEPT",
  ]);
});

test("planFirewall: an internal network has no NAT and nothing in or out", () => {
  const internal = { ...user, internal: true };
  const plan = planFirewall({ prefix: "K", networks: [bridge, internal], mappings: [] });
  const fwd = plan.chains.filter["K-FWD"];
  const drops = ["-i br-aaa ! -o br-aaa -j DROP", "! -i br-aaa -o br-aaa -j DROP"];
  assert.deepEqual(fwd.slice(2, 4), drops);
  assert.ok(!fwd.includes("-i br-aaa ! -o br-aaa -j ACCEPT"));
  assert.ok(!plan.chains.nat["K-POST"].some((r) => r.includes("10.213.1.0/24")));
});

test("the jumps from the built-in chains are the only rules outside kapsel's chains", () => {
  const plan = planFirewall({ prefix: "K", networks: [], mappings: [] });
  assert.deepEqual(
    plan.jumps.map((j) => `${j.table} ${j.chain} ${j.args.join(" ")}`),
    [
      "filter FORWARD -j K-FWD",
      "filter INPUT -j K-IN",
      "nat PREROUTING -m addrtype --dst-type LOCAL -j K-DNAT",
      "nat OUTPUT -m addrtype --dst-type LOCAL -j K-DNAT",
      "nat POSTROUTING -j K-POST",
    ],
  );
});

test("restoreScript declares (and so empties) only kapsel's chains", () => {
  const script = restoreScript(planFirewall({ prefix: "K", networks: [bridge], mappings: [web] }));
  const lines = script.trim().split("\n");
  assert.deepEqual(
    lines.filter((l) => l.startsWith("*") || l.startsWith(":") || l === "COMMIT"),
    [
      "*filter",
      ":K-FWD - [0:0]",
      ":K-ISO - [0:0]",
      ":K-IN - [0:0]",
      "COMMIT",
      "*nat",
      ":K-DNAT - [0:0]",
      ":K-POST - [0:0]",
      "COMMIT",
    ],
  );
  assert.ok(lines.filter((l) => l.startsWith("-A")).every((l) => /^-A K-/.test(l)));
  assert.ok(!/\b-F\b|-P |FORWARD|POSTROUTING /.test(script));
});

test("removalScript deletes kapsel's chains and nothing else", () => {
  assert.equal(
    removalScript("K"),
    "*filter\n:K-FWD - [0:0]\n:K-ISO - [0:0]\n:K-IN - [0:0]\n-X K-FWD\n-X K-ISO\n-X K-IN\nCOMMIT\n" +
      "*nat\n:K-DNAT - [0:0]\n:K-POST - [0:0]\n-X K-DNAT\n-X K-POST\nCOMMIT\n",
  );
});

test("chainPrefixFor keeps daemons side by side apart", () => {
  assert.equal(chainPrefixFor("kapsel0"), "KAPSEL");
  assert.equal(chainPrefixFor("kt-br3"), "KAPSEL-kt-br3");
});

test("resolverRedirectScript sends 127.0.0.11:53 to the gateway's DNS server, as the container", () => {
  assert.equal(
    resolverRedirectScript({ gateway: "10.213.1.1", containerIp: "10.213.1.2" }),
    [
      "*nat",
      ":PREROUTING ACCEPT [0:0]",
      ":INPUT ACCEPT [0:0]",
      ":OUTPUT ACCEPT [0:0]",
      ":POSTROUTING ACCEPT [0:0]",
      "-A OUTPUT -d 127.0.0.11/32 -p udp --dport 53 -j DNAT --to-destination 10.213.1.1:53",
      "-A OUTPUT -d 127.0.0.11/32 -p tcp --dport 53 -j DNAT --to-destination 10.213.1.1:53",
      "-A POSTROUTING -s 127.0.0.0/8 -d 10.213.1.1/32 -j SNAT --to-source 10.213.1.2",
      "COMMIT",
      "",
    ].join("\n"),
  );
  assert.doesNotMatch(resolverRedirectScript(), /-A /, "none: an empty nat table");
});
