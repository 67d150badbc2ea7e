import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, createServer, type Server, type Socket } from "node:net";
import { buildResponse, type DnsAnswer, type DnsQuery, parseQuery, RCODE } from "./dns-message.ts";

/**
 * One embedded DNS server, UDP and TCP on one address (a user network's gateway, port 53).
 * It asks `resolver` first; names it does not know go, as bytes, to the upstream servers the
 * resolver names for the client (the host's, or the container's --dns), one after the other.
 *
 * Why the gateway: a socket inside every container's namespace needs a process per container,
 * while kapseld can listen on the gateway from the host, once per network (Podman's aardvark-dns
 * does the same). Containers still ask Docker's 127.0.0.11: two nat rules in each namespace send
 * it here (firewall-plan.ts resolverRedirectScript). Forwarding from the host also reaches a host
 * resolver on 127.0.0.53, which a container could not.
 */

export type Resolution =
  /** answer locally (answers may be empty: the name exists, not with that type) */
  | { answers: DnsAnswer[] }
  /** not a local name: forward to these servers ("ip" or "ip:port"); none → SERVFAIL */
  | { forward: string[] };

export type DnsResolver = (clientIp: string, q: DnsQuery) => Resolution;

const UPSTREAM_TIMEOUT_MS = 2000;

export class DnsServer {
  readonly address: string;
  readonly port: number;
  readonly #udp: UdpSocket;
  readonly #tcp: Server;
  readonly #resolve: DnsResolver;
  readonly #log: (msg: string) => void;

  private constructor(
    address: string,
    port: number,
    udp: UdpSocket,
    tcp: Server,
    resolve: DnsResolver,
    log: (m: string) => void,
  ) {
    this.address = address;
    this.port = port;
    this.#udp = udp;
    this.#tcp = tcp;
    this.#resolve = resolve;
    this.#log = log;
  }

  /** Binds UDP and TCP; throws (EADDRINUSE...) when it cannot. Port 0 picks one (tests). */
  static async start(o: {
    address: string;
    port?: number;
    resolve: DnsResolver;
    log?: (msg: string) => void;
  }): Promise<DnsServer> {
    const udp = createSocket({ type: "udp4" });
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind({ address: o.address, port: o.port ?? 53, exclusive: true }, () => {
        udp.removeListener("error", reject);
        resolve();
      });
    });
    const port = udp.address().port;
    const tcp = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen({ host: o.address, port }, () => {
          tcp.removeListener("error", reject);
          resolve();
        });
      });
    } catch (err) {
      udp.close();
      throw err;
    }
    udp.unref();
    tcp.unref();
    const server = new DnsServer(o.address, port, udp, tcp, o.resolve, o.log ?? (() => {}));
    udp.on("message", (msg, rinfo) => void server.#onUdp(msg, rinfo.address, rinfo.port));
    udp.on("error", (err) => server.#log(`dns ${o.address}: ${err.message}`));
    tcp.on("connection", (sock) => server.#onTcp(sock));
    return server;
  }

  close(): void {
    this.#udp.close();
    this.#tcp.close();
  }

  async #answer(msg: Buffer, clientIp: string, proto: "udp" | "tcp"): Promise<Buffer | undefined> {
    const q = parseQuery(msg);
    if (!q) return undefined;
    let r: Resolution;
    try {
      r = this.#resolve(clientIp, q);
    } catch (err) {
      this.#log(`dns ${q.name}: ${(err as Error).message}`);
      return buildResponse(q, RCODE.SERVFAIL);
    }
    if ("answers" in r) return buildResponse(q, RCODE.NOERROR, r.answers);
    for (const upstream of r.forward) {
      const reply = await (proto === "udp" ? forwardUdp : forwardTcp)(msg, upstream).catch(() => undefined);
      if (reply && reply.length >= 12 && reply.readUInt16BE(0) === q.id) {
        const rcode = reply.readUInt16BE(2) & 0xf;
        if (rcode !== RCODE.SERVFAIL && rcode !== RCODE.REFUSED) return reply; // else try the next, as moby
      }
    }
    return buildResponse(q, RCODE.SERVFAIL);
  }

  async #onUdp(msg: Buffer, address: string, port: number): Promise<void> {
    const reply = await this.#answer(msg, address, "udp");
    if (reply) this.#udp.send(reply, port, address);
  }

  #onTcp(sock: Socket): void {
    let pending = Buffer.alloc(0);
    let queue = Promise.resolve(); // one answer at a time, in order, per connection
    const clientIp = sock.remoteAddress?.replace(/^::ffff:/, "") ?? "";
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on("error", () => {});
    sock.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const msg = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + msg.length);
        queue = queue.then(async () => {
          const reply = await this.#answer(msg, clientIp, "tcp");
          if (!reply || sock.destroyed) return;
          const head = Buffer.alloc(2);
          head.writeUInt16BE(reply.length, 0);
          sock.write(Buffer.concat([head, reply]));
        });
      }
    });
  }
}

function splitHostPort(upstream: string): { host: string; port: number } {
  const colon = upstream.lastIndexOf(":");
  return colon > 0 && !upstream.includes("::")
    ? { host: upstream.slice(0, colon), port: Number(upstream.slice(colon + 1)) }
    : { host: upstream, port: 53 };
}

/** One query over a fresh UDP socket, so answers can never be mixed up between clients. */
function forwardUdp(msg: Buffer, upstream: string): Promise<Buffer> {
  const { host, port } = splitHostPort(upstream);
  return new Promise((resolve, reject) => {
    const sock = createSocket({ type: host.includes(":") ? "udp6" : "udp4" });
    const timer = setTimeout(() => done(new Error("timeout")), UPSTREAM_TIMEOUT_MS);
    let finished = false;
    const done = (err?: Error, reply?: Buffer) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    sock.on("error", (err) => done(err));
    sock.on("message", (reply) => done(undefined, reply));
    // connected, so a closed port comes back at once as ECONNREFUSED instead of a timeout
    sock.connect(port, host, () => sock.send(msg, (err) => err && done(err)));
  });
}

function forwardTcp(msg: Buffer, upstream: string): Promise<Buffer> {
  const { host, port } = splitHostPort(upstream);
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    let data = Buffer.alloc(0);
    sock.setTimeout(UPSTREAM_TIMEOUT_MS, () => sock.destroy(new Error("timeout")));
    sock.on("error", reject);
    sock.on("connect", () => {
      const head = Buffer.alloc(2);
      head.writeUInt16BE(msg.length, 0);
      sock.write(Buffer.concat([head, msg]));
    });
    sock.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
        sock.end();
        resolve(data.subarray(2, 2 + data.readUInt16BE(0)));
      }
    });
    sock.on("close", () => reject(new Error("closed")));
  });
}
