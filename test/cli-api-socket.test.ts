import assert from "node:assert/strict";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// `run --use-api-socket` (Docker 28): the engine's socket at /var/run/docker.sock in the
// container, and the client's registry logins in /run/secrets/docker/config.json.
describe("run --use-api-socket", () => {
  let d: TestDaemon;
  const show = [
    "stat -c '%F %i' /var/run/docker.sock",
    'echo "DOCKER_CONFIG=$DOCKER_CONFIG"',
    "stat -c '%a %u' /run/secrets/docker/config.json 2>/dev/null",
    "cat /run/secrets/docker/config.json 2>/dev/null",
  ].join("; ");
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  const withSocket = (cli: "docker" | "kapsel", opts: string[], script: string) =>
    d[cli](["run", "--rm", "--network", "none", "--use-api-socket", ...opts, "busybox", "sh", "-c", script]);
  before(async () => {
    d = await startDaemon();
    const config = d.env.DOCKER_CONFIG as string;
    mkdirSync(config, { recursive: true });
    writeFileSync(
      `${config}/config.json`,
      JSON.stringify({ auths: { "reg.example:5000": { auth: b64("u:p") } } }),
    );
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  for (const cli of ["docker", "kapsel"] as const) {
    test(`${cli}: the daemon's own socket, and the logins with DOCKER_CONFIG pointing at them`, async () => {
      const r = await withSocket(cli, [], show);
      assert.equal(r.code, 0, r.stderr);
      const inode = statSync(d.socket).ino;
      assert.equal(
        r.stdout,
        `socket ${inode}\nDOCKER_CONFIG=/run/secrets/docker\n600 0\n` +
          `{\n\t"auths": {\n\t\t"reg.example:5000": {\n\t\t\t"auth": "${b64("u:p")}"\n\t\t}\n\t}\n}`,
      );
    });

    test(`${cli}: a container that sets DOCKER_CONFIG gets the socket only`, async () => {
      const r = await withSocket(cli, ["-e", "DOCKER_CONFIG=/mine"], show);
      assert.equal(r.stdout, `socket ${statSync(d.socket).ino}\nDOCKER_CONFIG=/mine\n`);
    });
  }

  test("kapsel: DOCKER_AUTH_CONFIG's logins win over the config file's, as docker's", async () => {
    const env = {
      ...d.env,
      DOCKER_AUTH_CONFIG: JSON.stringify({ auths: { "other:1": { auth: b64("a:b") } } }),
    };
    const r = await d.kapsel(
      [
        "run",
        "--rm",
        "--network",
        "none",
        "--use-api-socket",
        "busybox",
        "cat",
        "/run/secrets/docker/config.json",
      ],
      { env },
    );
    assert.equal(r.stdout, `{\n\t"auths": {\n\t\t"other:1": {\n\t\t\t"auth": "${b64("a:b")}"\n\t\t}\n\t}\n}`);
  });

  test("kapsel: only over a unix socket, refused before anything is created", async () => {
    const before = (await d.docker(["ps", "-aq"])).stdout;
    const env = { ...d.env, KAPSEL_HOST: "tcp://127.0.0.1:9", DOCKER_HOST: "" };
    const r = await d.kapsel(["run", "--use-api-socket", "busybox", "true"], { env });
    assert.equal(r.code, 125);
    assert.match(
      r.stderr,
      /flag --use-api-socket can only be used with unix sockets: docker endpoint tcp:\/\/127.0.0.1:9 incompatible/,
    );
    assert.equal((await d.docker(["ps", "-aq"])).stdout, before);
  });
});
