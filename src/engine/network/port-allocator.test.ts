import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { bindHostPort, PortAllocator, type PortProbe } from "./port-allocator.ts";
import type { PortRequest } from "./port-requests.ts";

const req = (hostIp: string, start: number, end = start, proto: "tcp" | "udp" = "tcp"): PortRequest => ({
  proto,
  containerPort: 80,
  hostIp,
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
