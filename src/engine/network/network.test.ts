/**
 * The network domain against the real kernel: namespaces, veths, a bridge per network, and
 * iptables rules in this test's own chains (KAPSEL-<bridge>-*). Servers and clients are the
 * host's /bin/busybox run inside the namespaces with nsenter. Traffic goes only to 127.0.0.1,
 * to the host's addresses on the test's bridges, and to namespaces the test made (an "outside"
 * namespace stands in for the internet to prove NAT). Everything is removed in `after`, also
 * when a test fails, and the suite checks that no link, namespace, chain or rule is left.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createTcpServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { buildResponse, DNS_TYPE, parseQuery, RCODE } from "./dns-message.ts";
import { createNetworkService, type NetworkService, type NetworkServiceOptions } from "./index.ts";
import { isMountPoint, linkExists } from "./kernel-applier.ts";

const BUSYBOX = "/bin/busybox";
const NODE = process.execPath;
const tag = randomBytes(3).toString("hex");
const BRIDGE = `knt${tag}`; // the default network's bridge
const OUTSIDE_VETH = `kno${tag}`;
const PREFIX = `KAPSEL-${BRIDGE}`;
const dir = mkdtempSync("/tmp/knet-");
const www = join(dir, "www");
const outsideNs = join(dir, "outside.ns");
const procs: ChildProcess[] = [];
const hostServers: { close: () => void }[] = [];
const seenVeths = new Set<string>();
const seenBridges = new Set<string>([BRIDGE]);
const cid = (name: string) => `${name}${"0".repeat(64)}`.slice(0, 64);

let svc: NetworkService;
let options: NetworkServiceOptions;
let outsideSubnet = ""; // 10.213.N.0/24: host side .1, outside namespace .2
let upstreamPort = 0;

// ---- helpers ---------------------------------------------------------------------------------

function run(
  file: string,
  args: string[],
  timeout = 10_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout, encoding: "utf8" }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr });
    });
  });
}

/** busybox inside a namespace (host filesystem, the namespace's network). */
const inNs = (ns: string, args: string[], timeout?: number) =>
  run("nsenter", [`--net=${ns}`, BUSYBOX, ...args], timeout);

function startInNs(ns: string, file: string, args: string[]): ChildProcess {
  const child = spawn("nsenter", [`--net=${ns}`, file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  procs.push(child);
  return child;
}

/**
 * busybox wget from a namespace; undefined when it fails or hangs past `seconds` (this busybox's
 * own -T crashes it). The target must be routed through the test's own links: nothing may
 * leave the machine, even when a test goes wrong.
 */
async function wget(ns: string, url: string, seconds = 4): Promise<string | undefined> {
  assertLocal(new URL(url).hostname);
  const r = await inNs(ns, ["wget", "-q", "-O", "-", url], seconds * 1000);
  return r.code === 0 ? r.stdout : undefined;
}

function assertLocal(ip: string): void {
  if (ip === "127.0.0.1") return;
  const [route] = JSON.parse(execFileSync("ip", ["-j", "route", "get", ip], { encoding: "utf8" })) as {
    dev: string;
    gateway?: string;
  }[];
  const ours = route.dev === "lo" || route.dev === OUTSIDE_VETH || seenBridges.has(route.dev);
  if (!ours || route.gateway) throw new Error(`refusing to send traffic to ${ip}: routed via ${route.dev}`);
}

/** busybox httpd in the namespace on port 80, serving `www`; resolves when it answers. */
async function httpd(ns: string): Promise<void> {
  startInNs(ns, BUSYBOX, ["httpd", "-f", "-p", "80", "-h", www]);
  for (let i = 0; i < 50; i++) {
    if ((await wget(ns, "http://127.0.0.1/", 1)) !== undefined) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`httpd in ${ns} did not start`);
}

async function fetchText(url: string): Promise<string> {
  assertLocal(new URL(url).hostname);
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return res.text();
}

/** A /24 in 10.213.192.0/18 that no route of the host uses (other suites may run beside this one). */
function freeSubnet(): string {
  const routes = execFileSync("ip", ["-4", "-j", "route", "show", "table", "all"], { encoding: "utf8" });
  const used = new Set(
    (JSON.parse(routes) as { dst: string }[]).map((r) => r.dst.replace(/\.\d+(\/\d+)?$/, "")),
  );
  for (let n = 192 + Math.floor(Math.random() * 32); n < 256; n++) {
    if (!used.has(`10.213.${n}`)) return `10.213.${n}.0/24`;
  }
  throw new Error("no free 10.213.x.0/24");
}
const hostPart = (subnet: string, host: number) => subnet.replace(/\.0\/24$/, `.${host}`);

/** The veths and bridges the service made, read from its records as the test goes. */
function noteLinks(): void {
  for (const name of safeReaddir(join(dir, "run", "sandboxes"))) {
    const sb = JSON.parse(readFileSync(join(dir, "run", "sandboxes", name), "utf8"));
    for (const ep of sb.endpoints) seenVeths.add(ep.hostVeth);
  }
  for (const name of safeReaddir(join(dir, "data", "networks"))) {
    const net = JSON.parse(readFileSync(join(dir, "data", "networks", name), "utf8"));
    if (net.bridge) seenBridges.add(net.bridge);
  }
}

function safeReaddir(d: string): string[] {
  try {
    return readdirSync(d).filter((n) => n.endsWith(".json"));
  } catch {
    return [];
  }
}

/** releaseSandbox lets the kernel finish deleting veths in the background. */
async function gone(link: string): Promise<boolean> {
  for (let i = 0; i < 100 && linkExists(link); i++) await new Promise((r) => setTimeout(r, 20));
  return !linkExists(link);
}

function iptablesSave(): string {
  return execFileSync("iptables-save", { encoding: "utf8" });
}

/** A stand-in for the host's resolver on 127.0.0.1: every name is 10.213.250.9. */
async function startUpstream(): Promise<number> {
  const sock = createSocket("udp4");
  sock.on("message", (msg, r) => {
    const q = parseQuery(msg);
    if (!q) return;
    sock.send(
      buildResponse(q, RCODE.NOERROR, [{ type: DNS_TYPE.A, ttl: 5, data: "10.213.250.9" }]),
      r.port,
      r.address,
    );
  });
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", r));
  hostServers.push({ close: () => sock.close() });
  return sock.address().port;
}

async function hostHttp(address: string, body: string): Promise<number> {
  const server: Server = createHttpServer((_req, res) => res.end(body));
  await new Promise<void>((r) => server.listen(0, address, r));
  hostServers.push({ close: () => server.close() });
  return (server.address() as { port: number }).port;
}

// ---- set-up and tear-down --------------------------------------------------------------------

before(async () => {
  mkdirSync(join(www, "cgi-bin"), { recursive: true });
  writeFileSync(join(www, "index.html"), "hello from a namespace\n");
  // the outside server tells who it sees: NAT shows the host's address, not the container's
  writeFileSync(
    join(www, "cgi-bin", "addr"),
    '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n',
  );
  chmodSync(join(www, "cgi-bin", "addr"), 0o755);

  upstreamPort = await startUpstream();
  options = {
    root: join(dir, "data"),
    execRoot: join(dir, "run"),
    bridgeName: BRIDGE,
    defaultAddressPools: [{ base: "10.213.128.0/18", size: 24 }],
    dnsUpstreams: [`127.0.0.1:${upstreamPort}`],
  };
  svc = await createNetworkService(options);
  await svc.reconcile([]);

  // "the internet": a namespace behind a veth of the host, reached by routing, not by a bridge
  outsideSubnet = freeSubnet();
  writeFileSync(outsideNs, "");
  execFileSync("unshare", [`--net=${outsideNs}`, "ip", "link", "set", "lo", "up"]);
  execFileSync("ip", [
    "link",
    "add",
    OUTSIDE_VETH,
    "type",
    "veth",
    "peer",
    "name",
    "eth0",
    "netns",
    outsideNs,
  ]);
  execFileSync("ip", ["addr", "add", `${hostPart(outsideSubnet, 1)}/24`, "dev", OUTSIDE_VETH]);
  execFileSync("ip", ["link", "set", OUTSIDE_VETH, "up"]);
  execFileSync("nsenter", [
    `--net=${outsideNs}`,
    "ip",
    "addr",
    "add",
    `${hostPart(outsideSubnet, 2)}/24`,
    "dev",
    "eth0",
  ]);
  execFileSync("nsenter", [`--net=${outsideNs}`, "ip", "link", "set", "eth0", "up"]);
  await httpd(outsideNs);
});

after(async () => {
  const problems: string[] = [];
  noteLinks();
  for (const p of procs) if (p.exitCode === null && p.pid) process.kill(p.pid, "SIGKILL");
  for (const s of hostServers) s.close();
  if (linkExists(OUTSIDE_VETH)) execFileSync("ip", ["link", "del", OUTSIDE_VETH]);
  await svc?.destroy().catch((err) => problems.push(`destroy: ${err.message}`));
  for (const link of [...seenVeths, ...seenBridges]) {
    if (linkExists(link)) {
      problems.push(`link ${link} left behind`);
      execFileSync("ip", ["link", "del", link], { stdio: "ignore" });
    }
  }
  if (isMountPoint(outsideNs)) execFileSync("umount", [outsideNs]);
  const left = readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .filter((l) => l.includes(dir));
  if (left.length > 0) problems.push(`mounts left behind: ${left.join("; ")}`);
  const rules = iptablesSave()
    .split("\n")
    .filter((l) => l.includes(PREFIX));
  if (rules.length > 0) problems.push(`iptables left behind: ${rules.join("; ")}`);
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(problems, []);
});

// ---- the tests -------------------------------------------------------------------------------

describe("network domain on the real kernel", { concurrency: false }, () => {
  const A = cid("a");
  const B = cid("b");
  let nsA = "";
  let nsB = "";
  let ipA = "";
  let gateway = "";

  test("two containers on the default bridge talk to each other and to the host's gateway address", async () => {
    nsA = (await svc.createSandbox(A)).netnsPath;
    nsB = (await svc.createSandbox(B)).netnsPath;
    assert.ok(nsA.startsWith(join(dir, "run", "netns")));
    const a = await svc.connect("bridge", A, { name: "a" });
    const b = await svc.connect("bridge", B, { name: "b" });
    ipA = a.settings.IPAddress;
    gateway = a.settings.Gateway;
    assert.equal(a.networkName, "bridge");
    assert.equal(a.dnsServer, undefined, "the default bridge uses the host's resolvers");
    assert.notEqual(ipA, b.settings.IPAddress);
    assert.match(a.settings.MacAddress, /^02:42:/);
    await httpd(nsA);
    assert.equal(await wget(nsB, `http://${ipA}/`), "hello from a namespace\n");
    const port = await hostHttp(gateway, "hello from the host\n");
    assert.equal(await wget(nsB, `http://${gateway}:${port}/`), "hello from the host\n");
    const info = svc.inspect("bridge");
    assert.deepEqual(Object.keys(info.Containers).sort(), [A, B].sort());
    assert.equal(info.Options["com.docker.network.bridge.name"], BRIDGE);
  });

  test("traffic to the outside is NATed: the outside server sees the host's address", async () => {
    const seen = await wget(nsB, `http://${hostPart(outsideSubnet, 2)}/cgi-bin/addr`);
    // busybox httpd writes the peer as [::ffff:a.b.c.d]
    assert.equal(seen?.trim().replace(/^\[::ffff:(.*)\]$/, "$1"), hostPart(outsideSubnet, 1));
  });

  const C = cid("c");
  let nsC = "";
  let loopPort = 0;
  let anyPort = 0;

  test("a published port answers on 127.0.0.1 and the host's addresses, also from containers (hairpin)", async () => {
    nsC = (await svc.createSandbox(C)).netnsPath;
    await svc.connect("bridge", C, {
      name: "web",
      exposedPorts: { "80/tcp": {}, "443/tcp": {} },
      portBindings: {
        "80/tcp": [
          { HostIp: "127.0.0.1", HostPort: "" },
          { HostIp: "", HostPort: "" },
        ],
      },
    });
    const ports = svc.sandbox(C)!.ports;
    assert.equal(ports["443/tcp"], null);
    const [loop, any] = ports["80/tcp"]!;
    assert.equal(loop.HostIp, "127.0.0.1");
    assert.equal(any.HostIp, "0.0.0.0");
    loopPort = Number(loop.HostPort);
    anyPort = Number(any.HostPort);
    assert.ok(loopPort >= 32768 && anyPort >= 32768 && loopPort !== anyPort, `${loopPort} ${anyPort}`);
    await httpd(nsC);
    assert.equal(await fetchText(`http://127.0.0.1:${loopPort}/`), "hello from a namespace\n");
    assert.equal(await fetchText(`http://127.0.0.1:${anyPort}/`), "hello from a namespace\n");
    assert.equal(await fetchText(`http://${gateway}:${anyPort}/`), "hello from a namespace\n");
    // 127.0.0.1 only means 127.0.0.1
    await assert.rejects(fetch(`http://${gateway}:${loopPort}/`, { signal: AbortSignal.timeout(2000) }));
    assert.equal(
      await wget(nsB, `http://${gateway}:${anyPort}/`),
      "hello from a namespace\n",
      "from another container",
    );
    assert.equal(await wget(nsC, `http://${gateway}:${anyPort}/`), "hello from a namespace\n", "from itself");
  });

  test("a published udp port reaches the container", async () => {
    const U = cid("u");
    const nsU = (await svc.createSandbox(U)).netnsPath;
    await svc.connect("bridge", U, {
      name: "udp",
      portBindings: { "5000/udp": [{ HostIp: "127.0.0.1", HostPort: "" }] },
    });
    const port = Number(svc.sandbox(U)!.ports["5000/udp"]![0].HostPort);
    const echo = startInNs(nsU, NODE, [
      "-e",
      `const s=require("dgram").createSocket("udp4");s.on("message",(m,r)=>s.send(Buffer.concat([Buffer.from("echo:"),m]),r.port,r.address));s.bind(5000,()=>console.log("ready"))`,
    ]);
    await new Promise((r) => echo.stdout!.once("data", r));
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = createSocket("udp4");
      const timer = setTimeout(() => reject(new Error("no udp reply")), 3000);
      sock.on("message", (m) => {
        clearTimeout(timer);
        sock.close();
        resolve(m.toString());
      });
      sock.send("ping", port, "127.0.0.1");
    });
    assert.equal(reply, "echo:ping");
    await svc.releaseSandbox(U);
  });

  test("a taken host port gives Docker's errors and leaves no endpoint behind", async () => {
    const D = cid("d");
    await svc.createSandbox(D);
    await assert.rejects(
      svc.connect("bridge", D, {
        name: "dup",
        portBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(loopPort) }] },
      }),
      (err: Error) =>
        err.message ===
        `driver failed programming external connectivity on endpoint dup (${/\(([0-9a-f]{64})\)/.exec(err.message)?.[1]}): Bind for 127.0.0.1:${loopPort} failed: port is already allocated`,
    );
    const other = createTcpServer();
    await new Promise<void>((r) => other.listen(0, "127.0.0.1", r));
    const busy = (other.address() as { port: number }).port;
    try {
      await assert.rejects(
        svc.connect("bridge", D, {
          name: "dup",
          portBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(busy) }] },
        }),
        { message: new RegExp(`: failed to bind host port 127.0.0.1:${busy}/tcp: address already in use$`) },
      );
    } finally {
      other.close();
    }
    assert.deepEqual(svc.sandbox(D)!.networks, {});
    await svc.releaseSandbox(D);
    assert.equal(svc.sandbox(D), undefined);
  });

  const X = cid("x");
  const Y = cid("y");
  const Z = cid("z");
  let nsY = "";
  let ipX = "";
  let ipZ = "";
  let gw1 = "";

  test("on a user network, names, aliases, short IDs and name.network resolve through the embedded DNS", async () => {
    const { Id } = await svc.create({ Name: `front-${tag}`, Labels: { suite: "network" } });
    noteLinks();
    assert.match(Id, /^[0-9a-f]{64}$/);
    await svc.createSandbox(X);
    nsY = (await svc.createSandbox(Y)).netnsPath;
    const x = await svc.connect(`front-${tag}`, X, {
      name: "alpha",
      aliases: ["al"],
      hostname: "alpha-host",
    });
    const y = await svc.connect(Id.slice(0, 12), Y, { name: "beta" });
    ipX = x.settings.IPAddress;
    gw1 = x.settings.Gateway;
    assert.equal(x.dnsServer, "127.0.0.11");
    assert.deepEqual(x.settings.DNSNames, ["alpha", "al", X.slice(0, 12), "alpha-host"]);
    assert.ok(y.settings.IPAddress);
    for (const name of ["alpha", "AL", X.slice(0, 12), `alpha.front-${tag}`]) {
      const r = await inNs(nsY, ["nslookup", name, gw1]);
      assert.match(
        r.stdout,
        new RegExp(`Address:\\s+${ipX.replace(/\./g, "\\.")}\\b`),
        `${name}: ${r.stdout}${r.stderr}`,
      );
    }
    // 127.0.0.11 in the namespace is the same server, as Docker's embedded DNS
    const local = await inNs(nsY, ["nslookup", "alpha", "127.0.0.11"]);
    assert.match(
      local.stdout,
      new RegExp(`Address:\\s+${ipX.replace(/\./g, "\\.")}\\b`),
      local.stdout + local.stderr,
    );
    // other names go to the host's resolvers (here a stub on 127.0.0.1)
    const ext = await inNs(nsY, ["nslookup", "mirror.example", gw1]);
    assert.match(ext.stdout, /Address:\s+10\.213\.250\.9\b/, ext.stdout + ext.stderr);
  });

  test("user networks are isolated from each other until a container joins both", async () => {
    const subnet = freeSubnet();
    await svc.create({ Name: `back-${tag}`, IPAM: { Config: [{ Subnet: subnet }] } });
    noteLinks();
    const nsZ = (await svc.createSandbox(Z)).netnsPath;
    ipZ = (await svc.connect(`back-${tag}`, Z, { name: "gamma", ipv4Address: hostPart(subnet, 77) })).settings
      .IPAddress;
    assert.equal(ipZ, hostPart(subnet, 77));
    await httpd(nsZ);
    assert.equal(await wget(nsY, `http://${ipZ}/`, 1.5), undefined, "front cannot reach back");
    assert.equal(await wget(nsA, `http://${ipZ}/`, 1.5), undefined, "the default bridge cannot reach back");
    await assert.rejects(svc.create({ Name: "overlap", IPAM: { Config: [{ Subnet: subnet }] } }), {
      message: "invalid pool request: Pool overlaps with other one on this address space",
    });

    const joined = await svc.connect(`back-${tag}`, Y, { name: "beta" });
    assert.equal(Object.keys(svc.sandbox(Y)!.networks).length, 2);
    assert.notEqual(joined.settings.IPAddress, ipZ);
    assert.equal(await wget(nsY, `http://${ipZ}/`), "hello from a namespace\n");
    const r = await inNs(nsY, ["nslookup", "gamma", gw1]);
    assert.match(
      r.stdout,
      new RegExp(`Address:\\s+${ipZ.replace(/\./g, "\\.")}\\b`),
      "names of both networks resolve",
    );
    await svc.disconnect(`back-${tag}`, Y);
    assert.equal(await wget(nsY, `http://${ipZ}/`, 1.5), undefined);
    await assert.rejects(svc.remove(`back-${tag}`), {
      message:
        /^error while removing network: network back-\w+ has active endpoints \(name:"gamma" id:"[0-9a-f]{12}"\)$/,
    });
  });

  test("an internal network has no way out", async () => {
    await svc.create({ Name: `sealed-${tag}`, Internal: true });
    noteLinks();
    const I = cid("i");
    const nsI = (await svc.createSandbox(I)).netnsPath;
    const ep = await svc.connect(`sealed-${tag}`, I, {
      name: "sealed",
      portBindings: { "80/tcp": [{ HostPort: "" }] },
    });
    assert.equal(ep.settings.Gateway, "");
    assert.deepEqual(svc.sandbox(I)!.ports, {}, "ports are not published on internal networks");
    await httpd(nsI);
    assert.equal(await wget(nsI, `http://${hostPart(outsideSubnet, 2)}/`, 1.5), undefined);
    // even a container that routes through the bridge's address itself gets nowhere
    const bridgeIp = svc.inspect(`sealed-${tag}`).IPAM.Config![0].Gateway!;
    await run("nsenter", [`--net=${nsI}`, "ip", "route", "add", "default", "via", bridgeIp]);
    assert.equal(await wget(nsI, `http://${hostPart(outsideSubnet, 2)}/`, 1.5), undefined);
    assert.equal(await wget(nsI, `http://${ipA}/`, 1.5), undefined);
    assert.equal(
      await wget(nsB, `http://${ep.settings.IPAddress}/`, 2),
      undefined,
      "nor does anything get in",
    );
    await svc.releaseSandbox(I);
    await svc.remove(`sealed-${tag}`);
  });

  test("after a crash, reconcile releases what is gone and brings back what runs", async () => {
    noteLinks();
    const vethOf = (id: string) =>
      JSON.parse(readFileSync(join(dir, "run", "sandboxes", `${id}.json`), "utf8")).endpoints.map(
        (e: { hostVeth: string }) => e.hostVeth,
      ) as string[];
    const gone = vethOf(B);
    // a crash: the process dies without cleaning up (its sockets go with it), and meanwhile
    // someone removed kapsel's jump from OUTPUT and the default bridge itself
    await svc.close();
    execFileSync("ip", ["link", "del", BRIDGE]);
    execFileSync("iptables", [
      "-w",
      "-t",
      "nat",
      "-D",
      "OUTPUT",
      "-m",
      "addrtype",
      "--dst-type",
      "LOCAL",
      "-j",
      `${PREFIX}-DNAT`,
    ]);
    svc = await createNetworkService(options);
    await svc.reconcile([A, C, X, Y, Z]);

    for (const v of gone) assert.ok(!linkExists(v), `${v} of the stopped container is gone`);
    assert.ok(!isMountPoint(join(dir, "run", "netns", B)));
    assert.equal(svc.sandbox(B), undefined);
    assert.equal(
      await fetchText(`http://127.0.0.1:${loopPort}/`),
      "hello from a namespace\n",
      "published again",
    );
    assert.equal(
      await wget(nsA, `http://${svc.sandbox(C)!.networks.bridge.IPAddress}/`),
      "hello from a namespace\n",
    );
    const r = await inNs(nsY, ["nslookup", "alpha", gw1]);
    assert.match(r.stdout, new RegExp(ipX.replace(/\./g, "\\.")), "DNS serves again");
    // the ports and addresses of running containers are still theirs
    const E = cid("e");
    await svc.createSandbox(E);
    await assert.rejects(
      svc.connect("bridge", E, {
        name: "e",
        portBindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(loopPort) }] },
      }),
      { message: /port is already allocated/ },
    );
    const e = await svc.connect("bridge", E, { name: "e" });
    assert.ok(![ipA, svc.sandbox(C)!.networks.bridge.IPAddress].includes(e.settings.IPAddress));
    noteLinks();
    await svc.releaseSandbox(E);
  });

  test("releasing a sandbox removes its veth, namespace, rules and host ports", async () => {
    noteLinks();
    const veths = JSON.parse(readFileSync(join(dir, "run", "sandboxes", `${C}.json`), "utf8")).endpoints.map(
      (e: { hostVeth: string }) => e.hostVeth,
    );
    const ipC = svc.sandbox(C)!.networks.bridge.IPAddress;
    await svc.releaseSandbox(C);
    await svc.releaseSandbox(C); // idempotent
    for (const v of veths) assert.ok(await gone(v), `${v} is deleted`);
    assert.ok(!isMountPoint(nsC));
    assert.ok(!iptablesSave().includes(`${ipC}:80`), "its DNAT rules are gone");
    const again = createTcpServer();
    await new Promise<void>((resolve, reject) =>
      again.once("error", reject).listen(loopPort, "127.0.0.1", resolve),
    );
    again.close();
    await svc.remove(`back-${tag}`).catch(() => {}); // still in use by Z: refused
    const pruned = await svc.prune(new Map([["label", ["suite=network"]]]));
    assert.deepEqual(pruned.NetworksDeleted, [], "front is still used by x and y");
  });
});
