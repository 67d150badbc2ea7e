import { DNS_TYPE, type DnsQuery } from "./dns-message.ts";
import type { Resolution } from "./dns-server.ts";

/**
 * What the embedded DNS answers, as moby's Sandbox.ResolveName: a container asks; the names of
 * every user network it is on are searched (container name, aliases, short ID, hostname),
 * "name.network" too, and its own --link aliases first. Pure: the service passes its endpoints.
 */

export interface DnsEndpoint {
  containerId: string;
  containerName: string;
  networkId: string;
  networkName: string;
  ip: string;
  /** on a network with IPv6: the endpoint's IPv6 address (AAAA answers) */
  ip6?: string;
  /** Docker's DNSNames: name, aliases, short ID, hostname */
  names: readonly string[];
  /** --link target:alias on a user network: the alias resolves for this container only */
  links: readonly { name: string; alias: string }[];
}

/** moby's respTTL */
export const DNS_TTL = 600;

export function resolveQuery(o: {
  endpoints: readonly DnsEndpoint[];
  /** the network whose gateway got the query (used when the client is not a known container) */
  serverNetworkId: string;
  clientIp: string;
  q: DnsQuery;
  /** where unknown names go; empty: answer SERVFAIL (internal networks) */
  upstreams: readonly string[];
}): Resolution {
  const client = o.endpoints.find((e) => e.ip === o.clientIp);
  const networks = client
    ? new Set(o.endpoints.filter((e) => e.containerId === client.containerId).map((e) => e.networkId))
    : new Set([o.serverNetworkId]);
  const visible = o.endpoints.filter((e) => networks.has(e.networkId));
  const name = o.q.name.toLowerCase().replace(/\.$/, "");
  const forward = { forward: [...o.upstreams] };

  if (o.q.type === DNS_TYPE.PTR) {
    const ip = ptrAddress(name);
    const hit = ip ? visible.find((e) => e.ip === ip) : undefined;
    if (!hit) return forward;
    return {
      answers: [{ type: DNS_TYPE.PTR, ttl: DNS_TTL, data: `${hit.containerName}.${hit.networkName}` }],
    };
  }

  const hits = lookup(name, visible, client);
  if (hits.length === 0) return forward;
  if (o.q.type === DNS_TYPE.A)
    return {
      answers: unique(hits.map((e) => e.ip)).map((ip) => ({ type: DNS_TYPE.A, ttl: DNS_TTL, data: ip })),
    };
  if (o.q.type === DNS_TYPE.AAAA) {
    const ips = unique(hits.flatMap((e) => (e.ip6 ? [e.ip6] : [])));
    return { answers: ips.map((ip) => ({ type: DNS_TYPE.AAAA, ttl: DNS_TTL, data: ip })) };
  }
  // the name is ours, just not with this type: an empty answer, not the upstream's NXDOMAIN
  if (o.q.type === DNS_TYPE.MX) return { answers: [] };
  return forward;
}

const unique = (xs: string[]) => [...new Set(xs)];

/** The endpoints a name stands for, as the client sees them (its links first). */
function lookup(
  name: string,
  visible: readonly DnsEndpoint[],
  client: DnsEndpoint | undefined,
): DnsEndpoint[] {
  if (client) {
    const clientLinks = visible.filter((e) => e.containerId === client.containerId).flatMap((e) => e.links);
    const linked = visible.filter((e) =>
      clientLinks.some(
        (link) =>
          (link.alias.toLowerCase() === name || link.name.toLowerCase() === name) &&
          e.containerName.toLowerCase() === link.name.toLowerCase(),
      ),
    );
    if (linked.length > 0) return linked;
  }
  return visible.filter((e) => {
    const net = e.networkName.toLowerCase();
    const short = name.endsWith(`.${net}`) ? name.slice(0, -net.length - 1) : undefined;
    return e.names.some((n) => n.toLowerCase() === name || n.toLowerCase() === short);
  });
}

/** "4.3.2.10.in-addr.arpa" → "10.2.3.4" */
function ptrAddress(name: string): string | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.in-addr\.arpa$/.exec(name);
  return m ? `${m[4]}.${m[3]}.${m[2]}.${m[1]}` : undefined;
}

/** Nameservers of a resolv.conf text ("ip" entries, port 53). */
export function resolvConfNameservers(text: string): string[] {
  return text
    .split("\n")
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined);
}
