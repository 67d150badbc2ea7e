import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { HTTPD } from "./network-support.ts";

// User-defined networks through the real docker CLI and kapsel: create/ls/inspect/rm/prune,
// names and aliases resolved by kapsel's DNS, isolation between networks, connect and
// disconnect. Containers that look up names they should not find use --dns 127.0.0.1, so the
// embedded DNS forwards unknown names to the host's loopback, never off the machine.
describe("user-defined networks", () => {
  let d: TestDaemon;
  /** a /24 of this daemon's range that its address pool hands out last */
  let subnet: (k: number) => string;
  before(async () => {
    d = await startDaemon();
    const third = d.network.slot * 16;
    subnet = (k) => `10.213.${third + k}.0/24`;
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  for (const [i, cli] of (["docker", "kapsel"] as const).entries()) {
    const run = (args: string[]) => d[cli](args);
    const ok = async (args: string[]) => {
      const r = await run(args);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    const ipOf = async (container: string, network: string) =>
      (
        await ok(["inspect", "-f", `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container])
      ).trim();

    test(`${cli}: network create, ls, inspect, rm and prune`, async () => {
      const a = `neta-${cli}`;
      const b = `netb-${cli}`;
      const bridge = `${d.network.bridge}${cli[0]}`;
      const s = subnet(14 - i);
      const gw = s.replace(/0\/24$/, "254");
      const id = (
        await ok([
          "network",
          "create",
          "--subnet",
          s,
          "--gateway",
          gw,
          "--label",
          "team=blue",
          "-o",
          `com.docker.network.bridge.name=${bridge}`,
          a,
        ])
      ).trim();
      assert.match(id, /^[0-9a-f]{64}$/);
      assert.equal(await ok(["network", "ls", "-q", "--filter", `name=${a}`]), `${id.slice(0, 12)}\n`);
      assert.match(
        await ok(["network", "ls"]),
        new RegExp(`\\n${id.slice(0, 12)}   ${a}\\s+bridge    local\\n`),
      );
      assert.equal(
        await ok([
          "network",
          "inspect",
          "-f",
          '{{.Name}} {{.Driver}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}} {{.Labels.team}} {{index .Options "com.docker.network.bridge.name"}}',
          a,
        ]),
        `${a} bridge ${s} ${gw} blue ${bridge}\n`,
      );
      assert.ok(existsSync(`/sys/class/net/${bridge}`), "its Linux bridge exists");

      const dup = await run(["network", "create", a]);
      assert.deepEqual(
        [dup.code, dup.stderr],
        [1, `Error response from daemon: network with name ${a} already exists\n`],
      );
      const overlap = await run(["network", "create", "--subnet", s, `overlap-${cli}`]);
      assert.equal(overlap.code, 1);
      assert.match(overlap.stderr, /Pool overlaps with other one on this address space/);
      const predefined = await run(["network", "rm", "bridge"]);
      assert.equal(predefined.code, 1);
      assert.match(predefined.stderr, /bridge is a pre-defined network and cannot be removed/);
      const unknown = await run(["network", "rm", "no-such-net"]);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /^Error response from daemon: network no-such-net not found\n/);
      assert.equal((await run(["network", "rm", "-f", "no-such-net"])).code, 0);

      await ok(["network", "create", b]);
      await ok(["run", "-d", "--name", `user-${cli}`, "--network", a, "busybox", "sleep", "60"]);
      const declined = await d[cli](["network", "prune"], { input: "n\n" });
      assert.deepEqual(
        [declined.code, declined.stdout],
        [
          0,
          "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ",
        ],
      );
      // prune keeps the network in use
      assert.equal(await ok(["network", "prune", "-f"]), `Deleted Networks:\n${b}\n\n`);
      const inUse = await run(["network", "rm", a]);
      assert.equal(inUse.code, 1);
      assert.match(inUse.stderr, new RegExp(`network ${a} has active endpoints \\(name:"user-${cli}"`));
      await ok(["rm", "-f", `user-${cli}`]);
      assert.equal(await ok(["network", "rm", a]), `${a}\n`);
      assert.ok(!existsSync(`/sys/class/net/${bridge}`), "its bridge is gone with it");
      assert.equal(await ok(["network", "ls", "-q", "--filter", `name=${a}`]), "");
    });

    test(`${cli}: containers on a user network find each other by name and alias; networks are isolated`, async () => {
      const n1 = `dns1-${cli}`;
      const n2 = `dns2-${cli}`;
      await ok(["network", "create", n1]);
      await ok(["network", "create", n2]);
      const srv = `srv-${cli}`;
      const id = (
        await ok([
          "run",
          "-d",
          "--name",
          srv,
          "--network",
          n1,
          "--network-alias",
          "web",
          "busybox",
          ...HTTPD(`page-${cli}`),
        ])
      ).trim();
      const ip = await ipOf(srv, n1);
      assert.equal(
        await ok(["ps", "--filter", `network=${n1}`, "--format", "{{.Names}} {{.Networks}}"]),
        `${srv} ${n1}\n`,
      );
      const gateway = (
        await ok(["network", "inspect", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", n1])
      ).trim();
      const probe = await ok([
        "run",
        "--rm",
        "--network",
        n1,
        "busybox",
        "sh",
        "-c",
        `nslookup ${srv} | grep ^Address: | tail -1; nslookup web | grep ^Address: | tail -1; nslookup ${id.slice(0, 12)} | grep ^Address: | tail -1; ping -c1 -W2 web >/dev/null && echo pong; sleep 0.2; wget -qO- http://web/index.html; grep nameserver /etc/resolv.conf`,
      ]);
      assert.equal(
        probe,
        `Address: ${ip}\nAddress: ${ip}\nAddress: ${ip}\npong\npage-${cli}\nnameserver 127.0.0.11\n`,
      );

      // --link on a user network is an alias only this container resolves
      const linked = await ok([
        "run",
        "--rm",
        "--network",
        n1,
        "--link",
        `${srv}:dbalias`,
        "busybox",
        "sh",
        "-c",
        "nslookup dbalias | grep ^Address: | tail -1",
      ]);
      assert.equal(linked, `Address: ${ip}\n`);

      // from the other network: neither its name nor its address
      const other = await run([
        "run",
        "--rm",
        "--network",
        n2,
        "--dns",
        "127.0.0.1",
        "busybox",
        "sh",
        "-c",
        `nslookup ${srv} >/dev/null 2>&1 && echo resolved; ping -c1 -W1 ${ip} >/dev/null 2>&1 && echo reached; echo done`,
      ]);
      assert.equal(other.stdout, "done\n");
      // --ip on a user network; on the default bridge Docker refuses it
      const chosen = gateway.replace(/\.1$/, ".200");
      assert.match(
        await ok([
          "run",
          "--rm",
          "--network",
          n1,
          "--ip",
          chosen,
          "busybox",
          "ip",
          "-o",
          "-4",
          "addr",
          "show",
          "eth0",
        ]),
        new RegExp(`inet ${chosen.replaceAll(".", "\\.")}/24`),
      );
      const onBridge = await run(["run", "--rm", "--ip", chosen, "busybox", "true"]);
      assert.equal(onBridge.code, 125);
      assert.match(onBridge.stderr, /user specified IP address is supported on user defined networks only/);
      await ok(["rm", "-f", srv]);
      await ok(["network", "rm", n1, n2]);
    });

    test(`${cli}: network connect and disconnect, running and stopped`, async () => {
      const net = `conn-${cli}`;
      await ok(["network", "create", net]);
      const c1 = `c1-${cli}`;
      await ok(["run", "-d", "--name", c1, "busybox", "sleep", "60"]);
      await ok(["network", "connect", "--alias", "extra", net, c1]);
      const networks = (c: string) =>
        ok(["inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", c]);
      assert.equal(await networks(c1), `bridge ${net} \n`);
      const ip = await ipOf(c1, net);
      assert.match(
        await ok(["exec", c1, "ip", "-o", "-4", "addr", "show", "eth1"]),
        new RegExp(`inet ${ip.replaceAll(".", "\\.")}/24`),
      );
      assert.equal(
        await ok(["network", "inspect", "-f", "{{range .Containers}}{{.Name}} {{.IPv4Address}}{{end}}", net]),
        `${c1} ${ip}/24\n`,
      );
      const found = await ok([
        "run",
        "--rm",
        "--network",
        net,
        "busybox",
        "sh",
        "-c",
        "nslookup extra | grep ^Address: | tail -1",
      ]);
      assert.equal(found, `Address: ${ip}\n`);
      const twice = await run(["network", "connect", net, c1]);
      assert.equal(twice.code, 1);
      assert.match(twice.stderr, new RegExp(`endpoint with name ${c1} already exists in network ${net}`));
      const host = await run(["network", "connect", "host", c1]);
      assert.equal(host.code, 1);
      assert.match(
        host.stderr,
        /container cannot be disconnected from host network or connected to host network/,
      );
      await ok(["network", "disconnect", net, c1]);
      assert.equal(await networks(c1), "bridge \n");
      assert.notEqual((await run(["exec", c1, "ip", "link", "show", "eth1"])).code, 0);
      assert.equal(await ok(["network", "inspect", "-f", "{{len .Containers}}", net]), "0\n");

      // a stopped container joins when it starts, and keeps it across restarts
      const c2 = `c2-${cli}`;
      await ok(["create", "--name", c2, "busybox", "sleep", "60"]);
      await ok(["network", "connect", net, c2]);
      assert.equal(await networks(c2), `bridge ${net} \n`);
      assert.equal(await ipOf(c2, net), "");
      await ok(["start", c2]);
      const ip2 = await ipOf(c2, net);
      assert.match(ip2, /^10\.213\./);
      assert.match(
        await ok(["exec", c2, "ip", "-o", "-4", "addr"]),
        new RegExp(`eth1\\s+inet ${ip2.replaceAll(".", "\\.")}/`),
      );
      await ok(["restart", "-t", "0", c2]);
      assert.equal(await networks(c2), `bridge ${net} \n`);
      await ok(["stop", "-t", "0", c2]);
      await ok(["network", "disconnect", net, c2]);
      assert.equal(await networks(c2), "bridge \n");
      await ok(["rm", "-f", c1, c2]);
      await ok(["network", "rm", net]);
    });

    test(`${cli}: 127.0.0.11 answers on user networks, and follows the container across connect and disconnect`, async () => {
      const [na, nb] = [`dnsa-${cli}`, `dnsb-${cli}`];
      const [web, c] = [`dnsweb-${cli}`, `dnsc-${cli}`];
      await ok(["network", "create", na]);
      await ok(["network", "create", nb]);
      try {
        await ok(["run", "-d", "--name", web, "--network", nb, "busybox", "sleep", "60"]);
        const webIp = await ipOf(web, nb);
        await ok(["run", "-d", "--name", c, "--network", na, "busybox", "sleep", "60"]);
        // asked by address, as an nginx "resolver 127.0.0.11" does; the server knows who asks
        const ask = (name: string) =>
          run(["exec", c, "sh", "-c", `nslookup ${name} 127.0.0.11 | grep '^Address: ' | tail -1`]);
        assert.equal((await ask(c)).stdout, `Address: ${await ipOf(c, na)}\n`);
        assert.equal((await ask(web)).stdout, "", "a container on another network is not known");
        await ok(["network", "connect", nb, c]);
        assert.equal((await ask(web)).stdout, `Address: ${webIp}\n`);
        // the network 127.0.0.11 went to is gone: it goes to the other's server
        await ok(["network", "disconnect", na, c]);
        assert.equal((await ask(web)).stdout, `Address: ${webIp}\n`);
        assert.equal(
          await ok(["exec", c, "grep", "nameserver", "/etc/resolv.conf"]),
          "nameserver 127.0.0.11\n",
        );
        // on the default bridge there is no embedded DNS, as in Docker
        const bridge = await run(["run", "--rm", "busybox", "nslookup", "web", "127.0.0.11"]);
        assert.notEqual(bridge.code, 0);
      } finally {
        await run(["rm", "-f", web, c]);
        await run(["network", "rm", na, nb]);
      }
    });

    test(`${cli}: an endpoint's driver options: its interface's sysctls and name`, async () => {
      const n = `sysctl-${cli}`;
      await ok(["network", "create", n]);
      try {
        const opt = "com.docker.network.endpoint.sysctls=net.ipv4.conf.IFNAME.log_martians=1";
        const out = await ok([
          "run",
          "--rm",
          "--network",
          `name=${n},driver-opt=${opt}`,
          "busybox",
          "cat",
          "/proc/sys/net/ipv4/conf/eth0/log_martians",
          "/proc/sys/net/ipv4/conf/lo/log_martians",
        ]);
        assert.equal(out, "1\n0\n");
        // com.docker.network.endpoint.ifname names the interface (Docker 28); IFNAME follows it
        const named = await ok([
          "run",
          "--rm",
          "--network",
          `name=${n},driver-opt=com.docker.network.endpoint.ifname=lan0,driver-opt=${opt}`,
          "busybox",
          "sh",
          "-c",
          "ls /sys/class/net | tr '\\n' ' '; cat /proc/sys/net/ipv4/conf/lan0/log_martians",
        ]);
        assert.equal(named, "lan0 lo 1\n");
        const badName = await run([
          "run",
          "--rm",
          "--network",
          `name=${n},driver-opt=com.docker.network.endpoint.ifname=a/b`,
          "busybox",
          "true",
        ]);
        assert.match(badName.stderr, /invalid interface name: a\/b/);
        const bad = await run([
          "run",
          "--rm",
          "--network",
          `name=${n},driver-opt=com.docker.network.endpoint.sysctls=net.ipv4.conf.eth0.log_martians=1`,
          "busybox",
          "true",
        ]);
        assert.notEqual(bad.code, 0);
        assert.match(
          bad.stderr,
          /unrecognised network interface sysctl 'net\.ipv4\.conf\.eth0\.log_martians=1'; represent 'net\.X\.Y\.ethN\.Z=V' as 'net\.X\.Y\.IFNAME\.Z=V'/,
        );
      } finally {
        await run(["network", "rm", n]);
      }
    });

    test(`${cli}: the default route: the highest gw-priority, then the network name first in order, as Docker 28`, async () => {
      const [nb, na, nz] = [`gwb-${cli}`, `gwa-${cli}`, `gwz-${cli}`];
      const c = `gw-${cli}`;
      for (const n of [nb, na, nz]) await ok(["network", "create", n]);
      try {
        await ok(["run", "-d", "--name", c, "--network", nb, "busybox", "sleep", "60"]);
        const gatewayOf = async (n: string) =>
          (await ok(["network", "inspect", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", n])).trim();
        const defaultVia = async () => /default via (\S+)/.exec(await ok(["exec", c, "ip", "route"]))?.[1];
        assert.equal(await defaultVia(), await gatewayOf(nb));
        await ok(["network", "connect", na, c]); // sorts first: it takes the route
        assert.equal(await defaultVia(), await gatewayOf(na));
        await ok(["network", "connect", "--gw-priority", "10", nz, c]);
        assert.equal(await defaultVia(), await gatewayOf(nz));
        assert.equal(
          await ok(["inspect", "-f", `{{(index .NetworkSettings.Networks "${nz}").GwPriority}}`, c]),
          "10\n",
        );
        await ok(["network", "disconnect", nz, c]);
        assert.equal(await defaultVia(), await gatewayOf(na));
      } finally {
        await run(["rm", "-f", c]);
        await run(["network", "rm", nb, na, nz]);
      }
    });

    test(`${cli}: an IPv6 subnet without --ipv6 is kept and shown but gives no address, as Docker does`, async () => {
      const n = `net6-${cli}`;
      const v6 = `fd00:6b:${i}::/64`;
      const c = `c6-${cli}`;
      await ok(["network", "create", "--subnet", v6, n]);
      try {
        const config = JSON.parse(await ok(["network", "inspect", "-f", "{{json .IPAM.Config}}", n]));
        assert.equal(config.length, 2);
        assert.match(config[0].Subnet, /^10\.213\./, "an IPv4 subnet from the pool, as ever");
        assert.deepEqual(config[1], { Subnet: v6 });
        assert.equal(await ok(["network", "inspect", "-f", "{{.EnableIPv6}}", n]), "false\n");
        await ok([
          "run",
          "-d",
          "--name",
          c,
          "--network",
          n,
          "--ip6",
          `fd00:6b:${i}::f00d`,
          "busybox",
          "sleep",
          "60",
        ]);
        const ep = `index .NetworkSettings.Networks "${n}"`;
        assert.equal(
          await ok(["inspect", "-f", `{{(${ep}).IPAMConfig.IPv6Address}}`, c]),
          `fd00:6b:${i}::f00d\n`,
        );
        assert.equal(await ok(["inspect", "-f", `{{(${ep}).GlobalIPv6Address}}`, c]), "\n");
        assert.doesNotMatch(await ok(["exec", c, "ip", "-6", "addr"]), /fd00:6b/);
        const outside = await run(["run", "--rm", "--network", n, "--ip6", "fd00:99::1", "busybox", "true"]);
        assert.equal(outside.code, 125);
        assert.match(outside.stderr, /no configured subnet or ip-range contain the IP address fd00:99::1/);
      } finally {
        await run(["rm", "-f", c]);
        await run(["network", "rm", n]);
      }
    });

    test(`${cli}: a network with --ipv6: addresses, routes, names and /etc/hosts in both families`, async () => {
      const [n, other] = [`v6net-${cli}`, `v6other-${cli}`];
      const [a, b, c] = [`v6a-${cli}`, `v6b-${cli}`, `v6c-${cli}`];
      const v6 = `fd00:6c:${i + 1}::/64`;
      await ok(["network", "create", "--ipv6", "--subnet", v6, "--gateway", `fd00:6c:${i + 1}::ffff`, n]);
      await ok(["network", "create", "--ipv6", other]);
      try {
        assert.equal(await ok(["network", "inspect", "-f", "{{.EnableIPv6}}", n]), "true\n");
        const config = JSON.parse(await ok(["network", "inspect", "-f", "{{json .IPAM.Config}}", n]));
        assert.deepEqual(config[1], { Subnet: v6, Gateway: `fd00:6c:${i + 1}::ffff` });
        // without a subnet: a /64 of the daemon's own ULA /48
        assert.match(
          await ok(["network", "inspect", "-f", "{{(index .IPAM.Config 1).Subnet}}", other]),
          /^fd[0-9a-f:]+::\/64\n$/,
        );
        await ok(["run", "-d", "--name", a, "--network", n, "busybox", "sleep", "60"]);
        await ok([
          "run",
          "-d",
          "--name",
          b,
          "--network",
          n,
          "--ip6",
          `fd00:6c:${i + 1}::42`,
          "busybox",
          "sleep",
          "60",
        ]);
        await ok(["run", "-d", "--name", c, "--network", other, "busybox", "sleep", "60"]);
        const ep = `index .NetworkSettings.Networks "${n}"`;
        const fields = `{{(${ep}).GlobalIPv6Address}}/{{(${ep}).GlobalIPv6PrefixLen}} {{(${ep}).IPv6Gateway}}`;
        assert.equal(
          await ok(["inspect", "-f", fields, a]),
          `fd00:6c:${i + 1}::1/64 fd00:6c:${i + 1}::ffff\n`,
        );
        assert.equal(
          await ok(["inspect", "-f", fields, b]),
          `fd00:6c:${i + 1}::42/64 fd00:6c:${i + 1}::ffff\n`,
        );
        assert.match(
          await ok(["exec", a, "ip", "-6", "route"]),
          new RegExp(`default via fd00:6c:${i + 1}::ffff dev eth0`),
        );
        const hosts = await ok(["exec", a, "cat", "/etc/hosts"]);
        assert.match(hosts, new RegExp(`\nfd00:6c:${i + 1}::1\t[0-9a-f]{12}\n$`));
        // IPv6 is on for an interface on an IPv6 network only, as Docker 28 does it; lo keeps ::1
        await ok(["network", "connect", "bridge", a]);
        assert.equal(
          await ok([
            "exec",
            a,
            "cat",
            "/proc/sys/net/ipv6/conf/eth0/disable_ipv6",
            "/proc/sys/net/ipv6/conf/eth1/disable_ipv6",
          ]),
          "0\n1\n",
        );
        assert.equal(await ok(["exec", a, "sh", "-c", "ip -6 -o addr show eth1 | wc -l"]), "0\n");
        assert.match(await ok(["exec", a, "ip", "-6", "-o", "addr", "show", "lo"]), /inet6 ::1\/128/);
        await ok(["network", "disconnect", "bridge", a]);
        // by name over IPv6: the embedded DNS answers AAAA
        assert.match(
          await ok(["exec", a, "nslookup", "-type=AAAA", b]),
          new RegExp(`Address: fd00:6c:${i + 1}::42`),
        );
        assert.match(await ok(["exec", a, "ping", "-6", "-c", "1", "-W", "2", b]), /1 packets received/);
        assert.match(
          await ok(["exec", a, "ping", "-6", "-c", "1", "-W", "2", `fd00:6c:${i + 1}::ffff`]),
          /1 packets received/,
        );
        // another network's IPv6 is out of reach, as its IPv4 is
        const theirs = (
          await ok(["inspect", "-f", `{{(index .NetworkSettings.Networks "${other}").GlobalIPv6Address}}`, c])
        ).trim();
        assert.notEqual((await run(["exec", a, "ping", "-6", "-c", "1", "-W", "1", theirs])).code, 0);
        const outside = await run([
          "run",
          "--rm",
          "--network",
          other,
          "--ip6",
          "fd00:99::1",
          "busybox",
          "true",
        ]);
        assert.match(
          outside.stderr,
          /supported only when connecting to networks with user configured subnets/,
        );
      } finally {
        await run(["rm", "-f", a, b, c]);
        await run(["network", "rm", n, other]);
      }
    });
  }

  test("the daemon's network events: create, connect, disconnect, destroy", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await d.docker(["network", "create", "ev-net"]);
    await d.docker(["run", "--rm", "--network", "ev-net", "busybox", "true"]);
    await d.docker(["network", "rm", "ev-net"]);
    const r = await d.docker([
      "events",
      "--since",
      String(since),
      "--until",
      String(Math.ceil(Date.now() / 1000) + 1),
      "--filter",
      "type=network",
      "--format",
      "{{.Action}} {{.Actor.Attributes.name}}",
    ]);
    const lines = r.stdout.split("\n").filter((l) => l.endsWith(" ev-net"));
    assert.deepEqual(lines, ["create ev-net", "connect ev-net", "disconnect ev-net", "destroy ev-net"]);
  });

  test("link-local IPs: on the interface and in inspect, from run and from network connect", async () => {
    for (const cli of ["docker", "kapsel"] as const) {
      const run = await d[cli]([
        "run",
        "-d",
        "--name",
        `ll-run-${cli}`,
        "--link-local-ip",
        "169.254.8.8",
        "busybox",
        "sleep",
        "600",
      ]);
      assert.equal(run.code, 0, run.stderr);
      const ipam = (
        await d.docker([
          "inspect",
          "-f",
          "{{json .NetworkSettings.Networks.bridge.IPAMConfig}}",
          `ll-run-${cli}`,
        ])
      ).stdout;
      assert.equal(ipam, '{"LinkLocalIPs":["169.254.8.8"]}\n');
      const addr = await d.docker(["exec", `ll-run-${cli}`, "ip", "addr", "show", "eth0"]);
      assert.match(addr.stdout, /inet 169\.254\.8\.8\/16 /);
    }
    assert.equal((await d.docker(["network", "create", "llnet"])).code, 0);
    for (const [cli, ip] of [
      ["docker", "169.254.9.9"],
      ["kapsel", "169.254.9.10"],
    ] as const) {
      const name = `ll-${cli}`;
      await d.docker(["run", "-d", "--name", name, "busybox", "sleep", "600"]);
      const c = await d[cli](["network", "connect", "--link-local-ip", ip, "llnet", name]);
      assert.equal(c.code, 0, c.stderr);
      assert.match(
        (await d.docker(["exec", name, "ip", "addr", "show", "eth1"])).stdout,
        new RegExp(`inet ${ip.replaceAll(".", "\\.")}/16 `),
      );
      const got = await d.docker([
        "inspect",
        "-f",
        "{{json .NetworkSettings.Networks.llnet.IPAMConfig.LinkLocalIPs}}",
        name,
      ]);
      assert.equal(got.stdout, `["${ip}"]\n`);
    }
    const bad = await d.docker(["run", "-d", "--link-local-ip", "nonsense", "busybox", "true"]);
    assert.notEqual(bad.code, 0);
    await d.docker(["rm", "-f", "ll-run-docker", "ll-run-kapsel", "ll-docker", "ll-kapsel"]);
    await d.docker(["network", "rm", "llnet"]);
  });
});
