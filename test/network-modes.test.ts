import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { hostname } from "node:os";
import { after, before, describe, test } from "node:test";
import { hostHasIPv6 } from "../src/engine/network/port-requests.ts";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { bridgePorts, freePort, getWhenUp, HTTPD, netnsFiles } from "./network-support.ts";

// Network modes and what a container's /etc files say, through the real docker CLI and kapsel:
// --network none|host|container:<x>, --hostname, --add-host, --dns*, legacy --link; and that
// nothing is left (veths, namespaces, rules) after rm, after a daemon crash, and after the
// test daemon itself is gone.
describe("network modes, /etc files and links", () => {
  let d: TestDaemon;
  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  for (const cli of ["docker", "kapsel"] as const) {
    const run = (args: string[]) => d[cli](args);
    const ok = async (args: string[]) => {
      const r = await run(args);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };

    test(`${cli}: --network none, host and container:<x>`, async () => {
      assert.equal(await ok(["run", "--rm", "--network", "none", "busybox", "ls", "/sys/class/net"]), "lo\n");
      // the host's network: its interfaces and its name
      const host = await ok([
        "run",
        "--rm",
        "--network",
        "host",
        "busybox",
        "sh",
        "-c",
        "ls /sys/class/net; hostname",
      ]);
      // (the host's devices, not its virtual links, which other suites make and remove meanwhile)
      const devices = readdirSync("/sys/class/net").filter((n) => existsSync(`/sys/class/net/${n}/device`));
      for (const name of ["lo", ...devices]) assert.ok(host.split("\n").includes(name), `${name} in ${host}`);
      assert.ok(host.endsWith(`${hostname()}\n`), host);

      const x = `x-${cli}`;
      await ok(["run", "-d", "--name", x, "-h", "xhost", "busybox", "sleep", "60"]);
      const ip = (await ok(["inspect", "-f", "{{.NetworkSettings.IPAddress}}", x])).trim();
      const joined = await ok([
        "run",
        "--rm",
        "--network",
        `container:${x}`,
        "busybox",
        "sh",
        "-c",
        "ip -o -4 addr show eth0; hostname; grep xhost /etc/hosts",
      ]);
      assert.match(joined, new RegExp(`inet ${ip.replaceAll(".", "\\.")}/24`));
      assert.match(joined, new RegExp(`\\nxhost\\n${ip.replaceAll(".", "\\.")}\\txhost\\n$`));
      const conflict = await run([
        "run",
        "--rm",
        "--network",
        `container:${x}`,
        "-p",
        "80",
        "busybox",
        "true",
      ]);
      assert.equal(conflict.code, 125);
      assert.match(
        conflict.stderr,
        /conflicting options: port publishing and the container type network mode/,
      );
      await ok(["stop", "-t", "0", x]);
      const stopped = await run(["run", "--rm", "--network", `container:${x}`, "busybox", "true"]);
      assert.equal(stopped.code, 125);
      assert.match(
        stopped.stderr,
        new RegExp(`cannot join network namespace of a non running container: container ${x} is exited`),
      );
      await ok(["rm", x]);
    });

    test(`${cli}: --hostname, --add-host and --dns* are what /etc/hosts and /etc/resolv.conf say`, async () => {
      const out = await ok([
        "run",
        "--rm",
        "--hostname",
        "box",
        "--add-host",
        "db.local:10.213.255.7",
        "--add-host",
        "gw:host-gateway",
        "--dns",
        "10.213.255.53",
        "--dns-search",
        "example.test",
        "--dns-option",
        "ndots:2",
        "busybox",
        "sh",
        "-c",
        "hostname; cat /etc/hosts; echo --; cat /etc/resolv.conf",
      ]);
      const [hostnameLine, ...rest] = out.split("\n");
      assert.equal(hostnameLine, "box");
      const [hosts, resolv] = rest.join("\n").split("--\n");
      const lines = hosts.trim().split("\n");
      const gateway = d.network.bip.replace(/\/24$/, "");
      assert.equal(lines[0], "127.0.0.1\tlocalhost");
      assert.deepEqual(lines.slice(-3, -1), ["10.213.255.7\tdb.local", `${gateway}\tgw`]);
      assert.match(lines.at(-1)!, /^10\.213\.\d+\.\d+\tbox$/);
      assert.equal(resolv, "nameserver 10.213.255.53\nsearch example.test\noptions ndots:2\n");

      // on a user network the embedded DNS is the nameserver, at 127.0.0.11 as in Docker; --dns
      // becomes its upstream
      const net = `etc-${cli}`;
      await ok(["network", "create", net]);
      const user = await ok([
        "run",
        "--rm",
        "--network",
        net,
        "--dns",
        "127.0.0.1",
        "--dns-search",
        "example.test",
        "busybox",
        "cat",
        "/etc/resolv.conf",
      ]);
      assert.equal(user, "nameserver 127.0.0.11\nsearch example.test\noptions ndots:0\n");
      await ok(["network", "rm", net]);

      const bad = await run(["run", "--rm", "--add-host", "nohost", "busybox", "true"]);
      assert.equal(bad.code, 125);
    });

    test(`${cli}: --link gives Docker's variables and a hosts line for the linked container`, async () => {
      const db = `db-${cli}`;
      await ok(["run", "-d", "--name", db, "--expose", "5432", "-e", "SECRET=s3", "busybox", "sleep", "60"]);
      const ip = (await ok(["inspect", "-f", "{{.NetworkSettings.IPAddress}}", db])).trim();
      const dbHost = (await ok(["inspect", "-f", "{{.Config.Hostname}}", db])).trim();
      const out = await ok([
        "run",
        "--rm",
        "--name",
        `app-${cli}`,
        "--link",
        `${db}:data`,
        "busybox",
        "sh",
        "-c",
        "env | grep ^DATA_ | sort; grep data /etc/hosts",
      ]);
      assert.equal(
        out,
        [
          `DATA_ENV_SECRET=s3`,
          `DATA_NAME=/app-${cli}/data`,
          `DATA_PORT=tcp://${ip}:5432`,
          `DATA_PORT_5432_TCP=tcp://${ip}:5432`,
          `DATA_PORT_5432_TCP_ADDR=${ip}`,
          `DATA_PORT_5432_TCP_PORT=5432`,
          `DATA_PORT_5432_TCP_PROTO=tcp`,
          `${ip}\tdata ${dbHost} ${db}`,
          "",
        ].join("\n"),
      );
      // the link's stored form, as Docker shows it
      await ok(["create", "--name", `linked-${cli}`, "--link", db, "busybox", "true"]);
      assert.equal(
        await ok(["inspect", "-f", "{{json .HostConfig.Links}}", `linked-${cli}`]),
        `["/${db}:/linked-${cli}/${db}"]\n`,
      );
      const missing = await run(["create", "--link", "no-such-container:x", "busybox", "true"]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /could not get container for no-such-container/);
      await ok(["stop", "-t", "0", db]);
      const stopped = await run(["run", "--rm", "--link", `${db}:data`, "busybox", "true"]);
      assert.equal(stopped.code, 125);
      assert.match(
        stopped.stderr,
        new RegExp(`Cannot link to a non running container: /${db} AS /[a-z_0-9]+/data`),
      );
      await ok(["rm", "-f", db, `linked-${cli}`]);
    });
  }

  const IPV6 = hostHasIPv6();
  test("nothing is left after rm; a crashed daemon's containers keep serving and are settled on restart", async () => {
    const port = await freePort();
    await d.docker([
      "run",
      "-d",
      "--name",
      "survivor",
      "-p",
      `127.0.0.1:${port}:80`,
      ...(IPV6 ? ["-p", `[::1]:${port}:80`] : []),
      "busybox",
      ...HTTPD("still"),
    ]);
    await d.docker(["run", "-d", "--name", "quitter", "busybox", "sleep", "1"]);
    assert.equal(bridgePorts(d).length, 2);
    const ip = (
      await d.docker(["inspect", "-f", "{{.NetworkSettings.IPAddress}}", "survivor"])
    ).stdout.trim();
    await d.stop("SIGKILL");
    await new Promise((r) => setTimeout(r, 1200)); // quitter exits while the daemon is away
    assert.equal((await getWhenUp("127.0.0.1", port)).body, "still\n", "published ports outlive the daemon");
    await d.start();
    assert.equal((await getWhenUp("127.0.0.1", port)).body, "still\n");
    // the IPv6 side is kapseld's proxy: back with the daemon
    if (IPV6) assert.equal((await getWhenUp("::1", port)).body, "still\n");
    assert.equal(bridgePorts(d).length, 1, "the exited container's veth is gone");
    assert.equal(netnsFiles(d).length, 1);
    // a new container does not get the survivor's address
    const other = (await d.docker(["run", "--rm", "busybox", "sh", "-c", "ip -o -4 addr show eth0"])).stdout;
    assert.ok(!other.includes(`inet ${ip}/`), other);
    await d.docker(["rm", "-f", "survivor", "quitter"]);
    assert.deepEqual(bridgePorts(d), []);
    assert.deepEqual(netnsFiles(d), []);
    const nat = execFileSync("iptables-save", ["-t", "nat"], { encoding: "utf8" });
    assert.ok(!nat.includes(`${ip}:80`), "no DNAT rule for the removed container");
  });

  test("a test daemon's bridge, chains and namespaces go with it", async () => {
    const other = await startDaemon();
    const { bridge } = other.network;
    try {
      await other.docker(["network", "create", "gone"]);
      await other.docker(["run", "-d", "-p", "127.0.0.1::80", "busybox", "sleep", "60"]);
      assert.ok(existsSync(`/sys/class/net/${bridge}`));
    } finally {
      await other[Symbol.asyncDispose]();
    }
    assert.ok(!existsSync(`/sys/class/net/${bridge}`));
    for (const table of ["filter", "nat"]) {
      const rules = execFileSync("iptables-save", ["-t", table], { encoding: "utf8" });
      assert.ok(!rules.includes(`KAPSEL-${bridge}`), `no ${table} chain or jump of ${bridge}`);
    }
  });
});
