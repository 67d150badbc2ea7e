import type { Socket as UdpSocket } from "node:dgram";
import { createSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import type { ProxyTarget } from "./port-allocator.ts";

/**
 * kapseld's userland proxy, what docker-proxy is to dockerd, for the one case the kernel's DNAT
 * cannot serve: a port published on a host IPv6 address ("-p 8080:80" means [::]:8080 too) of a
 * container reached over IPv4. Each connection (tcp) or client address (udp) gets its own
 * connection to the container.
 */

/** A connection handler for a server that forwards each connection to the target. */
export function proxyTcp(target: ProxyTarget): (client: Socket) => void {
  return (client) => {
    const upstream = connect({ host: target.ip, port: target.port, allowHalfOpen: true });
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop);
    upstream.on("error", drop);
    client.on("close", drop);
    upstream.on("close", drop);
    // each direction's end is passed on (a half-close), as docker-proxy does
    client.pipe(upstream);
    upstream.pipe(client);
  };
}

/** How long a udp client's flow lives without traffic (docker-proxy's UDPConnTrackTimeout). */
const UDP_IDLE_MS = 90_000;

/** Forwards the datagrams a bound socket receives; returns what stops every flow. */
export function proxyUdp(server: UdpSocket, target: ProxyTarget): () => void {
  const flows = new Map<string, { sock: UdpSocket; timer: NodeJS.Timeout }>();
  const end = (key: string) => {
    const flow = flows.get(key);
    if (!flow) return;
    flows.delete(key);
    clearTimeout(flow.timer);
    flow.sock.close();
  };
  server.on("message", (msg, from) => {
    const key = `[${from.address}]:${from.port}`;
    let flow = flows.get(key);
    if (!flow) {
      const sock = createSocket("udp4");
      sock.on("error", () => end(key));
      sock.on("message", (reply) => server.send(reply, from.port, from.address));
      sock.unref();
      flow = { sock, timer: setTimeout(() => end(key), UDP_IDLE_MS).unref() };
      flows.set(key, flow);
    }
    flow.timer.refresh();
    flow.sock.send(msg, target.port, target.ip);
  });
  return () => {
    for (const key of [...flows.keys()]) end(key);
  };
}
