/**
 * Links and addresses as data: the `ip -batch` lines that make a bridge and plug an endpoint
 * (a veth pair, one end on the bridge, the other inside the container's namespace) into it.
 * The applier runs host lines with `ip -batch -` and namespace lines with `ip -batch -` started
 * inside the namespace by the daemon's host helper (iproute2's -n wants a name under
 * /run/netns, kapsel's namespace files live under its exec root).
 */

export interface BridgeLink {
  name: string;
  gateway: string;
  prefixLen: number;
  /** a network with IPv6: the bridge's IPv6 address (the containers' gateway) */
  ipv6?: { gateway: string; prefixLen: number };
  mtu?: number;
}

export interface EndpointLink {
  bridge: string;
  /** host end of the veth pair, e.g. veth1a2b3c4 */
  hostVeth: string;
  /** container end, eth0, eth1... */
  ifName: string;
  mac: string;
  ip: string;
  prefixLen: number;
  gateway: string;
  /** a network with IPv6: the endpoint's IPv6 address and its gateway */
  ipv6?: { ip: string; prefixLen: number; gateway: string };
  /** this endpoint carries the container's default route */
  defaultRoute: boolean;
  netnsPath: string;
  mtu?: number;
  /** extra link-local addresses (169.254/16, fe80::/64) */
  linkLocal?: string[];
  /** the interface's own sysctls, "net.X.Y.IFNAME.Z=V" (IFNAME: ifName) */
  sysctls?: string[];
}

export function bridgeLines(b: BridgeLink): string[] {
  return [`link add name ${b.name}${b.mtu ? ` mtu ${b.mtu}` : ""} type bridge`, ...bridgeAddressLines(b)];
}

/** For a bridge that exists already: idempotent. */
export function bridgeAddressLines(b: BridgeLink): string[] {
  return [
    `addr replace ${b.gateway}/${b.prefixLen} dev ${b.name}`,
    // nodad: no duplicate address detection on a bridge kapsel owns (it would delay the address)
    ...(b.ipv6 ? [`addr replace ${b.ipv6.gateway}/${b.ipv6.prefixLen} dev ${b.name} nodad`] : []),
    `link set ${b.name} up`,
  ];
}

export function endpointHostLines(e: EndpointLink): string[] {
  const mtu = e.mtu ? ` mtu ${e.mtu}` : "";
  return [
    `link add ${e.hostVeth}${mtu} type veth peer name ${e.ifName} address ${e.mac} netns ${e.netnsPath}`,
    `link set ${e.hostVeth} master ${e.bridge}`,
    // hairpin lets the bridge send a container's packets back out of its own port (Docker sets it
    // when ports are published without the userland proxy)
    `link set dev ${e.hostVeth} type bridge_slave hairpin on`,
    `link set ${e.hostVeth} up`,
  ];
}

export function endpointNetnsLines(e: EndpointLink): string[] {
  return [
    `addr add ${e.ip}/${e.prefixLen} dev ${e.ifName}`,
    ...(e.ipv6 ? [`addr add ${e.ipv6.ip}/${e.ipv6.prefixLen} dev ${e.ifName} nodad`] : []),
    ...(e.linkLocal ?? []).map((ip) => `addr add ${ip}/${ip.includes(":") ? 64 : 16} dev ${e.ifName}`),
    `link set ${e.ifName} up`,
    ...(e.defaultRoute ? [`route replace default via ${e.gateway} dev ${e.ifName}`] : []),
    ...(e.defaultRoute && e.ipv6?.gateway
      ? [`route replace default via ${e.ipv6.gateway} dev ${e.ifName}`]
      : []),
  ];
}

/** The endpoint's sysctls as paths below /proc/sys ("net/ipv4/conf/eth1/forwarding") and values. */
export function endpointSysctls(e: EndpointLink): { key: string; value: string }[] {
  return (e.sysctls ?? []).map((s) => {
    const eq = s.indexOf("=");
    const name = eq < 0 ? s : s.slice(0, eq);
    const parts = name.split(".", 5);
    parts[3] = e.ifName;
    return { key: parts.join("/"), value: eq < 0 ? "" : s.slice(eq + 1) };
  });
}

/** Deleting the host end removes its peer too. */
export function endpointRemoveLines(e: { hostVeth: string }): string[] {
  return [`link del ${e.hostVeth}`];
}
