import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/atomic-file.ts";
import { compareStrings } from "../../lib/compare.ts";
import { conflict, invalid, KapselError, messageOf } from "../../lib/errors.ts";
import { shortId } from "../../lib/ids.ts";
import { overlaps6, parseCidr6, prefixOf6 } from "../../lib/ipv6.ts";
import { KeyedLock } from "../../lib/keyed-lock.ts";
import type { DnsQuery } from "./dns-message.ts";
import { resolvConfNameservers, resolveQuery } from "./dns-records.ts";
import type { DnsServer } from "./dns-server.ts";
import { chainPrefixFor, type FirewallPlan, planFirewall, RESOLVER_ADDRESS } from "./firewall-plan.ts";
import { findNetworkTools } from "./host-command.ts";
import type {
  ConnectOptions,
  ConnectResult,
  NetworkCreateRequest,
  NetworkLogger,
  NetworkService,
  NetworkServiceOptions,
  SandboxInfo,
} from "./index.ts";
import {
  addressingForSubnet,
  addressingFromBip,
  addressingFromConfig,
  chooseSubnet,
  DEFAULT_ADDRESS_POOLS,
  type IpamConfigInput,
} from "./ipam.ts";
import {
  type Addressing6,
  addressing6FromConfig,
  chooseSubnet6,
  inertIPv6Configs,
  newUlaPool,
} from "./ipam6.ts";
import { overlaps, parsePrefix } from "./ipv4.ts";
import { isMountPoint, KernelApplier, linkExists } from "./kernel-applier.ts";
import type { EndpointRecord, NetworkRecord, SandboxRecord } from "./network-store.ts";
import { NetworkStore } from "./network-store.ts";
import {
  endpointSettings,
  listFilter,
  type NetworkResource,
  networkResource,
  portMap,
  pruneFilter,
} from "./network-views.ts";
import { PortAllocator } from "./port-allocator.ts";
import { exposedKeys, hostHasIPv6, type PortRequest, portRequests } from "./port-requests.ts";
import {
  bridgeLink,
  checkEndpointSettings,
  dnsEndpoints,
  endpointLink,
  findNetwork,
  firewallInput,
  forbidden,
  gatewayEndpoint,
  networkFromRequest,
  newNetworkRecord,
  OPT,
  planEndpoint,
} from "./record-plans.ts";

export async function createBridgeNetworkService(o: NetworkServiceOptions): Promise<NetworkService> {
  const service = new BridgeNetworkService(o, new KernelApplier(findNetworkTools()));
  await service.load();
  return service;
}

/** The bridge driver's NetworkService: records in memory, mirrored to disk, plans applied by KernelApplier. */
class BridgeNetworkService implements NetworkService {
  readonly #o: NetworkServiceOptions;
  readonly #kernel: KernelApplier;
  readonly #store: NetworkStore;
  readonly #ports = new PortAllocator();
  readonly #lock = new KeyedLock();
  readonly #networks = new Map<string, NetworkRecord>();
  readonly #sandboxes = new Map<string, SandboxRecord>();
  readonly #dns = new Map<string, DnsServer>();
  /** networks whose bridge this process has checked, so connect need not run `ip` for it again */
  readonly #up = new Set<string>();
  /**
   * Veths being deleted after their sandbox was released: `ip link del` waits for the kernel
   * (RCU grace periods, 10-30 ms), so release does not; the address stays taken until it is done.
   */
  readonly #draining = new Map<string, string>(); // "networkId ip" → veth
  readonly #pending = new Set<Promise<void>>();
  readonly #bridgeName: string;
  readonly #prefix: string;
  readonly #log: NetworkLogger;
  /** host IPv6 addresses get published ports (through the userland proxy) */
  readonly #proxy6: boolean;

  constructor(o: NetworkServiceOptions, kernel: KernelApplier) {
    this.#o = o;
    this.#kernel = kernel;
    this.#store = new NetworkStore(o.root, o.execRoot);
    this.#bridgeName = o.bridgeName ?? "kapsel0";
    this.#prefix = o.chainPrefix ?? chainPrefixFor(this.#bridgeName);
    if (this.#prefix.length > 23) throw invalid(`iptables chain prefix too long: ${this.#prefix}`);
    this.#log = o.log ?? (() => {});
    this.#proxy6 = o.userlandProxy !== false && hostHasIPv6();
  }

  /**
   * Reads the records and makes sure the three predefined networks exist. The default bridge
   * keeps its subnet across restarts; a new --bridge or --bip replaces it while no container
   * uses it (the old bridge is deleted then; everything else waits for reconcile).
   */
  async load(): Promise<void> {
    const warn = (m: string) => this.#log("warn", m);
    for (const n of this.#store.loadNetworks(warn)) this.#networks.set(n.id, n);
    for (const s of this.#store.loadSandboxes(warn)) this.#sandboxes.set(s.containerId, s);
    const predefined = (name: string) =>
      [...this.#networks.values()].find((n) => n.predefined && n.name === name);
    if (!predefined("host")) this.#saveNetwork(newNetworkRecord("host", "host", { predefined: true }));
    if (!predefined("none")) this.#saveNetwork(newNetworkRecord("none", "null", { predefined: true }));

    const wanted = this.#o.bip ? addressingFromBip(this.#o.bip) : undefined;
    let bridge = predefined("bridge");
    if (bridge && this.#endpointsOf(bridge.id).length === 0) {
      const moved =
        bridge.bridge !== this.#bridgeName ||
        (wanted &&
          (wanted.subnet !== bridge.addressing?.subnet || wanted.gateway !== bridge.addressing?.gateway));
      if (moved) {
        await this.#kernel.removeBridge(bridge.bridge!);
        bridge = undefined;
      }
    }
    if (bridge) return;
    const id = predefined("bridge")?.id;
    const rec: NetworkRecord = {
      ...newNetworkRecord("bridge", "bridge", { predefined: true }),
      ...(id ? { id } : {}),
      bridge: this.#bridgeName,
      options: {
        [OPT.defaultBridge]: "true",
        [OPT.icc]: "true",
        [OPT.masquerade]: "true",
        [OPT.hostBinding]: "0.0.0.0",
        [OPT.bridgeName]: this.#bridgeName,
        [OPT.mtu]: "1500",
      },
    };
    rec.addressing = wanted ?? addressingForSubnet(await this.#freeSubnet(rec.id));
    this.#saveNetwork(rec);
  }

  // ---- networks ---------------------------------------------------------------------------

  create(req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }> {
    return this.#lock.run("net", async () => {
      if ([...this.#networks.values()].some((n) => n.name === req.Name))
        throw conflict(`network with name ${req.Name} already exists`);
      const rec = networkFromRequest(req);
      this.#checkBridgeName(rec);
      const requested = addressingFromConfig(req.IPAM?.Config ?? []);
      if (requested) {
        const subnet = parsePrefix(requested.subnet)!;
        if (this.#bridgeNetworks().some((n) => overlaps(parsePrefix(n.addressing!.subnet)!, subnet)))
          throw forbidden("invalid pool request: Pool overlaps with other one on this address space");
      }
      rec.addressing = requested ?? addressingForSubnet(await this.#freeSubnet(rec.id));
      if (req.EnableIPv6) rec.addressing6 = this.#ipv6Addressing(req.IPAM?.Config ?? []);
      else {
        const inert = inertIPv6Configs(req.IPAM?.Config ?? []);
        if (inert.length > 0) rec.ipv6Configs = inert;
      }

      this.#saveNetwork(rec);
      try {
        await this.#networkUp(rec);
        await this.#syncFirewall();
      } catch (err) {
        this.#networks.delete(rec.id);
        this.#store.deleteNetwork(rec.id);
        await this.#networkDown(rec).catch(() => {});
        await this.#syncFirewall().catch(() => {});
        throw err;
      }
      this.#o.events?.("create", rec.id, { name: rec.name, type: rec.driver });
      return { Id: rec.id, Warning: "" };
    });
  }

  list(filters: Map<string, string[]> = new Map()): NetworkResource[] {
    const match = listFilter(filters);
    return [...this.#networks.values()]
      .filter((n) => match(n, this.#endpointsOf(n.id).length > 0))
      .sort((a, b) => compareStrings(a.name, b.name))
      .map((n) => networkResource(n, [], false));
  }

  inspect(idOrName: string): NetworkResource {
    return networkResource(this.#findNetwork(idOrName), this.#sandboxes.values(), true);
  }

  remove(idOrName: string): Promise<void> {
    return this.#lock.run("net", async () => {
      const net = this.#findNetwork(idOrName);
      await this.#remove(net);
    });
  }

  prune(filters: Map<string, string[]> = new Map()): Promise<{ NetworksDeleted: string[] }> {
    const match = pruneFilter(filters);
    return this.#lock.run("net", async () => {
      const deleted: string[] = [];
      for (const net of [...this.#networks.values()]) {
        if (net.predefined || this.#endpointsOf(net.id).length > 0 || !match(net)) continue;
        await this.#remove(net);
        deleted.push(net.name);
      }
      this.#o.events?.("prune", "", {});
      return { NetworksDeleted: deleted };
    });
  }

  async #remove(net: NetworkRecord): Promise<void> {
    if (net.predefined) throw forbidden(`${net.name} is a pre-defined network and cannot be removed`);
    const eps = this.#endpointsOf(net.id);
    if (eps.length > 0) {
      const list = eps.map(({ ep }) => `name:"${ep.name}" id:"${shortId(ep.id)}"`).join(", ");
      throw forbidden(`error while removing network: network ${net.name} has active endpoints (${list})`);
    }
    await this.#networkDown(net);
    this.#networks.delete(net.id);
    await this.#syncFirewall();
    this.#store.deleteNetwork(net.id);
    this.#o.events?.("destroy", net.id, { name: net.name, type: net.driver });
  }

  // ---- sandboxes and endpoints --------------------------------------------------------------

  async createSandbox(containerId: string): Promise<{ netnsPath: string }> {
    const { netnsPath, exists } = await this.#lock.run("net", async () => {
      const existing = this.#sandboxes.get(containerId);
      if (existing && isMountPoint(existing.netnsPath))
        return { netnsPath: existing.netnsPath, exists: true };
      const netnsPath = join(this.#o.execRoot, "netns", containerId);
      const rec: SandboxRecord = existing ?? { containerId, netnsPath, endpoints: [] };
      this.#sandboxes.set(containerId, rec);
      return { netnsPath, exists: false };
    });
    // outside the lock, as plugging: the namespace is this container's alone. Its record is
    // written by connect, with the first endpoint: after a crash before that, reconcile finds
    // the namespace file without a record and removes it
    if (!exists) await this.#kernel.createNetns(netnsPath);
    return { netnsPath };
  }

  /**
   * Joins a container's sandbox to a network. The address and ports are taken under the
   * network lock; plugging the veth (two `ip` runs) and the firewall reload happen outside it,
   * so that parallel starts plug side by side instead of one after another.
   */
  async connect(network: string, containerId: string, o: ConnectOptions): Promise<ConnectResult> {
    const { net, sb, ep, saved } = await this.#lock.run("net", async () => {
      const net = this.#findNetwork(network);
      const sb = this.#sandboxes.get(containerId);
      if (!sb) throw invalid(`container ${containerId} has no network namespace: start it first`);
      checkEndpointSettings(net, o);
      if (
        sb.endpoints.some((e) => e.networkId === net.id) ||
        this.#endpointsOf(net.id).some(({ ep }) => ep.name === o.name)
      )
        throw forbidden(`endpoint with name ${o.name} already exists in network ${net.name}`);
      if (o.ifName && sb.endpoints.some((e) => e.ifName === o.ifName))
        throw conflict(`the container already has an interface named ${o.ifName}`);
      // only the first network that can carry them gets the ports (moby: once per sandbox)
      const carriesPorts =
        !net.internal && !sb.endpoints.some((e) => e.ports.length > 0 || e.exposed.length > 0);
      const requests = carriesPorts
        ? portRequests({ ...o, defaultHostIp: net.options[OPT.hostBinding], ipv6: this.#proxy6 })
        : [];

      await this.#networkUp(net);
      const used = new Set(this.#endpointsOf(net.id).map(({ ep }) => ep.ip));
      for (const key of this.#draining.keys()) {
        if (key.startsWith(`${net.id} `)) used.add(key.slice(net.id.length + 1));
      }
      const used6 = new Set(
        this.#endpointsOf(net.id)
          .map(({ ep }) => ep.ip6)
          .filter((ip) => ip !== undefined),
      );
      const ep = planEndpoint({ net, sb, opts: o, used, used6 });
      if (carriesPorts) ep.exposed = exposedKeys(o);
      // the default route moves to this endpoint if it is now the best gateway (its netns
      // lines replace the route)
      const previous = sb.endpoints.find((e) => e.defaultRoute);
      if (gatewayEndpoint([...sb.endpoints, ep], this.#networkName) === ep) {
        ep.defaultRoute = true;
        if (previous) previous.defaultRoute = false;
      }
      await this.#publish(ep, requests);
      if (o.dns && o.dns.length > 0) sb.dns = [...o.dns];
      sb.endpoints.push(ep);
      // on disk before plugging: the address and ports are now taken for good
      const saved = this.#store.saveSandbox(sb);
      saved.catch(() => {});
      return { net, sb, ep, saved };
    });
    let failure: { reason: unknown } | undefined;
    try {
      await saved;
      // independent steps, each waiting on the kernel: side by side, both finished before any rollback
      const steps = await Promise.allSettled([
        this.#kernel.plugEndpoint(endpointLink(net, ep, sb)),
        ep.ports.length > 0 ? this.#syncFirewall() : undefined,
      ]);
      failure = steps.find((step) => step.status === "rejected");
    } catch (reason) {
      failure = { reason };
    }
    if (failure) {
      await this.#lock.run("net", async () => {
        await this.#kernel.unplugEndpoint(ep.hostVeth).catch(() => {});
        this.#releasePorts(ep);
        sb.endpoints = sb.endpoints.filter((e) => e !== ep);
        if (ep.defaultRoute) await this.#moveDefaultRoute(sb);
        await this.#store.saveSandbox(sb).catch(() => {});
      });
      await this.#syncFirewall().catch(() => {});
      throw failure.reason;
    }
    const dns = !net.predefined && this.#dns.has(net.id);
    const redirected = dns && (await this.#lock.run("net", () => this.#pointResolver(sb, ep)));
    this.#o.events?.("connect", net.id, { container: containerId, name: net.name, type: net.driver });
    return {
      settings: endpointSettings(ep, !net.predefined),
      networkName: net.name,
      dnsServer: redirected ? RESOLVER_ADDRESS : dns ? net.addressing!.gateway : undefined,
    };
  }

  #networkName = (ep: EndpointRecord) => this.#networks.get(ep.networkId)?.name ?? "";

  /** The endpoint that had the default route went away: the best one left gets it. */
  async #moveDefaultRoute(sb: SandboxRecord): Promise<void> {
    const next = gatewayEndpoint(sb.endpoints, this.#networkName);
    if (!next) return;
    next.defaultRoute = true;
    for (const gateway of [next.gateway, ...(next.gateway6 ? [next.gateway6] : [])])
      await this.#kernel
        .setDefaultRoute(sb.netnsPath, gateway, next.ifName)
        .catch((err) =>
          this.#log("warn", `network: ${shortId(sb.containerId)}: default route: ${messageOf(err)}`),
        );
  }

  /**
   * Makes 127.0.0.11 in the sandbox reach the embedded DNS server through `via` (an endpoint on a
   * network with one), unless it already reaches one; with no endpoint, removes the redirect.
   * Returns whether 127.0.0.11 answers. A failure leaves the gateway as the nameserver.
   */
  async #pointResolver(sb: SandboxRecord, via?: EndpointRecord): Promise<boolean> {
    if (via && sb.endpoints.some((e) => e.networkId === sb.resolver)) return true;
    const net = via && this.#networks.get(via.networkId);
    const to = net && { ifName: via.ifName, gateway: net.addressing!.gateway, containerIp: via.ip };
    try {
      await this.#kernel.redirectResolver(sb.netnsPath, to);
      sb.resolver = via?.networkId;
      await this.#store.saveSandbox(sb);
      return via !== undefined;
    } catch (err) {
      this.#log("warn", `network: ${shortId(sb.containerId)}: 127.0.0.11: ${messageOf(err)}`);
      return false;
    }
  }

  /** Takes the host ports; all or none, with moby's wrapping of the error. */
  async #publish(ep: EndpointRecord, requests: PortRequest[]): Promise<void> {
    try {
      for (const req of requests) {
        const hostPort = await this.#ports.allocate(req, { ip: ep.ip, port: req.containerPort });
        for (const hostIp of req.hostIps)
          ep.ports.push({ proto: req.proto, containerPort: req.containerPort, hostIp, hostPort });
      }
    } catch (err) {
      this.#releasePorts(ep);
      ep.ports = [];
      throw new KapselError(
        "internal",
        `driver failed programming external connectivity on endpoint ${ep.name} (${ep.id}): ${messageOf(err)}`,
        { cause: err },
      );
    }
  }

  disconnect(network: string, containerId: string, _force = false): Promise<void> {
    return this.#lock.run("net", async () => {
      const net = this.#findNetwork(network);
      const sb = this.#sandboxes.get(containerId);
      const ep = sb?.endpoints.find((e) => e.networkId === net.id);
      if (!sb || !ep) throw invalid(`container ${containerId} is not connected to network ${net.name}`);
      await this.#kernel.unplugEndpoint(ep.hostVeth);
      this.#releasePorts(ep);
      sb.endpoints = sb.endpoints.filter((e) => e !== ep);
      if (ep.defaultRoute) await this.#moveDefaultRoute(sb);
      if (sb.resolver === net.id) {
        // 127.0.0.11 goes on to another network's DNS server, or nowhere
        const next = sb.endpoints.find((e) => this.#dns.has(e.networkId));
        if (!(await this.#pointResolver(sb, next))) sb.resolver = undefined;
      }
      await this.#store.saveSandbox(sb);
      if (ep.ports.length > 0) await this.#syncFirewall();
      this.#o.events?.("disconnect", net.id, { container: containerId, name: net.name, type: net.driver });
    });
  }

  releaseSandbox(containerId: string): Promise<void> {
    return this.#lock.run("net", async () => {
      const hadPorts = await this.#release(containerId);
      if (hadPorts) await this.#syncFirewall();
    });
  }

  /** Unplugs and forgets a sandbox; returns whether it had published ports (the firewall must follow). */
  async #release(containerId: string): Promise<boolean> {
    const sb = this.#sandboxes.get(containerId);
    if (!sb) {
      await this.#kernel.removeNetns(join(this.#o.execRoot, "netns", containerId));
      return false;
    }
    let hadPorts = false;
    for (const ep of sb.endpoints) {
      this.#unplugLater(ep);
      this.#releasePorts(ep);
      hadPorts ||= ep.ports.length > 0;
      const net = this.#networks.get(ep.networkId);
      if (net)
        this.#o.events?.("disconnect", net.id, { container: containerId, name: net.name, type: net.driver });
    }
    await this.#kernel.removeNetns(sb.netnsPath);
    this.#sandboxes.delete(containerId);
    await this.#store.deleteSandbox(containerId);
    return hadPorts;
  }

  #unplugLater(ep: EndpointRecord): void {
    const key = `${ep.networkId} ${ep.ip}`;
    this.#draining.set(key, ep.hostVeth);
    const done: Promise<void> = this.#kernel
      .unplugEndpoint(ep.hostVeth)
      .catch((err) => this.#log("warn", `network: deleting ${ep.hostVeth}: ${messageOf(err)}`))
      .finally(() => {
        this.#draining.delete(key);
        this.#pending.delete(done);
      });
    this.#pending.add(done);
  }

  /** Waits for veth deletions still under way. */
  async #settle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /**
   * host and none have no sandbox to plug, but Docker still reports a container joining them
   * at its start and leaving at its end, as for any network.
   */
  announce(action: "connect" | "disconnect", network: "host" | "none", containerId: string): void {
    const net = [...this.#networks.values()].find((n) => n.name === network && n.predefined);
    if (net) this.#o.events?.(action, net.id, { container: containerId, name: net.name, type: net.driver });
  }

  sandbox(containerId: string): SandboxInfo | undefined {
    const sb = this.#sandboxes.get(containerId);
    if (!sb) return undefined;
    const networks: SandboxInfo["networks"] = {};
    for (const ep of sb.endpoints) {
      const net = this.#networks.get(ep.networkId);
      if (net) networks[net.name] = endpointSettings(ep, !net.predefined);
    }
    return { netnsPath: sb.netnsPath, networks, ports: portMap(sb.endpoints) };
  }

  // ---- start-up and shutdown ----------------------------------------------------------------

  reconcile(running: readonly string[]): Promise<void> {
    return this.#lock.run("net", async () => {
      const keep = new Set(running);
      for (const net of this.#bridgeNetworks()) await this.#networkUp(net);
      for (const id of [...this.#sandboxes.keys()]) {
        if (!keep.has(id)) {
          this.#log("debug", `network: ${shortId(id)}: releasing the sandbox of a container that is gone`);
          await this.#release(id);
          continue;
        }
        await this.#revive(this.#sandboxes.get(id)!);
      }
      // namespaces of sandboxes whose record never got written (a crash in createSandbox)
      const dir = join(this.#o.execRoot, "netns");
      for (const name of safeReaddir(dir)) {
        if (!this.#sandboxes.has(name)) await this.#kernel.removeNetns(join(dir, name));
      }
      await this.#syncFirewall(true);
      await this.#settle();
    });
  }

  /** A running container's sandbox after a restart: ports held again, lost links re-made. */
  async #revive(sb: SandboxRecord): Promise<void> {
    const tag = shortId(sb.containerId);
    for (const ep of sb.endpoints) {
      for (const m of ep.ports) {
        if (!(await this.#ports.restore(m.proto, m.hostIp, m.hostPort, { ip: ep.ip, port: m.containerPort })))
          this.#log(
            "warn",
            `network: ${tag}: host port ${m.hostIp}:${m.hostPort}/${m.proto} could not be bound again`,
          );
      }
      const net = this.#networks.get(ep.networkId);
      if (!net) continue;
      if (linkExists(ep.hostVeth)) {
        await this.#kernel
          .ensureAttached(ep.hostVeth, net.bridge!)
          .catch((err) =>
            this.#log("warn", `network: ${tag}: re-attaching ${ep.hostVeth}: ${messageOf(err)}`),
          );
        continue;
      }
      if (!isMountPoint(sb.netnsPath)) {
        this.#log("warn", `network: ${tag}: its network namespace is gone; it stays without network`);
        continue;
      }
      await this.#kernel
        .plugEndpoint(endpointLink(net, ep, sb))
        .catch((err) => this.#log("warn", `network: ${tag}: re-plugging ${net.name}: ${messageOf(err)}`));
    }
  }

  async close(): Promise<void> {
    await this.#settle();
    for (const server of this.#dns.values()) server.close();
    this.#dns.clear();
    this.#ports.releaseAll();
  }

  destroy(): Promise<void> {
    return this.#lock.run("net", async () => {
      for (const id of [...this.#sandboxes.keys()]) await this.#release(id).catch(() => {});
      await this.close();
      for (const net of this.#bridgeNetworks()) await this.#networkDown(net);
      await this.#kernel.removeFirewall(this.#firewallPlan(), this.#prefix);
    });
  }

  // ---- helpers --------------------------------------------------------------------------------

  #saveNetwork(rec: NetworkRecord): void {
    this.#networks.set(rec.id, rec);
    this.#store.saveNetwork(rec);
  }

  #bridgeNetworks(): NetworkRecord[] {
    const all = [...this.#networks.values()].filter((n) => n.driver === "bridge" && n.addressing);
    return all.sort(
      (a, b) => Number(b.predefined) - Number(a.predefined) || compareStrings(a.created, b.created),
    );
  }

  #endpointsOf(networkId: string): { sb: SandboxRecord; ep: EndpointRecord }[] {
    const out: { sb: SandboxRecord; ep: EndpointRecord }[] = [];
    for (const sb of this.#sandboxes.values())
      for (const ep of sb.endpoints) if (ep.networkId === networkId) out.push({ sb, ep });
    return out;
  }

  #findNetwork(idOrName: string): NetworkRecord {
    return findNetwork([...this.#networks.values()], idOrName);
  }

  #checkBridgeName(rec: NetworkRecord): void {
    const name = rec.bridge!;
    const other = this.#bridgeNetworks().find((n) => n.bridge === name);
    if (other)
      throw forbidden(
        `cannot create network ${rec.id} (${name}): conflicts with network ${other.id} (${name}): networks have same bridge name`,
      );
    if (linkExists(name))
      throw forbidden(`cannot create network ${rec.name}: interface ${name} exists and is not kapsel's`);
  }

  /**
   * A new network's IPv6 subnet: the request's (not overlapping another network's), else the
   * first free /64 of this daemon's ULA /48, made once and kept (as Docker derives one).
   */
  #ipv6Addressing(configs: readonly IpamConfigInput[]): Addressing6 {
    const taken = [...this.#networks.values()].flatMap((n) => (n.addressing6 ? [n.addressing6.subnet] : []));
    const requested = addressing6FromConfig(configs);
    if (!requested) return chooseSubnet6(this.#ulaPool(), taken);
    const mine = parseCidr6(requested.subnet)!;
    const clash = taken.some((t) => {
      const other = parseCidr6(t)!;
      return overlaps6(prefixOf6(other.addr, other.bits), prefixOf6(mine.addr, mine.bits));
    });
    if (clash) throw forbidden("invalid pool request: Pool overlaps with other one on this address space");
    return requested;
  }

  #ulaPool(): string {
    const path = join(this.#o.root, "ipv6-pool");
    try {
      return readFileSync(path, "utf8").trim();
    } catch {
      const pool = newUlaPool();
      writeFileAtomic(path, `${pool}\n`);
      return pool;
    }
  }

  /** A pool subnet that overlaps no other network and no route of the host. */
  async #freeSubnet(exceptId: string) {
    const taken = [
      ...[...this.#networks.values()]
        .filter((n) => n.id !== exceptId && n.addressing)
        .map((n) => parsePrefix(n.addressing!.subnet)!),
      ...(await this.#kernel.hostRoutes()),
    ];
    return chooseSubnet(this.#o.defaultAddressPools ?? DEFAULT_ADDRESS_POOLS, taken);
  }

  /** The bridge exists with its address, and a user network's DNS server listens. */
  async #networkUp(net: NetworkRecord): Promise<void> {
    if (net.driver !== "bridge") return;
    if (!this.#up.has(net.id) || !linkExists(net.bridge!)) {
      await this.#kernel.ensureBridge(bridgeLink(net));
      this.#up.add(net.id);
    }
    if (net.predefined || this.#dns.has(net.id)) return;
    try {
      // loaded with the first user-defined network: the default bridge has no embedded DNS
      const { DnsServer } = await import("./dns-server.ts");
      const server = await DnsServer.start({
        address: net.addressing!.gateway,
        port: 53,
        resolve: (clientIp, q) => this.#resolveDns(net.id, clientIp, q),
        log: (m) => this.#log("warn", `network ${net.name}: ${m}`),
      });
      this.#dns.set(net.id, server);
    } catch (err) {
      // containers then get the host's resolvers, like on the default bridge
      this.#log(
        "warn",
        `network ${net.name}: no embedded DNS on ${net.addressing!.gateway}: ${messageOf(err)}`,
      );
    }
  }

  async #networkDown(net: NetworkRecord): Promise<void> {
    this.#dns.get(net.id)?.close();
    this.#dns.delete(net.id);
    this.#up.delete(net.id);
    if (net.bridge) await this.#kernel.removeBridge(net.bridge);
  }

  #resolveDns(networkId: string, clientIp: string, q: DnsQuery) {
    const endpoints = dnsEndpoints(this.#networks, this.#sandboxes.values());
    const client = [...this.#sandboxes.values()].find((sb) => sb.endpoints.some((e) => e.ip === clientIp));
    const internal = this.#networks.get(networkId)?.internal === true;
    const upstreams = internal ? [] : (client?.dns ?? this.#hostResolvers());
    return resolveQuery({ endpoints, serverNetworkId: networkId, clientIp, q, upstreams });
  }

  #hostResolvers(): string[] {
    if (this.#o.dnsUpstreams) return this.#o.dnsUpstreams;
    try {
      return resolvConfNameservers(readFileSync("/etc/resolv.conf", "utf8"));
    } catch {
      return [];
    }
  }

  #firewallPlan(): FirewallPlan {
    return planFirewall(
      firewallInput(this.#prefix, this.#bridgeNetworks(), this.#networks, this.#sandboxes.values()),
    );
  }

  /**
   * Loads the firewall rules for the current state. Its own lock orders the loads: each
   * computes its plan when its turn comes, so the last load is always of the latest state.
   */
  #syncFirewall(force = false): Promise<void> {
    return this.#lock.run("firewall", () => this.#kernel.applyFirewall(this.#firewallPlan(), force));
  }

  #releasePorts(ep: EndpointRecord): void {
    for (const m of ep.ports) this.#ports.release(m.proto, m.hostIp, m.hostPort);
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
