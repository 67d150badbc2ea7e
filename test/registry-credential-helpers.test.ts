import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type CommandResult, startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { PASSWORD, TestRegistry, USER } from "./harness/docker-registry.ts";
import { busyboxFiles, writeOciImage } from "./harness/oci-image.ts";

/**
 * Credential helpers (credsStore, credHelpers), as the docker CLI keeps them in config.json:
 * a small docker-credential-kt<random> program (node, its secrets in a JSON file beside it)
 * on PATH, driven by docker and kapsel alike against htpasswd and token registries. What is
 * checked is what a user sees: output, exit codes, config.json and the helper's own store.
 */

type Cli = "docker" | "kapsel";
const CLIS: Cli[] = ["docker", "kapsel"];
const NOT_FOUND = "no basic auth credentials";

/** A helper program and its store: secrets.json, and a "fail" file that makes it fail. */
class Helper {
  readonly name: string;
  readonly dir: string;
  constructor(bin: string, root: string) {
    this.name = `kt${randomBytes(4).toString("hex")}`;
    this.dir = join(root, this.name);
    mkdirSync(this.dir);
    const program = join(bin, `docker-credential-${this.name}`);
    writeFileSync(program, helperSource(this.dir));
    chmodSync(program, 0o755);
  }
  get secrets(): Record<string, { Username: string; Secret: string }> {
    const path = join(this.dir, "secrets.json");
    return existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : {};
  }
  set failing(on: boolean) {
    if (on) writeFileSync(join(this.dir, "fail"), "");
    else rmSync(join(this.dir, "fail"), { force: true });
  }
}

/** The protocol of github.com/docker/docker-credential-helpers, keeping secrets in `dir`. */
function helperSource(dir: string): string {
  return `#!${process.execPath}
const fs = require("node:fs");
const path = require("node:path");
const dir = ${JSON.stringify(dir)};
const file = path.join(dir, "secrets.json");
const action = process.argv[2];
const input = fs.readFileSync(0, "utf8");
const fail = (msg) => { process.stdout.write(msg + "\\n"); process.exit(1); };
if (fs.existsSync(path.join(dir, "fail"))) {
  process.stderr.write("helper: keychain locked\\n");
  fail("the keychain is locked");
}
const all = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
const save = () => fs.writeFileSync(file, JSON.stringify(all));
const server = input.trim();
if (action === "store") {
  const c = JSON.parse(input);
  all[c.ServerURL] = { Username: c.Username, Secret: c.Secret };
  save();
} else if (action === "get") {
  if (!all[server]) fail("credentials not found in native keychain");
  process.stdout.write(JSON.stringify({ ServerURL: server, ...all[server] }));
} else if (action === "erase") {
  if (!all[server]) fail("credentials not found in native keychain");
  delete all[server];
  save();
} else if (action === "list") {
  process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.Username]))));
} else fail("unknown action: " + action);
`;
}

describe("registry credential helpers", () => {
  let basic: TestRegistry;
  let basic2: TestRegistry;
  let token: TestRegistry;
  let d: TestDaemon;
  let root: string;
  let bin: string;

  before(async () => {
    [basic, basic2, token, d] = await Promise.all([
      TestRegistry.start("htpasswd"),
      TestRegistry.start("htpasswd"),
      TestRegistry.start("token"),
      startDaemon(),
    ]);
    root = mkdtempSync("/tmp/kcred-");
    bin = join(root, "bin");
    mkdirSync(bin);
    const layout = join(root, "oci");
    await writeOciImage(layout, "src", { layers: [busyboxFiles()] });
    for (const reg of [basic, basic2]) await reg.copyIn(`oci:${layout}:src`, "private:1");
  });

  after(async () => {
    await d?.[Symbol.asyncDispose]();
    for (const reg of [basic, basic2, token]) await reg?.[Symbol.asyncDispose]();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** A CLI with its own config dir and the helpers' dir first on PATH. */
  const user = (cli: Cli, config: object | undefined, configDir = mkdtempSync(join(root, "config-"))) => {
    if (config !== undefined) writeFileSync(join(configDir, "config.json"), JSON.stringify(config));
    const env = { ...d.env, DOCKER_CONFIG: configDir, PATH: `${bin}:${process.env.PATH}` };
    const run = (args: string[], input?: string): Promise<CommandResult> =>
      cli === "docker" ? d.docker(args, { env, input }) : d.kapsel(args, { env, input });
    return {
      configDir,
      run,
      login: (host: string, password = PASSWORD) =>
        run(["login", "-u", USER, "--password-stdin", host], `${password}\n`),
      config: () => JSON.parse(readFileSync(join(configDir, "config.json"), "utf8")),
    };
  };

  const pullFresh = async (u: ReturnType<typeof user>, ref: string) => {
    await d.docker(["rmi", ref]);
    return u.run(["pull", ref]);
  };

  for (const cli of CLIS) {
    test(`${cli}: login with credsStore stores through the helper, leaves {} in auths; push, pull and a stored-credentials login use it`, async () => {
      const store = new Helper(bin, root);
      const u = user(cli, { credsStore: store.name });
      const r = await u.login(basic.host);
      assert.deepEqual(r, { code: 0, stdout: "Login Succeeded\n", stderr: "" });
      assert.deepEqual(u.config(), { auths: { [basic.host]: {} }, credsStore: store.name });
      assert.deepEqual(store.secrets, { [basic.host]: { Username: USER, Secret: PASSWORD } });

      const ref = `${basic.host}/private:1`;
      const pulled = await pullFresh(u, ref);
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.match(pulled.stdout, new RegExp(`Status: Downloaded newer image for ${ref}\\n${ref}\\n$`));
      await d.docker(["tag", "busybox", `${basic.host}/${cli}-pushed:1`]);
      const pushed = await u.run(["push", `${basic.host}/${cli}-pushed:1`]);
      assert.equal(pushed.code, 0, pushed.stderr);
      assert.match(pushed.stdout, /1: digest: sha256:[0-9a-f]{64} size: \d+/);

      const again = await u.run(["login", basic.host]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, "Login Succeeded\n");
      assert.equal(
        again.stderr,
        `Authenticating with existing credentials... [Username: ${USER}]\n\n` +
          ` Info -> To login with a different account, run '${cli} logout' followed by '${cli} login'\n\n\n`,
      );
    });

    test(`${cli}: a registry's credHelpers entry wins over credsStore`, async () => {
      const store = new Helper(bin, root);
      const perRegistry = new Helper(bin, root);
      const u = user(cli, { credsStore: store.name, credHelpers: { [basic2.host]: perRegistry.name } });
      for (const reg of [basic, basic2]) {
        const r = await u.login(reg.host);
        assert.deepEqual(r, { code: 0, stdout: "Login Succeeded\n", stderr: "" });
      }
      assert.deepEqual(store.secrets, { [basic.host]: { Username: USER, Secret: PASSWORD } });
      assert.deepEqual(perRegistry.secrets, { [basic2.host]: { Username: USER, Secret: PASSWORD } });
      assert.deepEqual(u.config().auths, { [basic.host]: {}, [basic2.host]: {} });
      const pulled = await pullFresh(u, `${basic2.host}/private:1`);
      assert.equal(pulled.code, 0, pulled.stderr);

      // the helper named for the registry is the one asked: without it the pull is anonymous
      rmSync(join(perRegistry.dir, "secrets.json"));
      const anonymous = await pullFresh(u, `${basic2.host}/private:1`);
      assert.equal(anonymous.code, 1);
      assert.match(anonymous.stderr, new RegExp(NOT_FOUND));
    });

    test(`${cli}: an identity token goes to the helper under the username <token>`, async () => {
      const store = new Helper(bin, root);
      const u = user(cli, { credsStore: store.name });
      const r = await u.login(token.host);
      assert.deepEqual(r, { code: 0, stdout: "Login Succeeded\n", stderr: "" });
      assert.deepEqual(u.config().auths, { [token.host]: {} });
      const saved = store.secrets[token.host];
      assert.equal(saved.Username, "<token>");
      assert.ok(token.refreshTokens.has(saved.Secret), JSON.stringify(saved));
      await d.docker(["tag", "busybox", `${token.host}/${cli}-mine:1`]);
      token.tokenRequests.length = 0;
      const pushed = await u.run(["push", `${token.host}/${cli}-mine:1`]);
      assert.equal(pushed.code, 0, pushed.stderr + pushed.stdout);
      assert.ok(
        token.tokenRequests.some((t) => t.grant === "refresh_token"),
        JSON.stringify(token.tokenRequests),
      );
    });

    test(`${cli}: logout erases through the helper; a second logout still says it removes them`, async () => {
      const store = new Helper(bin, root);
      const u = user(cli, { credsStore: store.name });
      assert.equal((await u.login(basic.host)).code, 0);
      assert.deepEqual(store.secrets, { [basic.host]: { Username: USER, Secret: PASSWORD } });
      const out = await u.run(["logout", basic.host]);
      assert.deepEqual(out, {
        code: 0,
        stdout: `Removing login credentials for ${basic.host}\n`,
        stderr: "",
      });
      assert.deepEqual(store.secrets, {});
      assert.deepEqual(u.config(), { auths: {}, credsStore: store.name });
      const refused = await pullFresh(u, `${basic.host}/private:1`);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, new RegExp(NOT_FOUND));
      // docker 28 no longer checks for a login first: the same answer, and no warning, since
      // the helper's failure for "host" is counted once for the two keys it stands for
      const again = await u.run(["logout", `http://${basic.host}`]);
      assert.deepEqual(again, {
        code: 0,
        stdout: `Removing login credentials for ${basic.host}\n`,
        stderr: "",
      });
    });

    test(`${cli}: a failing helper gives docker's errors; pull and push go on without credentials`, async () => {
      const store = new Helper(bin, root);
      const u = user(cli, { credsStore: store.name });
      assert.equal((await u.login(basic.host)).code, 0);
      store.failing = true;
      const login = await u.login(basic.host);
      assert.deepEqual(login, {
        code: 1,
        stdout: "",
        stderr:
          "helper: keychain locked\n" +
          "Error saving credentials: error storing credentials - err: exit status 1, out: `the keychain is locked`\n",
      });
      const ref = `${basic.host}/private:1`;
      const pulled = await pullFresh(u, ref);
      assert.equal(pulled.code, 1);
      assert.equal(
        pulled.stderr,
        `helper: keychain locked\nError response from daemon: Get "http://${basic.host}/v2/private/manifests/1": ${NOT_FOUND}\n`,
      );
      const ran = await u.run(["run", "--rm", ref, "true"]);
      assert.equal(ran.code, 125);
      assert.equal(
        ran.stderr,
        `Unable to find image '${ref}' locally\nhelper: keychain locked\n` +
          `${cli}: error getting credentials - err: exit status 1, out: \`the keychain is locked\`\n\n` +
          `Run '${cli} run --help' for more information\n`,
      );
      // logout: every key fails, "host" twice, which docker counts once: no warning either
      const out = await u.run(["logout", basic.host]);
      assert.equal(out.code, 0);
      assert.equal(out.stdout, `Removing login credentials for ${basic.host}\n`);
      assert.equal(out.stderr, "helper: keychain locked\n".repeat(4));
      store.failing = false;
      assert.deepEqual(store.secrets, { [basic.host]: { Username: USER, Secret: PASSWORD } });
      assert.deepEqual(u.config().auths, { [basic.host]: {} });

      const missing = user(cli, { credsStore: "ktmissing" });
      const lost = await missing.login(basic.host);
      assert.deepEqual(lost, {
        code: 1,
        stdout: "",
        stderr:
          'Error saving credentials: error storing credentials - err: exec: "docker-credential-ktmissing": ' +
          "executable file not found in $PATH, out: ``\n",
      });
      const notRun = await missing.run(["run", "--rm", ref, "true"]);
      assert.equal(notRun.code, 127);
      assert.match(
        notRun.stderr,
        /error getting credentials - err: exec: "docker-credential-ktmissing": executable/,
      );
    });

    test(`${cli}: without a helper the password goes into config.json, with docker's warning the first time`, async () => {
      const u = user(cli, undefined);
      const r = await u.login(basic.host);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, "Login Succeeded\n");
      assert.equal(
        r.stderr,
        `\nWARNING! Your credentials are stored unencrypted in '${join(u.configDir, "config.json")}'.\n` +
          "Configure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n",
      );
      const auth = Buffer.from(`${USER}:${PASSWORD}`).toString("base64");
      assert.deepEqual(u.config(), { auths: { [basic.host]: { auth } } });
      // the same credentials again leave the file alone, and warn no more
      assert.deepEqual(await u.login(basic.host), { code: 0, stdout: "Login Succeeded\n", stderr: "" });
      // a token login keeps no password: no warning
      assert.deepEqual(await u.login(token.host), { code: 0, stdout: "Login Succeeded\n", stderr: "" });
      assert.equal(u.config().auths[token.host].auth, Buffer.from(`${USER}:`).toString("base64"));
      assert.ok(u.config().auths[token.host].identitytoken);
    });
  }

  test("a config written by docker's login serves kapsel, and kapsel's serves docker", async () => {
    const store = new Helper(bin, root);
    for (const [first, second] of [
      ["docker", "kapsel"],
      ["kapsel", "docker"],
    ] as const) {
      const a = user(first, { credsStore: store.name });
      const b = user(second, undefined, a.configDir);
      assert.equal((await a.login(basic.host)).code, 0);
      const pulled = await pullFresh(b, `${basic.host}/private:1`);
      assert.equal(pulled.code, 0, `${second} after ${first}'s login: ${pulled.stderr}`);
      const out = await b.run(["logout", basic.host]);
      assert.equal(out.code, 0);
      assert.deepEqual(store.secrets, {});
      assert.deepEqual(a.config(), { auths: {}, credsStore: store.name });

      // the file store too
      const fa = user(first, undefined);
      const fb = user(second, undefined, fa.configDir);
      assert.equal((await fa.login(basic2.host)).code, 0);
      const again = await fb.run(["login", basic2.host]);
      assert.equal(again.code, 0, again.stderr);
      const pushedBack = await pullFresh(fb, `${basic2.host}/private:1`);
      assert.equal(pushedBack.code, 0, pushedBack.stderr);
    }
  });

  test("a build pulls its private FROM image with the helpers' credentials, with both CLIs", async () => {
    const store = new Helper(bin, root);
    const perRegistry = new Helper(bin, root);
    for (const cli of CLIS) {
      const u = user(cli, { credsStore: store.name, credHelpers: { [basic2.host]: perRegistry.name } });
      const build = (host: string) =>
        u.run(["build", "-q", "-t", `${cli}-built`, "-"], `FROM ${host}/private:1\nRUN true\n`);
      await d.docker(["rmi", `${basic.host}/private:1`]);
      const refused = await build(basic.host);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, new RegExp(NOT_FOUND));
      assert.equal((await u.login(basic.host)).code, 0);
      assert.equal((await u.login(basic2.host)).code, 0);
      // the passwords are in the helpers only
      assert.deepEqual(u.config().auths, { [basic.host]: {}, [basic2.host]: {} });
      assert.deepEqual(Object.keys(store.secrets), [basic.host]);
      assert.deepEqual(Object.keys(perRegistry.secrets), [basic2.host]);
      for (const reg of [basic, basic2]) {
        await d.docker(["rmi", `${reg.host}/private:1`]);
        const built = await build(reg.host);
        assert.equal(built.code, 0, `${cli} build from ${reg.host}: ${built.stderr}`);
      }
      await u.run(["logout", basic.host]);
      await u.run(["logout", basic2.host]);
    }
  });
});
