import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { bridgePorts, freePort, get, getWhenUp, HTTPD, holdPort, netnsFiles } from "./network-support.ts";

// Published ports on the default bridge, through the real docker CLI and kapsel: -p serves a
// container's page on 127.0.0.1, -P picks free ports that `port` and `ps` show, a taken port
// fails with Docker's error and leaves nothing plugged, bad specs are refused by the CLI and
// by the API. Traffic goes only to 127.0.0.1.
describe("published ports", () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  for (const cli of ["docker", "kapsel"] as const) {
    const run = (args: string[]) => d[cli](args);

    test(`${cli}: -p 127.0.0.1:PORT:80 serves the container's busybox httpd on the host`, async () => {
      const port = await freePort();
      const name = `web-${cli}`;
      const r = await run([
        "run",
        "-d",
        "--name",
        name,
        "-p",
        `127.0.0.1:${port}:80`,
        "busybox",
        ...HTTPD(`hello-${cli}`),
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await getWhenUp("127.0.0.1", port), { status: 200, body: `hello-${cli}\n` });
      // the container's own address answers too, from the host
      const ip = (await run(["inspect", "-f", "{{.NetworkSettings.IPAddress}}", name])).stdout.trim();
      assert.match(ip, /^10\.213\.\d+\.\d+$/);
      assert.equal((await get(ip, 80)).body, `hello-${cli}\n`);
      assert.equal((await run(["port", name])).stdout, `80/tcp -> 127.0.0.1:${port}\n`);
      assert.equal(
        (await run(["ps", "--filter", `name=${name}`, "--format", "{{.Ports}}"])).stdout,
        `127.0.0.1:${port}->80/tcp\n`,
      );
      assert.equal(
        (await run(["ps", "--filter", `publish=${port}`, "--format", "{{.Names}}"])).stdout,
        `${name}\n`,
      );
      assert.equal(
        (await run(["ps", "--filter", `publish=${port}/udp`, "--format", "{{.Names}}"])).stdout,
        "",
      );
      assert.equal((await run(["rm", "-f", name])).code, 0);
      await assert.rejects(
        get("127.0.0.1", port, "/index.html", 500),
        "the port is closed with the container",
      );
    });

    test(`${cli}: -P publishes exposed ports on free high ports that port and ps show`, async () => {
      const name = `pall-${cli}`;
      const r = await run([
        "run",
        "-d",
        "--name",
        name,
        "--expose",
        "80",
        "--expose",
        "53/udp",
        "-P",
        "busybox",
        ...HTTPD("all"),
      ]);
      assert.equal(r.code, 0, r.stderr);
      const lines = (await run(["port", name])).stdout.trim().split("\n");
      assert.equal(lines.length, 2, lines.join("\n"));
      const tcp = /^80\/tcp -> 0\.0\.0\.0:(\d+)$/.exec(lines.find((l) => l.startsWith("80/")) ?? "");
      const udp = /^53\/udp -> 0\.0\.0\.0:(\d+)$/.exec(lines.find((l) => l.startsWith("53/")) ?? "");
      assert.ok(tcp && udp, lines.join("\n"));
      const hostPort = Number(tcp[1]);
      assert.ok(hostPort >= 1024, `a high port: ${hostPort}`);
      assert.equal((await run(["port", name, "80"])).stdout, `0.0.0.0:${hostPort}\n`);
      assert.equal((await run(["port", name, "80/tcp"])).stdout, `0.0.0.0:${hostPort}\n`);
      const none = await run(["port", name, "8080"]);
      assert.equal(none.code, 1);
      assert.equal(none.stderr, `Error: No public port '8080' published for ${name}\n`);
      const ps = (await run(["ps", "--filter", `name=${name}`, "--format", "{{.Ports}}"])).stdout;
      assert.equal(ps, `0.0.0.0:${udp[1]}->53/udp, 0.0.0.0:${hostPort}->80/tcp\n`);
      // bound on every address of the host: 127.0.0.1 answers
      assert.equal((await getWhenUp("127.0.0.1", hostPort)).body, "all\n");
      assert.equal((await run(["rm", "-f", name])).code, 0);
    });

    test(`${cli}: a taken port gives Docker's error and leaves nothing plugged`, async () => {
      const port = await freePort();
      const first = await run([
        "run",
        "-d",
        "--name",
        `hold-${cli}`,
        "-p",
        `127.0.0.1:${port}:80`,
        "busybox",
        "sleep",
        "60",
      ]);
      assert.equal(first.code, 0, first.stderr);
      const veths = bridgePorts(d).length;
      const namespaces = netnsFiles(d).length;
      // another container has it
      const clash = await run([
        "run",
        "-d",
        "--name",
        `clash-${cli}`,
        "-p",
        `127.0.0.1:${port}:80`,
        "busybox",
        "sleep",
        "60",
      ]);
      assert.equal(clash.code, 125);
      assert.match(
        clash.stderr,
        new RegExp(
          `Error response from daemon: failed to set up container networking: driver failed programming external connectivity on endpoint clash-${cli} \\([0-9a-f]{64}\\): Bind for 127\\.0\\.0\\.1:${port} failed: port is already allocated`,
        ),
      );
      assert.equal(
        (await run(["inspect", "-f", "{{.State.Status}} {{json .NetworkSettings.Ports}}", `clash-${cli}`]))
          .stdout,
        "created {}\n",
      );
      assert.equal(bridgePorts(d).length, veths, "no veth of the failed container");
      assert.equal(netnsFiles(d).length, namespaces, "no namespace of the failed container");
      // a program on the host has it; --rm removes the container that could not start
      const other = await freePort();
      const server = await holdPort(other);
      try {
        const busy = await run([
          "run",
          "--rm",
          "--name",
          `busy-${cli}`,
          "-p",
          `127.0.0.1:${other}:80`,
          "busybox",
          "true",
        ]);
        assert.equal(busy.code, 125);
        assert.match(busy.stderr, new RegExp(`127\\.0\\.0\\.1:${other}.*address already in use`));
      } finally {
        server.close();
      }
      assert.equal((await run(["ps", "-aq", "--filter", `name=busy-${cli}`])).stdout, "");
      assert.equal(bridgePorts(d).length, veths);
      assert.equal((await run(["rm", "-f", `hold-${cli}`, `clash-${cli}`])).code, 0);
    });

    test(`${cli}: invalid port specs are refused before anything is made`, async () => {
      for (const [spec, message] of [
        ["70000:80", "invalid hostPort: 70000"],
        ["80:70000", "invalid containerPort: 70000"],
        ["127.0.0.1:80:80/xyz", "invalid proto: xyz"],
      ]) {
        const r = await run(["run", "--rm", "-p", spec, "busybox", "true"]);
        assert.equal(r.code, 125);
        assert.match(r.stderr, new RegExp(`^${cli}: ${message.replaceAll(".", "\\.")}\n`));
      }
    });
  }

  test("API: invalid port bindings are a 400 with a clear message, and no container is made", async () => {
    const before = (await d.api("GET", "/containers/json?all=1")).json() as unknown[];
    for (const [bindings, message] of [
      [{ "80/tcp": [{ HostIp: "", HostPort: "70000" }] }, 'invalid port specification: "70000"'],
      [{ "70000/tcp": [{ HostIp: "", HostPort: "80" }] }, 'invalid port specification: "70000"'],
      [{ "abc/tcp": [] }, 'invalid port specification: "abc"'],
    ] as const) {
      const r = await d.api("POST", "/containers/create", {
        Image: "busybox",
        Cmd: ["true"],
        HostConfig: { PortBindings: bindings },
      });
      assert.deepEqual([r.status, r.json()], [400, { message }]);
    }
    assert.equal(((await d.api("GET", "/containers/json?all=1")).json() as unknown[]).length, before.length);
  });
});
