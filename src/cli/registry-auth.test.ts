import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  allCredentials,
  encodeAuth,
  eraseAuth,
  retrieveAuth,
  storeAuth,
  storedAuth,
} from "./registry-auth.ts";

const dir = mkdtempSync("/tmp/kapsel-registry-auth-");
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { DOCKER_CONFIG: dir, PATH: `${dir}:/usr/bin:/bin` };
const b64 = (s: string) => Buffer.from(s).toString("base64");
const writeConfig = (config: object) => writeFileSync(join(dir, "config.json"), JSON.stringify(config));
const readConfig = () => JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));

/** A shell helper answering from fixed data: lower-case JSON keys, as some helpers write them. */
function helper(name: string, script: string): void {
  const path = join(dir, `docker-credential-${name}`);
  writeFileSync(path, `#!/bin/sh\nread -r input\n${script}\n`);
  chmodSync(path, 0o755);
}

helper(
  "fixed",
  `case "$1" in
  get) case "$input" in
    reg.example) echo '{"username":"jane","secret":"pw"}' ;;
    tok.example) echo '{"Username":"<token>","Secret":"idt"}' ;;
    *) echo "credentials not found in native keychain"; exit 1 ;;
  esac ;;
  list) echo '{"reg.example":"jane","tok.example":"<token>"}' ;;
  erase) echo "no credentials server URL"; exit 1 ;;
  *) exit 3 ;;
esac`,
);

test("a helper's credentials, a token under <token>, nothing for an unknown server", () => {
  writeConfig({ credsStore: "fixed", auths: { "reg.example": { email: "j@example" } } });
  assert.deepEqual(retrieveAuth(env, "reg.example"), {
    email: "j@example",
    username: "jane",
    password: "pw",
    serveraddress: "reg.example",
  });
  assert.deepEqual(retrieveAuth(env, "tok.example"), { identitytoken: "idt", serveraddress: "tok.example" });
  assert.equal(retrieveAuth(env, "other.example"), undefined);
  assert.equal(encodeAuth(storedAuth(env, "other.example")), "e30");
});

test("a helper's failures: docker's texts, the protocol's own messages replacing the exit status", () => {
  writeConfig({ credsStore: "fixed" });
  assert.throws(() => storeAuth(env, { username: "u", password: "p", serveraddress: "reg.example" }), {
    message: "error storing credentials - err: exit status 3, out: ``",
  });
  const errors = eraseAuth(env, ["reg.example"]);
  assert.equal(
    errors.get("reg.example")?.message,
    "error erasing credentials - err: no credentials server URL, out: `no credentials server URL`",
  );
  writeConfig({ credHelpers: { "reg.example": "absent" } });
  assert.throws(() => retrieveAuth(env, "reg.example"), {
    message:
      'error getting credentials - err: exec: "docker-credential-absent": executable file not found in $PATH, out: ``',
  });
  // what pull, push and search send: no credentials
  assert.equal(storedAuth(env, "reg.example"), undefined);
});

test("all credentials: credsStore's list, then each credHelpers registry's over it", () => {
  writeConfig({
    credsStore: "fixed",
    credHelpers: { "docker.io": "fixed", "gone.example": "absent" },
    auths: { "file.example": { auth: b64("not:used") } },
  });
  assert.deepEqual(allCredentials(env), {
    "reg.example": { username: "jane", password: "pw", serveraddress: "reg.example" },
    "tok.example": { identitytoken: "idt", serveraddress: "tok.example" },
    // Docker Hub is asked for under its index key, and has nothing here
    "docker.io": {},
  });
});

test("the file store: a legacy URL key is found by hostname; logins and logouts rewrite only auths", () => {
  writeConfig({ psFormat: "{{.ID}}", auths: { "https://old.example/v1/": { auth: b64("joe:pw\0") } } });
  assert.deepEqual(storedAuth(env, "old.example"), {
    username: "joe",
    password: "pw",
    serveraddress: "https://old.example/v1/",
  });
  assert.equal(storeAuth(env, { username: "a", password: "b", serveraddress: "new.example" }), true);
  // the same login again changes nothing, so docker would not warn
  assert.equal(storeAuth(env, { username: "a", password: "b", serveraddress: "new.example" }), false);
  assert.equal(storeAuth(env, { username: "a", identitytoken: "t", serveraddress: "tok.example" }), false);
  assert.deepEqual(readConfig(), {
    auths: {
      "https://old.example/v1/": { auth: b64("joe:pw\0") },
      "new.example": { auth: b64("a:b") },
      "tok.example": { auth: b64("a:"), identitytoken: "t" },
    },
    psFormat: "{{.ID}}",
  });
  assert.equal(eraseAuth(env, ["new.example", "missing.example"]).size, 0);
  assert.deepEqual(Object.keys(readConfig().auths), ["https://old.example/v1/", "tok.example"]);
});
