import { createSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { KapselError } from "../../lib/errors.ts";
import type { PortRequest, Proto } from "./port-requests.ts";

/**
 * Host ports for published container ports, as moby's portallocator + OSAllocator: a port is
 * first reserved here (so two containers can never take one; "0.0.0.0" clashes with every
 * address), then really bound on the host, which proves no other program has it and keeps it
 * so none can take it later. The kernel's DNAT rules catch the traffic before it reaches
 * these sockets; they only hold the port.
 */

/** A socket that holds a host port; closing it gives the port back to the host. */
export interface HeldPort {
  close(): void;
}

/** Binds the port on the host or throws (err.code EADDRINUSE, EADDRNOTAVAIL...). */
export type PortProbe = (proto: Proto, hostIp: string, port: number) => Promise<HeldPort>;

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

  /** Reserves and binds a host port for the request; returns it. Throws Docker's errors. */
  async allocate(req: PortRequest): Promise<number> {
    const { proto, hostIp } = req;
    if (req.hostPortStart !== 0 && req.hostPortStart === req.hostPortEnd) {
      const port = req.hostPortStart;
      if (this.#clash(proto, hostIp, port))
        throw internalError(`Bind for ${hostIp}:${port} failed: port is already allocated`);
      await this.#take(proto, hostIp, port);
      return port;
    }
    const ephemeral = req.hostPortStart === 0;
    const [start, end] = ephemeral ? this.#range : [req.hostPortStart, req.hostPortEnd];
    const size = end - start + 1;
    const first = ephemeral ? this.#cursor[proto] + 1 : start;
    let lastError: unknown;
    for (let i = 0, tries = 0; i < size && tries < 10; i++) {
      const port = start + ((first - start + i + size) % size);
      if (this.#clash(proto, hostIp, port)) continue;
      try {
        await this.#take(proto, hostIp, port);
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
   * reserved without a socket (the DNAT rule still wins for traffic); returns false then.
   */
  async restore(proto: Proto, hostIp: string, port: number): Promise<boolean> {
    if (this.#clash(proto, hostIp, port)) return false;
    try {
      await this.#take(proto, hostIp, port);
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
    return holders.has(hostIp) || holders.has("0.0.0.0") || (hostIp === "0.0.0.0" && holders.size > 0);
  }

  /** Reserves first (synchronously, so concurrent requests see it), then binds. */
  async #take(proto: Proto, hostIp: string, port: number): Promise<void> {
    const holders = this.#byPort(proto, port);
    holders.set(hostIp, null);
    try {
      const held = proto === "sctp" ? null : await this.#probe(proto, hostIp, port);
      if (holders.has(hostIp)) holders.set(hostIp, held);
      else held?.close(); // released while binding
    } catch (err) {
      holders.delete(hostIp);
      if (holders.size === 0) this.#taken.delete(`${proto}/${port}`);
      const code = (err as NodeJS.ErrnoException).code;
      const reason =
        code === "EADDRINUSE"
          ? "address already in use"
          : code === "EADDRNOTAVAIL"
            ? "cannot assign requested address"
            : (err as Error).message;
      throw internalError(`failed to bind host port ${hostIp}:${port}/${proto}: ${reason}`, err);
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

/** The real probe: listen (tcp) or bind (udp) on the host, unref'd so it never keeps kapseld up. */
export const bindHostPort: PortProbe = (proto, hostIp, port) =>
  new Promise((resolve, reject) => {
    if (proto === "udp") {
      const sock = createSocket({ type: "udp4" });
      sock.once("error", reject);
      sock.bind({ address: hostIp, port, exclusive: true }, () => {
        sock.removeListener("error", reject);
        sock.on("error", () => {});
        sock.unref();
        resolve({ close: () => sock.close() });
      });
      return;
    }
    const server = createServer((conn) => conn.destroy()); // only reached if DNAT is missing
    server.once("error", reject);
    server.listen({ host: hostIp, port, exclusive: true, backlog: 1 }, () => {
      server.removeListener("error", reject);
      server.unref();
      resolve({ close: () => server.close() });
    });
  });
