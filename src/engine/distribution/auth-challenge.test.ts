import assert from "node:assert/strict";
import { test } from "node:test";
import { parseChallenges } from "./auth-challenge.ts";

test("parseChallenges reads a Bearer challenge with quoted values holding commas", () => {
  const [c] = parseChallenges(
    'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull,push"',
  );
  assert.equal(c.scheme, "bearer");
  assert.deepEqual(c.params, {
    realm: "https://auth.docker.io/token",
    service: "registry.docker.io",
    scope: "repository:library/busybox:pull,push",
  });
});

test("parseChallenges reads Basic, unquoted values, escapes and several challenges in one header", () => {
  const cs = parseChallenges(
    'Basic realm="basic-realm", Bearer realm=http://x/token,error="invalid_token",error_description="a \\"b\\""',
  );
  assert.deepEqual(
    cs.map((c) => c.scheme),
    ["basic", "bearer"],
  );
  assert.equal(cs[0].params.realm, "basic-realm");
  assert.equal(cs[1].params.realm, "http://x/token");
  assert.equal(cs[1].params.error, "invalid_token");
  assert.equal(cs[1].params.error_description, 'a "b"');
});

test("parseChallenges takes several headers and nothing", () => {
  assert.deepEqual(parseChallenges(undefined), []);
  assert.equal(parseChallenges(['Basic realm="a"', 'Bearer realm="b"']).length, 2);
});
