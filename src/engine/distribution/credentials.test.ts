import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { decodeAuthHeader, registryDomain, resolveCredentials } from "./credentials.ts";

test("decodeAuthHeader reads base64url and standard base64 JSON; garbage is no credentials", () => {
  const json = JSON.stringify({ username: "u", password: "p?>", serveraddress: "127.0.0.1:5000" });
  assert.deepEqual(decodeAuthHeader(Buffer.from(json).toString("base64url")), JSON.parse(json));
  assert.deepEqual(decodeAuthHeader(Buffer.from(json).toString("base64")), JSON.parse(json));
  assert.equal(decodeAuthHeader("!!!"), undefined);
  assert.equal(decodeAuthHeader(""), undefined);
  assert.deepEqual(decodeAuthHeader("e30="), {});
});

test("registryDomain turns server addresses into registry names, Docker Hub's included", () => {
  assert.equal(registryDomain(undefined), "docker.io");
  assert.equal(registryDomain("https://index.docker.io/v1/"), "docker.io");
  assert.equal(registryDomain("http://127.0.0.1:5000/v2/"), "127.0.0.1:5000");
  assert.equal(registryDomain("localhost:5000"), "localhost:5000");
});

test("resolveCredentials: the request's, else the auth file's (auth field decoded), else none", () => {
  const dir = mkdtempSync("/tmp/kcred-");
  try {
    const file = join(dir, "config.json");
    writeFileSync(
      file,
      JSON.stringify({
        auths: { "http://127.0.0.1:5000": { auth: Buffer.from("a:b:c").toString("base64") } },
      }),
    );
    assert.deepEqual(resolveCredentials("127.0.0.1:5000", { username: "x", password: "y" }, file), {
      username: "x",
      password: "y",
    });
    const fromFile = resolveCredentials("127.0.0.1:5000", {}, file);
    assert.equal(fromFile.username, "a");
    assert.equal(fromFile.password, "b:c");
    assert.deepEqual(resolveCredentials("127.0.0.1:5001", undefined, file), {});
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
