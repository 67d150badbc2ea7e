import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { allStoredAuths } from "./build-auth.ts";

const dir = mkdtempSync("/tmp/kapsel-build-auth-");
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { DOCKER_CONFIG: dir };
const b64 = (s: string) => Buffer.from(s).toString("base64");

test("allStoredAuths gives every stored login by its key, without empty fields", () => {
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({
      auths: {
        "registry.example:5000": { auth: b64("jane:secret") },
        "https://index.docker.io/v1/": { auth: b64("joe:"), identitytoken: "tok" },
        "bad.example": { auth: b64("no-colon") },
      },
      credsStore: "",
    }),
  );
  assert.deepEqual(allStoredAuths(env), {
    "https://index.docker.io/v1/": {
      serveraddress: "https://index.docker.io/v1/",
      username: "joe",
      identitytoken: "tok",
    },
    "registry.example:5000": {
      serveraddress: "registry.example:5000",
      username: "jane",
      password: "secret",
    },
  });
});

test("allStoredAuths is empty without a config, or with one it cannot read", () => {
  assert.deepEqual(allStoredAuths({ DOCKER_CONFIG: join(dir, "none") }), {});
  writeFileSync(join(dir, "config.json"), "{not json");
  assert.deepEqual(allStoredAuths(env), {});
});
