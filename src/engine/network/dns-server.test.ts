import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { test } from "node:test";
import { buildQuery, buildResponse, DNS_TYPE, parseQuery, parseResponse, RCODE } from "./dns-message.ts";
import { DnsServer } from "./dns-server.ts";

/** A stand-in for the host's resolver on 127.0.0.1: answers everything with 10.213.250.9. */
async function stubUpstream(): Promise<{ port: number; close: () => void; seen: string[] }> {
  const sock = createSocket("udp4");
  const seen: string[] = [];
  sock.on("message", (msg, r) => {
    const q = parseQuery(msg)!;
    seen.push(q.name);
    sock.send(
      buildResponse(q, RCODE.NOERROR, [{ type: DNS_TYPE.A, ttl: 5, data: "10.213.250.9" }]),
      r.port,
      r.address,
    );
  });
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", r));
  return { port: sock.address().port, close: () => sock.close(), seen };
}

function udpAsk(port: number, name: string, type: number = DNS_TYPE.A) {
  return new Promise<ReturnType<typeof parseResponse>>((resolve, reject) => {
    const sock = createSocket("udp4");
    const timer = setTimeout(() => reject(new Error("no answer")), 3000);
    sock.on("message", (m) => {
      clearTimeout(timer);
      sock.close();
      resolve(parseResponse(m));
    });
    sock.send(buildQuery(42, name, type), port, "127.0.0.1");
  });
}

function tcpAsk(port: number, name: string) {
  return new Promise<ReturnType<typeof parseResponse>>((resolve, reject) => {
    const sock = connect({ host: "127.0.0.1", port });
    let data = Buffer.alloc(0);
    sock.on("error", reject);
    sock.on("connect", () => {
      const q = buildQuery(43, name, DNS_TYPE.A);
      const head = Buffer.alloc(2);
      head.writeUInt16BE(q.length);
      sock.write(Buffer.concat([head, q]));
    });
    sock.on("data", (d) => {
      data = Buffer.concat([data, d]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
        sock.end();
        resolve(parseResponse(data.subarray(2)));
      }
    });
  });
}

test("DnsServer answers local names and forwards the rest, over UDP and TCP", async (t) => {
  const upstream = await stubUpstream();
  t.after(() => upstream.close());
  const server = await DnsServer.start({
    address: "127.0.0.1",
    port: 0,
    resolve: (_client, q) =>
      q.name === "web"
        ? { answers: [{ type: DNS_TYPE.A, ttl: 600, data: "10.213.1.2" }] }
        : q.name === "internal-only"
          ? { forward: [] }
          : { forward: ["127.0.0.1:1", `127.0.0.1:${upstream.port}`] },
  });
  t.after(() => server.close());

  assert.deepEqual((await udpAsk(server.port, "web")).answers, [
    { type: DNS_TYPE.A, ttl: 600, data: "10.213.1.2" },
  ]);
  assert.deepEqual((await tcpAsk(server.port, "web")).answers, [
    { type: DNS_TYPE.A, ttl: 600, data: "10.213.1.2" },
  ]);
  // the first upstream refuses (nothing listens), the second answers
  const fwd = await udpAsk(server.port, "mirror.example");
  assert.equal(fwd.id, 42);
  assert.deepEqual(fwd.answers, [{ type: DNS_TYPE.A, ttl: 5, data: "10.213.250.9" }]);
  assert.deepEqual(upstream.seen, ["mirror.example"]);
  assert.equal((await udpAsk(server.port, "internal-only")).rcode, RCODE.SERVFAIL);
});
