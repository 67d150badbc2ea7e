import assert from "node:assert/strict";
import { test } from "node:test";
import { endpointsFor, inCidr, isInsecure, registryServiceConfig } from "./endpoints.ts";

test("inCidr matches IPv4 and IPv6 networks", () => {
  assert.ok(inCidr("127.0.0.1", "127.0.0.0/8"));
  assert.ok(inCidr("10.1.2.3", "10.0.0.0/8"));
  assert.ok(!inCidr("11.0.0.1", "10.0.0.0/8"));
  assert.ok(inCidr("::1", "::1/128"));
  assert.ok(inCidr("::ffff:127.0.0.5", "127.0.0.0/8"));
  assert.ok(!inCidr("::2", "::1/128"));
});

test("isInsecure: 127.0.0.0/8 and localhost always, others when named or inside a listed CIDR", async () => {
  assert.ok(await isInsecure("127.0.0.1:5000", []));
  assert.ok(await isInsecure("localhost:5000", []));
  assert.ok(!(await isInsecure("10.0.0.5:5000", [])));
  assert.ok(await isInsecure("10.0.0.5:5000", ["10.0.0.0/24"]));
  assert.ok(await isInsecure("10.0.0.5:5000", ["10.0.0.5:5000"]));
  assert.ok(!(await isInsecure("10.0.0.5:5001", ["10.0.0.5:5000"])));
});

test("endpointsFor: https then http for insecure registries; mirrors before Docker Hub, for pulls only", async () => {
  const cfg = { insecureRegistries: [], registryMirrors: ["http://127.0.0.1:5001"] };
  const local = await endpointsFor("127.0.0.1:5000", cfg, { pull: true });
  assert.deepEqual(
    local.map((e) => [e.url.href, e.tlsVerify]),
    [
      ["https://127.0.0.1:5000/", false],
      ["http://127.0.0.1:5000/", false],
    ],
  );
  const hub = await endpointsFor("docker.io", cfg, { pull: true });
  assert.deepEqual(
    hub.map((e) => [e.url.href, e.mirror]),
    [
      ["http://127.0.0.1:5001/", true],
      ["https://registry-1.docker.io/", false],
    ],
  );
  assert.equal((await endpointsFor("docker.io", cfg, { pull: false })).length, 1);
});

test("registryServiceConfig: /info's RegistryConfig as moby builds it", () => {
  assert.deepEqual(registryServiceConfig({ insecureRegistries: [], registryMirrors: [] }), {
    InsecureRegistryCIDRs: ["::1/128", "127.0.0.0/8"],
    IndexConfigs: { "docker.io": { Name: "docker.io", Mirrors: [], Secure: true, Official: true } },
    Mirrors: [],
  });
  const c = registryServiceConfig({
    insecureRegistries: ["10.0.0.0/8", "http://reg.local:5000", "127.0.0.0/8"],
    registryMirrors: ["https://mirror.example", "http://127.0.0.1:5001/"],
  });
  // a CIDR given twice counts once, where it first came
  assert.deepEqual(c.InsecureRegistryCIDRs, ["10.0.0.0/8", "127.0.0.0/8", "::1/128"]);
  assert.deepEqual(c.IndexConfigs["reg.local:5000"], {
    Name: "reg.local:5000",
    Mirrors: [],
    Secure: false,
    Official: false,
  });
  assert.deepEqual(c.Mirrors, ["https://mirror.example/", "http://127.0.0.1:5001/"]);
  assert.deepEqual(c.IndexConfigs["docker.io"].Mirrors, c.Mirrors);
});
