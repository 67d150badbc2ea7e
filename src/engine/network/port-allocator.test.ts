import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { connect, createServer } from "node:net";
import { test } from "node:test";
import { bindHostPort, PortAllocator, type PortProbe } from "./port-allocator.ts";
import type { PortRequest } from "./port-requests.ts";

const req = (hostIp: string, start: number, end = start, proto: "tcp" | "udp" = "tcp"): PortRequest => ({
  proto,
  containerPort: 80,
  hostIps: hostIp.split(","),
  hostPortStart: start,
  hostPortEnd: end,
});

/** A probe that pretends `busy` ports belong to some other program. */
function fakeProbe(busy: number[] = []) {
  const held = new Set<string>();
  const probe: PortProbe = async (proto, ip, port) => {
    if (busy.includes(port)) throw Object.assign(new Error("in use"), { code: "EADDRINUSE" });
    held.add(`${proto}/${ip}:${port}`);
    return { close: () => held.delete(`${proto}/${ip}:${port}`) };
  };
  return { probe, held };
}

test("a reserved port is refused with Docker's message, across 0.0.0.0 and specific addresses", async () => {
  const { probe } = fakeProbe();
  const ports = new PortAllocator({ range: [40000, 40009], probe });
  assert.equal(await ports.allocate(req("0.0.0.0", 8080)), 8080);
  await assert.rejects(ports.allocate(req("0.0.0.0", 8080)), {
    message: "Bind for 0.0.0.0:8080 failed: port is already allocated",
  });
  await assert.rejects(ports.allocate(req("127.0.0.1", 8080)), {
    message: "Bind for 127.0.0.1:8080 failed: port is already allocated",
  });
  assert.equal(await ports.allocate(req("127.0.0.1", 8080, 8080, "udp")), 8080);
  ports.release("tcp", "0.0.0.0", 8080);
  assert.equal(await ports.allocate(req("127.0.0.1", 8080)), 8080);
  await assert.rejects(ports.allocate(req("0.0.0.0", 8080)), /port is already allocated/);
});

test("a port some program holds gives the bind error", async () => {
  const ports = new PortAllocator({ range: [40000, 40009], probe: fakeProbe([8080]).probe });
  await assert.rejects(ports.allocate(req("127.0.0.1", 8080)), {
    message: "failed to bind host port 127.0.0.1:8080/tcp: address already in use",
  });
  // and the failed attempt leaves no reservation behind
  const again = new PortAllocator({ range: [40000, 40009], probe: fakeProbe().probe });
  assert.equal(await again.allocate(req("127.0.0.1", 8080)), 8080);
});

test("ephemeral ports go up from the last one and skip busy ones", async () => {
  const { probe, held } = fakeProbe([40001]);
  const ports = new PortAllocator({ range: [40000, 40003], probe });
  assert.equal(await ports.allocate(req("0.0.0.0", 0, 0)), 40000);
  assert.equal(await ports.allocate(req("0.0.0.0", 0, 0)), 40002);
  ports.release("tcp", "0.0.0.0", 40000);
  assert.equal(await ports.allocate(req("0.0.0.0", 0, 0)), 40003);
  assert.equal(await ports.allocate(req("0.0.0.0", 0, 0)), 40000);
  await assert.rejects(ports.allocate(req("0.0.0.0", 0, 0)));
  assert.equal(held.size, 3);
  ports.releaseAll();
  assert.equal(held.size, 0);
});

test("a host port range takes its first free port", async () => {
  const ports = new PortAllocator({ range: [40000, 40003], probe: fakeProbe([7000]).probe });
  assert.equal(await ports.allocate(req("0.0.0.0", 7000, 7002)), 7001);
  assert.equal(await ports.allocate(req("0.0.0.0", 7000, 7002)), 7002);
  await assert.rejects(ports.allocate(req("0.0.0.0", 7000, 7002)));
});

test("concurrent requests for one port: exactly one wins", async () => {
  const ports = new PortAllocator({ range: [40000, 40003], probe: fakeProbe().probe });
  const results = await Promise.allSettled([
    ports.allocate(req("0.0.0.0", 9000)),
    ports.allocate(req("0.0.0.0", 9000)),
  ]);
  assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
});

test("0.0.0.0 and :: take one port together, and clash only within their family", async () => {
  const { probe, held } = fakeProbe([40001]);
  const ports = new PortAllocator({ range: [40000, 40003], probe });
  assert.equal(await ports.allocate(req("0.0.0.0,::", 8080)), 8080);
  assert.deepEqual([...held].sort(), ["tcp/0.0.0.0:8080", "tcp/:::8080"]);
  await assert.rejects(ports.allocate(req("::1", 8080)), {
    message: "Bind for [::1]:8080 failed: port is already allocated",
  });
  ports.release("tcp", "::", 8080);
  assert.equal(await ports.allocate(req("::1", 8080)), 8080);
  await assert.rejects(ports.allocate(req("::", 8080)), /Bind for \[::\]:8080 failed/);
  // an ephemeral pair skips a port either family has taken; a failed bind frees its partner
  ports.releaseAll();
  assert.equal(await ports.allocate(req("127.0.0.1", 40000)), 40000);
  assert.equal(await ports.allocate(req("0.0.0.0,::", 0, 0)), 40002);
  assert.deepEqual([...held].sort(), ["tcp/0.0.0.0:40002", "tcp/127.0.0.1:40000", "tcp/:::40002"]);
});

test("bindHostPort on :: proxies connections to the target, beside a 0.0.0.0 socket", async (t) => {
  const echo = createServer((c) => c.pipe(c));
  await new Promise<void>((r) => echo.listen({ host: "127.0.0.1", port: 0 }, r));
  t.after(() => echo.close());
  const target = { ip: "127.0.0.1", port: (echo.address() as { port: number }).port };
  const v4 = await bindHostPort("tcp", "0.0.0.0", 0);
  t.after(() => v4.close());
  const free = await new Promise<number>((r) => {
    const s = createServer().listen({ host: "::1", port: 0, ipv6Only: true }, () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });
  const v6 = await bindHostPort("tcp", "::", free, target);
  t.after(() => v6.close());
  const reply = await new Promise<string>((resolve, reject) => {
    const c = connect({ host: "::1", port: free }, () => c.end("ping"));
    let got = "";
    c.on("data", (d) => (got += d))
      .on("end", () => resolve(got))
      .on("error", reject);
  });
  assert.equal(reply, "ping");

  const udpEcho = createSocket("udp4");
  await new Promise<void>((r) => udpEcho.bind({ address: "127.0.0.1", port: 0 }, r));
  udpEcho.on("message", (m, from) => udpEcho.send(m, from.port, from.address));
  t.after(() => udpEcho.close());
  const u6 = await bindHostPort("udp", "::", free, { ip: "127.0.0.1", port: udpEcho.address().port });
  t.after(() => u6.close());
  const client = createSocket({ type: "udp6" });
  t.after(() => client.close());
  const answer = new Promise<string>((r) => client.once("message", (m) => r(String(m))));
  client.send("hello", free, "::1");
  assert.equal(await answer, "hello");
});

test("bindHostPort really holds a port on 127.0.0.1 until closed", async () => {
  const other = createServer();
  await new Promise<void>((r) => other.listen({ host: "127.0.0.1", port: 0 }, r));
  const port = (other.address() as { port: number }).port;
  await assert.rejects(bindHostPort("tcp", "127.0.0.1", port), { code: "EADDRINUSE" });
  await new Promise((r) => other.close(r));

  const mine = await bindHostPort("tcp", "127.0.0.1", port);
  const late = createServer();
  await assert.rejects(
    new Promise((resolve, reject) =>
      late.once("error", reject).listen({ host: "127.0.0.1", port }, () => resolve(0)),
    ),
    { code: "EADDRINUSE" },
  );
  mine.close();

  const udp = await bindHostPort("udp", "127.0.0.1", port);
  await assert.rejects(bindHostPort("udp", "127.0.0.1", port), { code: "EADDRINUSE" });
  udp.close();
});
