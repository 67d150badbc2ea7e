import assert from "node:assert/strict";
import { test } from "node:test";
import { linkEnv, linkHostsLine, parseLink, storedLink } from "./legacy-links.ts";

test("parseLink reads name, name:alias and the stored /name:/parent/alias form", () => {
  assert.deepEqual(parseLink("db"), { name: "db", alias: "db" });
  assert.deepEqual(parseLink("db:data"), { name: "db", alias: "data" });
  assert.deepEqual(parseLink("/db:/web/data"), { name: "db", alias: "data" });
  assert.throws(() => parseLink("a:b:c"), /bad format for links: a:b:c/);
  assert.equal(storedLink({ name: "db", alias: "data" }, "web"), "/db:/web/data");
});

test("linkEnv writes Docker's variables, with runs of consecutive ports after the port that ends them", () => {
  const env = linkEnv({
    linkName: "/web/my-db",
    childIp: "10.0.0.2",
    childEnv: ["PATH=/bin", "HOME=/root", "PASSWORD=x=y", "BARE"],
    exposedPorts: { "53/udp": {}, "81/tcp": {}, "80/tcp": {} },
  });
  assert.deepEqual(env, [
    "MY_DB_PORT=tcp://10.0.0.2:80",
    "MY_DB_PORT_80_TCP=tcp://10.0.0.2:80",
    "MY_DB_PORT_80_TCP_ADDR=10.0.0.2",
    "MY_DB_PORT_80_TCP_PORT=80",
    "MY_DB_PORT_80_TCP_PROTO=tcp",
    "MY_DB_PORT_81_TCP=tcp://10.0.0.2:81",
    "MY_DB_PORT_81_TCP_ADDR=10.0.0.2",
    "MY_DB_PORT_81_TCP_PORT=81",
    "MY_DB_PORT_81_TCP_PROTO=tcp",
    "MY_DB_PORT_53_UDP=udp://10.0.0.2:53",
    "MY_DB_PORT_53_UDP_ADDR=10.0.0.2",
    "MY_DB_PORT_53_UDP_PORT=53",
    "MY_DB_PORT_53_UDP_PROTO=udp",
    "MY_DB_PORT_80_TCP_START=tcp://10.0.0.2:80",
    "MY_DB_PORT_80_TCP_PORT_START=80",
    "MY_DB_PORT_80_TCP_END=tcp://10.0.0.2:81",
    "MY_DB_PORT_80_TCP_PORT_END=81",
    "MY_DB_NAME=/web/my-db",
    "MY_DB_ENV_PASSWORD=x=y",
  ]);
  assert.deepEqual(linkEnv({ linkName: "/a/b", childIp: "1.2.3.4", childEnv: [], exposedPorts: null }), [
    "B_NAME=/a/b",
  ]);
});

test("linkHostsLine names the alias, the hostname and the name when it differs", () => {
  assert.equal(
    linkHostsLine({ ip: "10.0.0.2", alias: "data", hostname: "abc", name: "db" }),
    "10.0.0.2\tdata abc db",
  );
  assert.equal(
    linkHostsLine({ ip: "10.0.0.2", alias: "db", hostname: "abc", name: "db" }),
    "10.0.0.2\tdb abc",
  );
});
