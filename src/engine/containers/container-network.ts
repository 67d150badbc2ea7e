import { createHash } from "node:crypto";
import { hostname as hostHostname } from "node:os";
import { conflict, invalid, KapselError, messageOf } from "../../lib/errors.ts";
import { newId } from "../../lib/ids.ts";
import type { ConnectOptions, EndpointSettings, NetworkService } from "../network/index.ts";
import type { NamespaceChoice } from "../runtime/index.ts";
import type { EtcOptions } from "./etc-files.ts";
import { linkEnv, linkHostsLine, parseLink, storedLink } from "./legacy-links.ts";
import type { ContainerRecord, DockerConfig, EndpointConfig, HostConfig } from "./model.ts";
import type { ContainerStore } from "./store.ts";

/** Docker's prefix for a start that failed in the network (moby errSetupNetworking). */
export const NETWORK_SETUP_ERROR = "failed to set up container networking";

/** What a container's start needs from its networking. */
export interface AttachedNetwork {
  /** the network namespace for the OCI spec */
  namespace: NamespaceChoice;
  /** legacy link variables, before the container's own */
  env: string[];
  /** what /etc/hosts and /etc/resolv.conf say beyond the container's settings */
  etc: Pick<EtcOptions, "addresses" | "extraLines" | "dnsServer" | "hostGateway">;
  /** container:<x> mode: the container whose hostname, hosts and resolv.conf are shared */
  sharedWith?: ContainerRecord;
}

const PREDEFINED = new Set(["bridge", "host", "none"]);

const isContainerMode = (mode: string) => mode === "container" || mode.startsWith("container:");

/**
 * The containers' side of networking: which networks a container joins (kept in its record),
 * plugging it in when it starts and out when it stops, legacy links, and connect/disconnect.
 * Addresses, veths, ports and DNS are the network domain's; this only decides when and with what.
 */
export class ContainerNetworking {
  readonly #network: NetworkService;
  readonly #store: ContainerStore;
  #ready?: Promise<void>;

  constructor(o: { network: NetworkService; store: ContainerStore }) {
    this.#network = o.network;
    this.#store = o.store;
  }

  /**
   * Settles the network domain against the running containers, once per daemon: bridges,
   * firewall chains, DNS servers, and the sandboxes of containers that are gone. Runs at
   * start-up when there is state to settle, otherwise before the first container starts, so a
   * daemon that never runs a container leaves no bridge behind.
   */
  ready(): Promise<void> {
    this.#ready ??= this.#network.reconcile(this.#runningIds()).catch((err) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  /** Whether start-up must settle the network now: containers or user networks exist. */
  hasState(): boolean {
    return this.#store.all().length > 0 || this.#network.list().some((n) => !PREDEFINED.has(n.Name));
  }

  #runningIds(): string[] {
    return this.#store
      .all()
      .filter((r) => r.state.Running && !r.state.Restarting)
      .map((r) => r.id);
  }

  // ---- create -------------------------------------------------------------------------------

  /**
   * The networks a new container joins, by network name, from NetworkMode and the request's
   * NetworkingConfig (Docker's create-time checks: unknown networks are 404). The legacy links
   * are checked and given their stored form ("/db:/web/db").
   */
  planCreate(o: {
    name: string;
    hostConfig: HostConfig;
    networkingConfig: unknown;
  }): Record<string, EndpointConfig> {
    const hc = o.hostConfig;
    const mode = hc.NetworkMode ?? "bridge";
    const given = endpointsConfig(o.networkingConfig);
    if (isContainerMode(mode)) return {};
    const primary = PREDEFINED.has(mode) ? mode : this.#network.inspect(mode).Name;
    const out: Record<string, EndpointConfig> = {
      [primary]: cleanEndpoint(
        given[mode] ?? given[primary] ?? (mode === "bridge" ? given.default : undefined),
      ),
    };
    for (const [key, cfg] of Object.entries(given)) {
      if (key === mode || (key === "default" && mode === "bridge")) continue;
      const name = PREDEFINED.has(key) ? key : this.#network.inspect(key).Name;
      if (name !== primary) out[name] = cleanEndpoint(cfg);
    }
    if ((mode === "host" || mode === "none") && Object.keys(out).length > 1)
      throw invalid(`Container cannot be connected to network endpoints: ${Object.keys(given).join(", ")}`);
    if (hc.Links && hc.Links.length > 0 && PREDEFINED.has(mode))
      hc.Links = this.#storedLinks(o.name, hc.Links);
    return out;
  }

  /** moby's registerLinks: the linked containers must exist and not use the host's network. */
  #storedLinks(parent: string, links: string[]): string[] {
    return links.map((value) => {
      const link = parseLink(value);
      let child = this.#store.find(link.name);
      if (!child) throw invalid(`could not get container for ${link.name}: No such container: ${link.name}`);
      for (let hops = 0; isContainerMode(child.hostConfig.NetworkMode ?? "") && hops < 10; hops++) {
        const next = (child.hostConfig.NetworkMode ?? "").slice("container:".length);
        child = this.#store.find(next);
        if (!child) throw invalid(`could not get container for ${next}: No such container: ${next}`);
      }
      if (child.hostConfig.NetworkMode === "host")
        throw invalid(
          "conflicting options: host type networking can't be used with links. This would result in undefined behavior",
        );
      return storedLink({ name: child.name, alias: link.alias }, parent);
    });
  }

  /**
   * Docker's Config.Hostname default: the host's name on the host's network, none yet for
   * container:<x> (x's, at start), else the short ID.
   */
  defaultHostname(config: DockerConfig, hc: HostConfig, id: string): string {
    const mode = hc.NetworkMode ?? "bridge";
    if (config.Hostname) return config.Hostname;
    if (mode === "host") return hostHostname();
    return isContainerMode(mode) ? "" : id.slice(0, 12);
  }

  // ---- start and stop ------------------------------------------------------------------------

  /**
   * Gives a starting container its network: nothing for host and none, the other container's
   * namespace for container:<x>, else a sandbox plugged into each of its networks in order.
   * All or nothing: on failure the sandbox is released and the error says so (Docker's words).
   */
  async attach(rec: ContainerRecord): Promise<AttachedNetwork> {
    const hc = rec.hostConfig;
    const mode = hc.NetworkMode ?? "bridge";
    if (mode === "host" || mode === "none") {
      rec.endpointId = newId();
      this.#network.announce("connect", mode, rec.id);
    }
    if (mode === "host") return { namespace: "host", env: [], etc: {} };
    if (mode === "none") return { namespace: "private", env: [], etc: {} };
    if (isContainerMode(mode)) return this.#joinContainer(rec, mode.slice("container:".length));

    await this.ready();
    const networks = this.networksOf(rec);
    const names = Object.keys(networks);
    // legacy links are checked before anything is plugged (Docker checks them for the spec)
    const links = names[0] === "bridge" ? this.#legacyLinks(rec) : { env: [], hosts: [] };
    try {
      const { netnsPath } = await this.#network.createSandbox(rec.id);
      const addresses: string[] = [];
      let dnsServer: string | undefined;
      for (const name of names) {
        const result = await this.#network.connect(
          name,
          rec.id,
          this.#connectOptions(rec, name, networks[name]),
        );
        addresses.push(...endpointAddresses(result.settings));
        dnsServer ??= result.dnsServer;
      }
      return {
        namespace: { path: netnsPath },
        env: links.env,
        etc: {
          addresses,
          extraLines: links.hosts,
          dnsServer,
          hostGateway: this.#hostGateway(),
        },
      };
    } catch (err) {
      await this.#network.releaseSandbox(rec.id).catch(() => {});
      throw setupError(err);
    }
  }

  /** Unplugs a container that stopped (or failed to start). Idempotent. */
  async release(rec: ContainerRecord): Promise<void> {
    const mode = rec.hostConfig.NetworkMode ?? "bridge";
    if (rec.endpointId && (mode === "host" || mode === "none"))
      this.#network.announce("disconnect", mode, rec.id);
    delete rec.endpointId;
    if (mode === "host" || mode === "none" || isContainerMode(mode)) return;
    await this.#network.releaseSandbox(rec.id);
  }

  /** The networks a container joins: its record's, or NetworkMode's for records made before them. */
  networksOf(rec: ContainerRecord): Record<string, EndpointConfig> {
    if (rec.networks) return rec.networks;
    const mode = rec.hostConfig.NetworkMode ?? "bridge";
    return isContainerMode(mode) ? {} : { [mode]: {} };
  }

  #connectOptions(rec: ContainerRecord, network: string, cfg: EndpointConfig): ConnectOptions {
    const hc = rec.hostConfig;
    const userDefined = !PREDEFINED.has(network);
    const first = Object.keys(this.networksOf(rec))[0] === network;
    const links = cfg.Links ?? (first && userDefined ? hc.Links : null) ?? [];
    return {
      name: rec.name,
      hostname: rec.config.Hostname,
      aliases: cfg.Aliases ?? [],
      ipv4Address: cfg.IPAMConfig?.IPv4Address || undefined,
      ipv6Address: cfg.IPAMConfig?.IPv6Address || undefined,
      linkLocalIps: cfg.IPAMConfig?.LinkLocalIPs ?? undefined,
      macAddress: cfg.MacAddress || (first ? rec.config.MacAddress : undefined) || undefined,
      portBindings: hc.PortBindings,
      exposedPorts: rec.config.ExposedPorts,
      publishAll: hc.PublishAllPorts === true,
      links: userDefined ? links.map(parseLink) : undefined,
      dns: hc.Dns ?? undefined,
      sysctls: cfg.DriverOpts?.["com.docker.network.endpoint.sysctls"]?.split(",") ?? undefined,
      gwPriority: cfg.GwPriority ?? undefined,
      ifName: cfg.DriverOpts?.["com.docker.network.endpoint.ifname"] || undefined,
    };
  }

  /** Legacy links on the default bridge: each linked container must run there (moby's checks). */
  #legacyLinks(rec: ContainerRecord): { env: string[]; hosts: string[] } {
    const env: string[] = [];
    const hosts: string[] = [];
    for (const value of rec.hostConfig.Links ?? []) {
      const link = parseLink(value);
      const linkName = `/${rec.name}/${link.alias}`;
      const child = this.#store.find(link.name);
      if (!child) continue; // removed since: Docker drops the link with it
      if (!child.state.Running || child.state.Restarting)
        throw invalid(`Cannot link to a non running container: /${child.name} AS ${linkName}`);
      const onBridge = this.#network.sandbox(child.id)?.networks.bridge;
      if (!onBridge)
        throw invalid(`Cannot link to /${child.name}, as it does not belong to the default network`);
      env.push(
        ...linkEnv({
          linkName,
          childIp: onBridge.IPAddress,
          childEnv: child.config.Env ?? [],
          exposedPorts: child.config.ExposedPorts,
        }),
      );
      hosts.push(
        linkHostsLine({
          ip: onBridge.IPAddress,
          alias: link.alias,
          hostname: child.config.Hostname,
          name: child.name,
        }),
      );
    }
    return { env, hosts };
  }

  /** container:<x>: x must run; its namespace (following x's own container: mode) is joined. */
  #joinContainer(rec: ContainerRecord, ref: string): AttachedNetwork {
    let other = this.#store.find(ref);
    for (let hops = 0; ; hops++) {
      if (!other)
        throw new KapselError(
          "internal",
          `joining network namespace of container: No such container: ${ref}`,
        );
      if (other.id === rec.id) throw new KapselError("internal", "cannot join own network namespace");
      if (!other.state.Running)
        throw conflict(
          `cannot join network namespace of a non running container: container ${other.name} is ${other.state.Status}`,
        );
      if (other.state.Restarting)
        throw conflict(
          `cannot join network namespace of container: Container ${other.id} is restarting, wait until the container is running`,
        );
      const mode = other.hostConfig.NetworkMode ?? "bridge";
      if (!isContainerMode(mode) || hops >= 10) break;
      ref = mode.slice("container:".length);
      other = this.#store.find(ref);
    }
    const mode = other.hostConfig.NetworkMode ?? "bridge";
    const sandbox = this.#network.sandbox(other.id);
    const namespace: NamespaceChoice =
      mode === "host"
        ? "host"
        : sandbox
          ? { path: sandbox.netnsPath }
          : { path: `/proc/${other.state.Pid}/ns/net` };
    return { namespace, env: [], etc: {}, sharedWith: other };
  }

  #hostGateway(): string | undefined {
    try {
      return this.#network.inspect("bridge").IPAM.Config?.[0]?.Gateway || undefined;
    } catch {
      return undefined;
    }
  }

  // ---- connect and disconnect (docker network connect/disconnect) ------------------------------

  /**
   * Joins a network: a running container is plugged in at once, a stopped one when it next
   * starts. Either way the record keeps it. The caller holds the container's lock. For a running
   * container, returns its new addresses and the embedded DNS server it can now use, if any.
   */
  async connect(
    rec: ContainerRecord,
    network: string,
    cfg: EndpointConfig | null | undefined,
  ): Promise<{ addresses: string[]; dnsServer?: string } | undefined> {
    const mode = rec.hostConfig.NetworkMode ?? "bridge";
    const name = this.#network.inspect(network).Name;
    if (rec.state.Status === "removing" || rec.state.Dead)
      throw conflict(
        `container ${rec.id} is marked for removal and cannot be connected or disconnected to the network`,
      );
    if (isContainerMode(mode))
      throw invalid(
        "container sharing network namespace with another container or host cannot be connected to any other network",
      );
    if (mode === "host" || name === "host")
      throw invalid("container cannot be disconnected from host network or connected to host network");
    if (mode === "none" || name === "none")
      throw invalid(
        "container cannot be connected to multiple networks with one of the networks in private (none) mode",
      );
    const networks = { ...this.networksOf(rec) };
    const endpoint = cleanEndpoint(cfg ?? undefined);
    let joined: { addresses: string[]; dnsServer?: string } | undefined;
    if (rec.state.Running && !rec.state.Restarting) {
      await this.ready();
      const result = await this.#network.connect(name, rec.id, this.#connectOptions(rec, name, endpoint));
      joined = { addresses: endpointAddresses(result.settings), dnsServer: result.dnsServer };
    } else if (name in networks) {
      throw new KapselError("forbidden", `endpoint with name ${rec.name} already exists in network ${name}`);
    }
    networks[name] = endpoint;
    rec.networks = networks;
    return joined;
  }

  /**
   * Leaves a network; the record forgets it. The caller holds the container's lock and saves.
   * Returns the addresses a running container had there.
   */
  async disconnect(rec: ContainerRecord, network: string, force: boolean): Promise<string[]> {
    const mode = rec.hostConfig.NetworkMode ?? "bridge";
    let name = network;
    try {
      name = this.#network.inspect(network).Name;
    } catch (err) {
      if (!force) throw err;
    }
    if (mode === "host" || name === "host")
      throw invalid("container cannot be disconnected from host network or connected to host network");
    const networks = { ...this.networksOf(rec) };
    const live = rec.state.Running && !rec.state.Restarting && this.#network.sandbox(rec.id)?.networks[name];
    if (live) {
      await this.#network.disconnect(name, rec.id, force);
    } else if (!(name in networks)) {
      throw invalid(`container ${rec.id} is not connected to network ${name}`);
    }
    delete networks[name];
    rec.networks = networks;
    return live ? endpointAddresses(live) : [];
  }

  // ---- views ------------------------------------------------------------------------------------

  /**
   * NetworkSettings' parts: live endpoints and ports while the container runs in its own
   * sandbox; the configured networks with empty addresses otherwise (Docker's shape then).
   */
  view(rec: ContainerRecord): NetworkView {
    const live = this.#network.sandbox(rec.id);
    if (live) {
      // the endpoint's driver options are the request's, kept as given (Docker shows them back)
      const configured = this.networksOf(rec);
      const networks: Record<string, EndpointSettings> = {};
      for (const [name, ep] of Object.entries(live.networks)) {
        const opts = configured[name]?.DriverOpts;
        networks[name] = opts && !ep.DriverOpts ? { ...ep, DriverOpts: { ...opts } } : ep;
      }
      return {
        sandboxId: createHash("sha256").update(live.netnsPath).digest("hex"),
        sandboxKey: live.netnsPath,
        networks,
        ports: live.ports,
      };
    }
    const networks: Record<string, EndpointSettings> = {};
    for (const [name, cfg] of Object.entries(this.networksOf(rec))) {
      let networkId = "";
      if (rec.state.Running) {
        try {
          networkId = this.#network.inspect(name).Id;
        } catch {}
      }
      networks[name] = configuredEndpoint(cfg, networkId);
      if (rec.state.Running && rec.endpointId && (name === "host" || name === "none"))
        networks[name].EndpointID = rec.endpointId;
    }
    return { sandboxId: "", sandboxKey: "", networks, ports: {} };
  }
}

export interface NetworkView {
  sandboxId: string;
  sandboxKey: string;
  networks: Record<string, EndpointSettings>;
  ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
}

function endpointsConfig(networkingConfig: unknown): Record<string, EndpointConfig> {
  if (networkingConfig === undefined || networkingConfig === null) return {};
  if (typeof networkingConfig !== "object" || Array.isArray(networkingConfig))
    throw invalid("json: cannot unmarshal NetworkingConfig: expected an object");
  const eps = (networkingConfig as { EndpointsConfig?: unknown }).EndpointsConfig;
  if (eps === undefined || eps === null) return {};
  if (typeof eps !== "object" || Array.isArray(eps))
    throw invalid("json: cannot unmarshal NetworkingConfig.EndpointsConfig: expected an object");
  return eps as Record<string, EndpointConfig>;
}

/** The parts of an endpoint request kapsel keeps (and inspect shows back). */
function cleanEndpoint(cfg: EndpointConfig | undefined | null): EndpointConfig {
  const out: EndpointConfig = {};
  if (!cfg) return out;
  const ipam = cfg.IPAMConfig;
  if (ipam && (ipam.IPv4Address || ipam.IPv6Address || ipam.LinkLocalIPs?.length))
    out.IPAMConfig = {
      IPv4Address: ipam.IPv4Address ?? "",
      IPv6Address: ipam.IPv6Address ?? "",
      ...(ipam.LinkLocalIPs?.length ? { LinkLocalIPs: [...ipam.LinkLocalIPs] } : {}),
    };
  if (cfg.Links && cfg.Links.length > 0) out.Links = [...cfg.Links];
  if (cfg.Aliases && cfg.Aliases.length > 0) out.Aliases = [...cfg.Aliases];
  if (cfg.MacAddress) out.MacAddress = cfg.MacAddress;
  if (cfg.DriverOpts && Object.keys(cfg.DriverOpts).length > 0) out.DriverOpts = { ...cfg.DriverOpts };
  if (typeof cfg.GwPriority === "number" && cfg.GwPriority !== 0) out.GwPriority = Math.trunc(cfg.GwPriority);
  return out;
}

function configuredEndpoint(cfg: EndpointConfig, networkId: string): EndpointSettings {
  return {
    IPAMConfig: cfg.IPAMConfig ?? null,
    Links: cfg.Links ?? null,
    Aliases: cfg.Aliases ?? null,
    MacAddress: cfg.MacAddress ?? "",
    DriverOpts: cfg.DriverOpts ?? null,
    GwPriority: cfg.GwPriority ?? 0,
    NetworkID: networkId,
    EndpointID: "",
    Gateway: "",
    IPAddress: "",
    IPPrefixLen: 0,
    IPv6Gateway: "",
    GlobalIPv6Address: "",
    GlobalIPv6PrefixLen: 0,
    DNSNames: null,
  };
}

/** Docker's wording for a start that failed in the network; the error's kind is kept. */
function setupError(err: unknown): KapselError {
  const msg = `${NETWORK_SETUP_ERROR}: ${messageOf(err)}`;
  const kind = err instanceof KapselError ? err.kind : "internal";
  return new KapselError(kind, msg, { cause: err });
}

/** An endpoint's addresses for /etc/hosts: IPv4, then IPv6 (libnetwork's getEtcHostsAddrs). */
export function endpointAddresses(settings: { IPAddress?: string; GlobalIPv6Address?: string }): string[] {
  return [settings.IPAddress, settings.GlobalIPv6Address].filter((a): a is string => !!a);
}
