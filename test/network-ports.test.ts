import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { hostHasIPv6 } from "../src/engine/network/port-requests.ts";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { bridgePorts, freePort, get, getWhenUp, HTTPD, holdPort, netnsFiles } from "./network-support.ts";

// Published ports on the default bridge, through the real docker CLI and kapsel: -p serves a
// container's page on 127.0.0.1 (and ::1, through kapseld's proxy, as Docker's userland proxy),
// -P picks free ports that `port` and `ps` show, a taken port fails with Docker's error and
// leaves nothing plugged, bad specs are refused by the CLI and by the API. Traffic goes only to
// 127.0.0.1 and ::1.
const IPV6 = hostHasIPv6();

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
      assert.equal(lines.length, IPV6 ? 4 : 2, lines.join("\n"));
      const tcp = /^80\/tcp -> 0\.0\.0\.0:(\d+)$/.exec(lines.find((l) => l.startsWith("80/")) ?? "");
      const udp = /^53\/udp -> 0\.0\.0\.0:(\d+)$/.exec(lines.find((l) => l.startsWith("53/")) ?? "");
      assert.ok(tcp && udp, lines.join("\n"));
      const hostPort = Number(tcp[1]);
      assert.ok(hostPort >= 1024, `a high port: ${hostPort}`);
      // every address is 0.0.0.0 and, where the host has IPv6, [::] on the same port (Docker 28)
      const both = (p: string | number) => (IPV6 ? `0.0.0.0:${p}\n[::]:${p}\n` : `0.0.0.0:${p}\n`);
      const psBoth = (p: string | number, c: string) =>
        IPV6 ? `0.0.0.0:${p}->${c}, [::]:${p}->${c}` : `0.0.0.0:${p}->${c}`;
      assert.equal((await run(["port", name, "80"])).stdout, both(hostPort));
      assert.equal((await run(["port", name, "80/tcp"])).stdout, both(hostPort));
      assert.equal((await run(["port", name, "53/udp"])).stdout, both(udp[1]));
      const none = await run(["port", name, "8080"]);
      assert.equal(none.code, 1);
      assert.equal(none.stderr, `Error: No public port '8080' published for ${name}\n`);
      const ps = (await run(["ps", "--filter", `name=${name}`, "--format", "{{.Ports}}"])).stdout;
      assert.equal(ps, `${psBoth(udp[1], "53/udp")}, ${psBoth(hostPort, "80/tcp")}\n`);
      // bound on every address of the host: 127.0.0.1 answers
      assert.equal((await getWhenUp("127.0.0.1", hostPort)).body, "all\n");
      if (IPV6) assert.equal((await getWhenUp("::1", hostPort)).body, "all\n");
      assert.equal((await run(["rm", "-f", name])).code, 0);
    });

    test(`${cli}: a port on a host IPv6 address is served through kapseld's proxy`, {
      skip: !IPV6,
    }, async () => {
      const port = await freePort();
      const name = `v6-${cli}`;
      const r = await run([
        "run",
        "-d",
        "--name",
        name,
        "-p",
        `[::1]:${port}:80`,
        "busybox",
        ...HTTPD(`six-${cli}`),
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await getWhenUp("::1", port), { status: 200, body: `six-${cli}\n` });
      await assert.rejects(get("127.0.0.1", port, "/index.html", 500), "IPv4 was not asked for");
      assert.equal((await run(["port", name])).stdout, `80/tcp -> [::1]:${port}\n`);
      assert.equal(
        (await run(["inspect", "-f", "{{json .NetworkSettings.Ports}}", name])).stdout,
        `{"80/tcp":[{"HostIp":"::1","HostPort":"${port}"}]}\n`,
      );
      // [::1] is taken now, 127.0.0.1 is not: Docker's error for the one, a container for the other
      const clash = await run([
        "run",
        "-d",
        "--name",
        `${name}-b`,
        "-p",
        `[::1]:${port}:80`,
        "busybox",
        "true",
      ]);
      assert.equal(clash.code, 125);
      assert.match(clash.stderr, new RegExp(`Bind for \\[::1\\]:${port} failed: port is already allocated`));
      assert.equal((await run(["rm", "-f", name, `${name}-b`])).code, 0);
      await assert.rejects(get("::1", port, "/index.html", 500), "the proxy is gone with the container");
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

  test("kapseld --userland-proxy=false publishes on IPv4 only, as dockerd without its proxy", async () => {
    await using other = await startDaemon({ args: ["--userland-proxy=false"] });
    const port = await freePort();
    const r = await other.docker([
      "run",
      "-d",
      "--name",
      "four",
      "-p",
      `${port}:80`,
      "-p",
      "[::1]::81",
      "busybox",
      ...HTTPD("four"),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await other.docker(["port", "four"])).stdout, `80/tcp -> 0.0.0.0:${port}\n`);
    assert.equal((await getWhenUp("127.0.0.1", port)).body, "four\n");
    if (IPV6) await assert.rejects(get("::1", port, "/index.html", 500));
  });

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
