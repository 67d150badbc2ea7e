import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { KapselError } from "../../lib/errors.ts";
import { joinHostPort } from "../../lib/host-port.ts";
import { proxyTcp, proxyUdp } from "./port-proxy.ts";
import type { PortRequest, Proto } from "./port-requests.ts";

/**
 * Host ports for published container ports, as moby's portallocator + OSAllocator: a port is
 * first reserved here (so two containers can never take one; "0.0.0.0" clashes with every IPv4
 * address, "::" with every IPv6 one), then really bound on the host, which proves no other
 * program has it and keeps it so none can take it later. For IPv4 the kernel's DNAT rules catch
 * the traffic before it reaches these sockets, which only hold the port; an IPv6 socket is
 * kapseld's userland proxy to the container (port-proxy.ts), as docker-proxy is dockerd's.
 */

/** A socket that holds a host port; closing it gives the port back to the host. */
export interface HeldPort {
  close(): void;
}

/** Where an IPv6 host port's proxy forwards to: the container's IPv4 address and port. */
export interface ProxyTarget {
  ip: string;
  port: number;
}

/** Binds the port on the host or throws (err.code EADDRINUSE, EADDRNOTAVAIL...). */
export type PortProbe = (
  proto: Proto,
  hostIp: string,
  port: number,
  target?: ProxyTarget,
) => Promise<HeldPort>;

export class PortAllocator {
  readonly #range: [number, number];
  readonly #probe: PortProbe;
  /** "tcp/8080" → host ip → the socket that holds it (null while being bound, or for sctp) */
  readonly #taken = new Map<string, Map<string, HeldPort | null>>();
  readonly #cursor: Record<Proto, number>;

  constructor(o: { range?: [number, number]; probe?: PortProbe } = {}) {
    this.#range = o.range ?? ephemeralRange();
    this.#probe = o.probe ?? bindHostPort;
    this.#cursor = { tcp: this.#range[0] - 1, udp: this.#range[0] - 1, sctp: this.#range[0] - 1 };
  }

  /**
   * Reserves and binds one host port on each of the request's addresses; returns it. Throws
   * Docker's errors. `target` is the container's end, for the IPv6 addresses' proxies.
   */
  async allocate(req: PortRequest, target?: ProxyTarget): Promise<number> {
    const { proto, hostIps } = req;
    if (req.hostPortStart !== 0 && req.hostPortStart === req.hostPortEnd) {
      const port = req.hostPortStart;
      await this.#takeAll(proto, hostIps, port, target, true);
      return port;
    }
    const ephemeral = req.hostPortStart === 0;
    const [start, end] = ephemeral ? this.#range : [req.hostPortStart, req.hostPortEnd];
    const size = end - start + 1;
    const first = ephemeral ? this.#cursor[proto] + 1 : start;
    let lastError: unknown;
    for (let i = 0, tries = 0; i < size && tries < 10; i++) {
      const port = start + ((first - start + i + size) % size);
      if (hostIps.some((ip) => this.#clash(proto, ip, port))) continue;
      try {
        await this.#takeAll(proto, hostIps, port, target, false);
        if (ephemeral) this.#cursor[proto] = port;
        return port;
      } catch (err) {
        lastError = err; // taken by some program: moby tries the next one, up to 10 times
        tries++;
      }
    }
    throw lastError ?? internalError("all ports are allocated");
  }

  /**
   * Takes a port recorded before a daemon restart. A port some program grabbed meanwhile stays
   * reserved without a socket (the DNAT rule still wins for IPv4 traffic); returns false then.
   */
  async restore(proto: Proto, hostIp: string, port: number, target?: ProxyTarget): Promise<boolean> {
    if (this.#clash(proto, hostIp, port)) return false;
    try {
      await this.#take(proto, hostIp, port, target);
      return true;
    } catch {
      this.#byPort(proto, port).set(hostIp, null);
      return false;
    }
  }

  release(proto: Proto, hostIp: string, port: number): void {
    const holders = this.#taken.get(`${proto}/${port}`);
    holders?.get(hostIp)?.close();
    holders?.delete(hostIp);
    if (holders?.size === 0) this.#taken.delete(`${proto}/${port}`);
  }

  releaseAll(): void {
    for (const holders of this.#taken.values()) for (const h of holders.values()) h?.close();
    this.#taken.clear();
  }

  #byPort(proto: Proto, port: number): Map<string, HeldPort | null> {
    const key = `${proto}/${port}`;
    let holders = this.#taken.get(key);
    if (!holders) this.#taken.set(key, (holders = new Map()));
    return holders;
  }

  #clash(proto: Proto, hostIp: string, port: number): boolean {
    const holders = this.#taken.get(`${proto}/${port}`);
    if (!holders) return false;
    const any = hostIp.includes(":") ? "::" : "0.0.0.0";
    if (holders.has(hostIp) || holders.has(any)) return true;
    return hostIp === any && [...holders.keys()].some((ip) => ip.includes(":") === (any === "::"));
  }

  /**
   * Every address or none: all reserved first (synchronously, so concurrent requests see them),
   * then bound; what was taken is given back when one fails.
   */
  async #takeAll(
    proto: Proto,
    hostIps: readonly string[],
    port: number,
    target: ProxyTarget | undefined,
    fixed: boolean,
  ): Promise<void> {
    const clash = hostIps.find((ip) => this.#clash(proto, ip, port));
    if (clash !== undefined) {
      const why = fixed ? "port is already allocated" : "port was just taken";
      throw internalError(`Bind for ${joinHostPort(clash, port)} failed: ${why}`);
    }
    const holders = this.#byPort(proto, port);
    for (const ip of hostIps) holders.set(ip, null);
    try {
      for (const ip of hostIps) await this.#bind(proto, ip, port, target);
    } catch (err) {
      for (const ip of hostIps) this.release(proto, ip, port);
      throw err;
    }
  }

  /** Reserves first (synchronously, so concurrent requests see it), then binds. */
  async #take(proto: Proto, hostIp: string, port: number, target?: ProxyTarget): Promise<void> {
    this.#byPort(proto, port).set(hostIp, null);
    try {
      await this.#bind(proto, hostIp, port, target);
    } catch (err) {
      this.release(proto, hostIp, port);
      throw err;
    }
  }

  /** Binds a reserved port and keeps its socket; throws moby's error. */
  async #bind(proto: Proto, hostIp: string, port: number, target?: ProxyTarget): Promise<void> {
    try {
      const held = proto === "sctp" ? null : await this.#probe(proto, hostIp, port, target);
      const holders = this.#taken.get(`${proto}/${port}`);
      if (holders?.has(hostIp)) holders.set(hostIp, held);
      else held?.close(); // released while binding
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason =
        code === "EADDRINUSE"
          ? "address already in use"
          : code === "EADDRNOTAVAIL"
            ? "cannot assign requested address"
            : (err as Error).message;
      throw internalError(`failed to bind host port ${joinHostPort(hostIp, port)}/${proto}: ${reason}`, err);
    }
  }
}

function internalError(msg: string, cause?: unknown): KapselError {
  return new KapselError("internal", msg, { cause });
}

/** The kernel's ephemeral range (Docker reads the same file), 32768-60999 by default. */
export function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/);
    if (Number(lo) > 0 && Number(hi) >= Number(lo)) return [Number(lo), Number(hi)];
  } catch {}
  return [32768, 60999];
}

/**
 * The real probe: listen (tcp) or bind (udp) on the host, unref'd so it never keeps kapseld up.
 * An IPv6 address with a target becomes the proxy to it; IPv6 sockets are IPv6-only, so that
 * "::" and "0.0.0.0" are two bindings of one port, as in Docker.
 */
export const bindHostPort: PortProbe = (proto, hostIp, port, target) =>
  new Promise((resolve, reject) => {
    const ipv6Only = hostIp.includes(":");
    const proxy = ipv6Only ? target : undefined;
    if (proto === "udp") {
      const sock = createSocket({ type: ipv6Only ? "udp6" : "udp4", ipv6Only });
      sock.once("error", reject);
      sock.bind({ address: hostIp, port, exclusive: true }, () => {
        sock.removeListener("error", reject);
        sock.on("error", () => {});
        sock.unref();
        const stop = proxy ? proxyUdp(sock, proxy) : undefined;
        resolve({
          close: () => {
            stop?.();
            sock.close();
          },
        });
      });
      return;
    }
    // without a proxy, only reached if the DNAT rule is missing
    const server = createServer({ allowHalfOpen: true }, proxy ? proxyTcp(proxy) : (conn) => conn.destroy());
    server.once("error", reject);
    server.listen({ host: hostIp, port, exclusive: true, ipv6Only, backlog: proxy ? 511 : 1 }, () => {
      server.removeListener("error", reject);
      server.unref();
      resolve({ close: () => server.close() });
    });
  });
