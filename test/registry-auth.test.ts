import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { PASSWORD, TestRegistry, USER } from "./harness/docker-registry.ts";
import { busyboxFiles, type WrittenImage, writeOciImage } from "./harness/oci-image.ts";

/**
 * Registry authentication through the real docker CLI: docker-registry 2.8 with htpasswd basic
 * auth, and with token auth from a small issuer in the test (anonymous callers may pull, the
 * user may push). The CLI keeps what `docker login` returns in its own config and sends it in
 * X-Registry-Auth; the daemon only reads that header.
 */
describe("registry auth", () => {
  let basic: TestRegistry;
  let token: TestRegistry;
  let d: TestDaemon;
  let layout: string;
  let img: WrittenImage;

  before(async () => {
    [basic, token, d] = await Promise.all([
      TestRegistry.start("htpasswd"),
      TestRegistry.start("token"),
      startDaemon({ busybox: false }),
    ]);
    layout = mkdtempSync("/tmp/koci-");
    img = await writeOciImage(layout, "src", { layers: [busyboxFiles()] });
    for (const reg of [basic, token]) await reg.copyIn(`oci:${layout}:src`, "src:1");
  });

  after(async () => {
    await d?.[Symbol.asyncDispose]();
    await basic?.[Symbol.asyncDispose]();
    await token?.[Symbol.asyncDispose]();
    if (layout) rmSync(layout, { recursive: true, force: true });
  });

  const login = (host: string, password: string) =>
    d.docker(["login", "-u", USER, "--password-stdin", host], { input: `${password}\n` });

  test("basic auth: without credentials a pull is refused before any progress", async () => {
    const r = await d.docker(["pull", `${basic.host}/src:1`]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      `Error response from daemon: Get "http://${basic.host}/v2/src/manifests/1": no basic auth credentials`,
    );
  });

  test("basic auth: a wrong password fails login with Docker's message; the right one logs in, pushes and pulls", async () => {
    const wrong = await login(basic.host, "nope");
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr,
      new RegExp(
        `Error response from daemon: login attempt to http://${basic.host}/v2/ failed with status: 401 Unauthorized`,
      ),
    );
    const ok = await login(basic.host, PASSWORD);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /Login Succeeded/);
    const pulled = await d.docker(["pull", `${basic.host}/src:1`]);
    assert.equal(pulled.code, 0, pulled.stderr);
    await d.docker(["tag", `${basic.host}/src:1`, `${basic.host}/mine:1`]);
    const pushed = await d.docker(["push", `${basic.host}/mine:1`]);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, /Mounted from src/);
    const out = await d.docker(["logout", basic.host]);
    assert.equal(out.code, 0, out.stderr);
    const refused = await d.docker(["push", `${basic.host}/mine:1`]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr + refused.stdout, /no basic auth credentials/);
  });

  test("POST /auth answers Docker's Login Succeeded, and refuses wrong credentials", async () => {
    const ok = await d.api("POST", "/auth", {
      username: USER,
      password: PASSWORD,
      serveraddress: basic.host,
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json(), { Status: "Login Succeeded" });
    const bad = await d.api("POST", "/auth", {
      username: USER,
      password: "x",
      serveraddress: `http://${basic.host}`,
    });
    assert.notEqual(bad.status, 200);
    assert.match((bad.json() as { message: string }).message, /failed with status: 401 Unauthorized/);
  });

  test("token auth: anonymous pulls get a pull token; pushing needs a login", async () => {
    token.tokenRequests.length = 0;
    const pulled = await d.docker(["pull", `${token.host}/src:1`]);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal(
      (await d.docker(["image", "inspect", "--format", "{{.Id}}", `${token.host}/src:1`])).stdout.trim(),
      img.id,
    );
    assert.deepEqual(token.tokenRequests[0], {
      scope: ["repository:src:pull"],
      account: undefined,
      basic: false,
      grant: undefined,
    });
    await d.docker(["tag", `${token.host}/src:1`, `${token.host}/mine:1`]);
    const denied = await d.docker(["push", `${token.host}/mine:1`]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr + denied.stdout, /denied: requested access to the resource is denied/);
  });

  test("token auth: a wrong password is Docker's unauthorized; login keeps an identity token that pushes use", async () => {
    const wrong = await login(token.host, "nope");
    assert.equal(wrong.code, 1);
    assert.match(
      wrong.stderr,
      new RegExp(
        `Error response from daemon: Get "http://${token.host}/v2/": unauthorized: invalid username or password`,
      ),
    );
    const ok = await login(token.host, PASSWORD);
    assert.equal(ok.code, 0, ok.stderr);
    const config = JSON.parse(readFileSync(join(d.dir, "docker-config", "config.json"), "utf8"));
    assert.ok(config.auths[token.host].identitytoken, JSON.stringify(config));
    token.tokenRequests.length = 0;
    const pushed = await d.docker(["push", `${token.host}/mine:1`]);
    assert.equal(pushed.code, 0, pushed.stderr + pushed.stdout);
    assert.ok(
      token.tokenRequests.some(
        (r) => r.grant === "refresh_token" && r.scope.includes("repository:mine:pull,push"),
      ),
      JSON.stringify(token.tokenRequests),
    );
    const inspect = await token.skopeo([
      "inspect",
      "--tls-verify=false",
      "--creds",
      `${USER}:${PASSWORD}`,
      `docker://${token.host}/mine:1`,
    ]);
    assert.equal(inspect.code, 0, inspect.stderr);
  });
});
