/**
 * network: Docker's networks on one host. It owns the networks (the default "bridge", "host",
 * "none", and user-defined bridge networks), IP address management, each running container's
 * network namespace and its endpoints (veth pairs on Linux bridges), published ports (kernel
 * DNAT; on host IPv6 addresses kapseld's own proxy, as dockerd's userland proxy), outbound NAT,
 * isolation between networks, and an embedded DNS server per user network (on its gateway,
 * port 53; containers ask 127.0.0.11, redirected there in their namespace) that answers
 * container names, aliases and short IDs and forwards other names to the host's resolvers.
 *
 * IPv6 (a user network created with EnableIPv6): the network gets an IPv6 subnet (the request's,
 * or a /64 of the daemon's ULA /48 kept in <root>/ipv6-pool), the bridge its gateway address,
 * each endpoint an address and a default route, the DNS AAAA answers, /etc/hosts a line. IPv6
 * stays inside its network: no IPv6 NAT or routing, ports published on a host IPv6 address go
 * through kapseld's proxy to the container's IPv4 address (an ip6tables chain drops
 * what would cross a bridge, where the host forwards IPv6). The default bridge is IPv4 only.
 * As in Docker 28, a container's interfaces have IPv6 off (no link-local address, no router
 * advertisements) unless their network has IPv6; its loopback keeps ::1.
 *
 * It plans, then acts (STYLE rule 5): link-plan.ts and firewall-plan.ts turn records into
 * `ip` lines and iptables rules; kernel-applier.ts runs them. Firewall rules live only in
 * kapsel's own chains (<prefix>-FWD, -ISO, -IN in filter; -DNAT, -POST in nat) plus one jump
 * each from FORWARD, INPUT, PREROUTING, OUTPUT and POSTROUTING; nothing else is touched.
 *
 * On disk:
 *   <root>/networks/<id>.json              one network's configuration (root = <data-root>/network)
 *   <execRoot>/sandboxes/<container>.json  a running container's namespace, endpoints, addresses
 *                                          and ports (execRoot = <exec-root>/network)
 *   <execRoot>/netns/<container>           its network namespace, bind-mounted (like `ip netns add`)
 * Kernel state (bridges, veths, rules) outlives kapseld on purpose: containers keep running
 * across a daemon restart, and `reconcile` settles both sides at start-up.
 *
 * Left to others: containers decides when to call createSandbox/connect/releaseSandbox and
 * writes /etc/hosts and /etc/resolv.conf from what connect returns; runtime joins the
 * namespace through the OCI spec (SpecInput.network = { path: netnsPath }). Legacy --link
 * environment variables and hosts lines are the containers domain's too.
 * Events (through opts.events, Docker's network actions): create, connect, disconnect, destroy, prune.
 */
import type { AddressPool } from "./ipam.ts";
import { createBridgeNetworkService } from "./network-service.ts";
import type { EndpointSettings, NetworkResource, PortMap } from "./network-views.ts";
import type { PortBindingInput } from "./port-requests.ts";

export { DEFAULT_ADDRESS_POOLS } from "./ipam.ts";
export type { NetworkContainer } from "./network-views.ts";
export type { AddressPool, EndpointSettings, NetworkResource, PortBindingInput, PortMap };

export type NetworkLogger = (level: "debug" | "info" | "warn" | "error", msg: string) => void;

export interface NetworkServiceOptions {
  /** <data-root>/network */
  root: string;
  /** <exec-root>/network */
  execRoot: string;
  events?: (action: string, networkId: string, attrs: Record<string, string>) => void;
  log?: NetworkLogger;
  /** the default network's Linux bridge (dockerd --bridge); default kapsel0 */
  bridgeName?: string;
  /** the default bridge's gateway and subnet, "10.213.0.1/24" (dockerd --bip); default: the first free pool */
  bip?: string;
  /** where subnets of new networks come from (dockerd default-address-pools) */
  defaultAddressPools?: AddressPool[];
  /** iptables chain prefix; default KAPSEL for kapsel0, KAPSEL-<bridge> otherwise (≤ 23 characters) */
  chainPrefix?: string;
  /** upstream resolvers ("ip" or "ip:port") for names the embedded DNS does not know; default: /etc/resolv.conf */
  dnsUpstreams?: string[];
  /**
   * dockerd --userland-proxy (default true): ports on host IPv6 addresses are served by kapseld's
   * proxy to the container's IPv4 address. Off, as in dockerd, they are left out.
   */
  userlandProxy?: boolean;
}

/** POST /networks/create's body. */
export interface NetworkCreateRequest {
  Name: string;
  Driver?: string;
  Internal?: boolean;
  Attachable?: boolean;
  EnableIPv6?: boolean;
  EnableIPv4?: boolean;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
  IPAM?: {
    Driver?: string;
    Config?:
      | { Subnet?: string; IPRange?: string; Gateway?: string; AuxiliaryAddresses?: Record<string, string> }[]
      | null;
    Options?: Record<string, string> | null;
  } | null;
}

export interface ConnectOptions {
  /** the container's name, without the slash (the endpoint's name, a DNS name) */
  name: string;
  hostname?: string;
  /** --network-alias / EndpointSettings.Aliases (user networks only) */
  aliases?: string[];
  /** --ip / EndpointSettings.IPAMConfig.IPv4Address */
  ipv4Address?: string;
  /** --ip6 / EndpointSettings.IPAMConfig.IPv6Address (on a network without IPv6: only recorded) */
  ipv6Address?: string;
  /** --link-local-ip / EndpointSettings.IPAMConfig.LinkLocalIPs: extra addresses on the interface */
  linkLocalIps?: string[];
  /**
   * DriverOpts' com.docker.network.endpoint.sysctls: "net.X.Y.IFNAME.Z=V" settings of the
   * container's interface on this network (IFNAME stands for its name), as Docker 28
   */
  sysctls?: string[];
  /** DriverOpts' com.docker.network.endpoint.ifname: the interface's name in the container */
  ifName?: string;
  /** EndpointSettings.GwPriority: the endpoint with the highest gives the default route (Docker 28) */
  gwPriority?: number;
  /** --mac-address; default 02:42 followed by the address */
  macAddress?: string;
  /** HostConfig.PortBindings; published on the first non-internal network the container joins */
  portBindings?: Record<string, PortBindingInput[] | null> | null;
  /** Config.ExposedPorts */
  exposedPorts?: Record<string, unknown> | null;
  /** -P */
  publishAll?: boolean;
  /** --link target:alias; on user networks the alias resolves (for this container only) */
  links?: { name: string; alias: string }[];
  /** --dns: the embedded DNS forwards this container's other names here instead of the host's */
  dns?: string[];
}

export interface ConnectResult {
  /** Docker's EndpointSettings for NetworkSettings.Networks[<network name>] */
  settings: EndpointSettings;
  networkName: string;
  /**
   * The nameserver for the container's /etc/resolv.conf: the embedded DNS server (user networks),
   * undefined on the default bridge (which uses the host's resolvers, as Docker).
   */
  dnsServer?: string;
}

export interface SandboxInfo {
  netnsPath: string;
  /** network name → endpoint */
  networks: Record<string, EndpointSettings>;
  /** NetworkSettings.Ports */
  ports: PortMap;
}

export interface NetworkService {
  /** Docker's errors: conflict for a taken name, forbidden for predefined names and overlapping subnets. */
  create(req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }>;
  /** GET /networks: sorted by name; Containers stays empty, as Docker since API 1.28. */
  list(filters?: Map<string, string[]>): NetworkResource[];
  /** By full ID, then exact name, then ID prefix; "network x not found" (not_found), ambiguous (invalid). */
  inspect(idOrName: string): NetworkResource;
  /** Refuses predefined networks and networks with endpoints (forbidden, Docker's words). */
  remove(idOrName: string): Promise<void>;
  /** Removes user networks no running container uses; returns their names. */
  prune(filters?: Map<string, string[]>): Promise<{ NetworksDeleted: string[] }>;

  /**
   * A network namespace for a container (loopback up), bound to a file under execRoot; pass
   * the path to the OCI spec. Idempotent: an existing sandbox is returned as is.
   */
  createSandbox(containerId: string): Promise<{ netnsPath: string }>;
  /**
   * Plugs the sandbox into a network: address (IPAM), veth, default route (first non-internal
   * network), published ports (first non-internal network), DNS names. All or nothing: on
   * failure nothing of the endpoint is left. Needs createSandbox first.
   */
  connect(network: string, containerId: string, o: ConnectOptions): Promise<ConnectResult>;
  /** Unplugs one endpoint; its ports and address are freed. */
  disconnect(network: string, containerId: string, force?: boolean): Promise<void>;
  /**
   * Everything of a container: endpoints, ports, namespace. Idempotent; unknown ids are fine.
   * The host ends of its veths may take a few more milliseconds to vanish (the kernel deletes
   * them after RCU grace periods); their addresses are not handed out before they are gone.
   */
  releaseSandbox(containerId: string): Promise<void>;
  /** A container joining (at its start) or leaving host or none, which have no sandbox: the event Docker sends. */
  announce(action: "connect" | "disconnect", network: "host" | "none", containerId: string): void;
  /** The live view of a container's networking, undefined when it has no sandbox. */
  sandbox(containerId: string): SandboxInfo | undefined;
  /**
   * At start-up (after a crash too): bridges and rules re-made for what the records say,
   * sandboxes of containers not in `running` released, the ports of running ones taken back,
   * DNS servers started. Safe to call more than once.
   */
  reconcile(running: readonly string[]): Promise<void>;
  /** Stops DNS servers and gives back the port-holding sockets; the kernel state stays. */
  close(): Promise<void>;
  /** Removes every bridge, veth, namespace and rule this service made (tests, uninstall). */
  destroy(): Promise<void>;
}

export function createNetworkService(opts: NetworkServiceOptions): Promise<NetworkService> {
  return createBridgeNetworkService(opts);
}
