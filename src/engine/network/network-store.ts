import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomicAsync, writeJsonAtomic } from "../../lib/atomic-file.ts";
import { KeyedLock } from "../../lib/keyed-lock.ts";
import type { Addressing, IpamConfigInput } from "./ipam.ts";
import type { Addressing6 } from "./ipam6.ts";
import type { Proto } from "./port-requests.ts";

/**
 * The records, one JSON file each, written atomically: networks (configuration, under the data
 * root) and sandboxes (what is live for a running container, under the exec root, so a reboot
 * forgets them together with the kernel state they describe). A sandbox file is written
 * before its endpoint is plugged and removed after it is unplugged, so the addresses and ports
 * it holds are never handed out twice, even across a crash.
 */

export type Driver = "bridge" | "host" | "null";

export interface NetworkRecord {
  id: string;
  name: string;
  driver: Driver;
  created: string;
  internal: boolean;
  attachable: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  /** as the create request gave them: null when it gave none (Docker shows null then) */
  ipamOptions: Record<string, string> | null;
  /** the three networks Docker makes by itself: bridge, host, none */
  predefined: boolean;
  /** bridge driver only */
  bridge?: string;
  addressing?: Addressing;
  /** EnableIPv6: the network's IPv6 subnet, gateway and range */
  addressing6?: Addressing6;
  /** without IPv6: the IPv6 entries of the create request's IPAM config, shown, never used */
  ipv6Configs?: IpamConfigInput[];
}

export interface PortMapping {
  proto: Proto;
  containerPort: number;
  hostIp: string;
  hostPort: number;
}

export interface EndpointRecord {
  id: string;
  networkId: string;
  /** container end (eth0...) and host end (vethXXXXXXX) */
  ifName: string;
  hostVeth: string;
  ip: string;
  prefixLen: number;
  gateway: string;
  mac: string;
  /** the container's default route goes through this endpoint */
  defaultRoute: boolean;
  /** the container's name (without the slash): the endpoint name in Docker */
  name: string;
  aliases: string[];
  dnsNames: string[];
  links: { name: string; alias: string }[];
  /** as requested (EndpointSettings.IPAMConfig), for inspect */
  requestedIp?: string;
  /** IPAMConfig.IPv6Address as requested, for inspect (on a network without IPv6 only that) */
  requestedIp6?: string;
  /** on a network with IPv6: the endpoint's address, prefix length and gateway */
  ip6?: string;
  prefixLen6?: number;
  gateway6?: string;
  /** link-local addresses added to the interface, as requested */
  linkLocalIps?: string[];
  /** com.docker.network.endpoint.sysctls, each "net.X.Y.IFNAME.Z=V" */
  sysctls?: string[];
  /** GwPriority (0 when absent) */
  gwPriority?: number;
  /** published ports (only the first non-internal network of a container carries them) */
  ports: PortMapping[];
  /** exposed container ports ("80/tcp"), for Docker's Ports map with null entries */
  exposed: string[];
}

export interface SandboxRecord {
  containerId: string;
  netnsPath: string;
  endpoints: EndpointRecord[];
  /** --dns: where the embedded DNS forwards this container's other names */
  dns?: string[];
  /** the network whose embedded DNS server 127.0.0.11 is redirected to in the namespace */
  resolver?: string;
}

export class NetworkStore {
  readonly #networks: string;
  readonly #sandboxes: string;

  readonly #sandboxWrites = new KeyedLock();

  constructor(root: string, execRoot: string) {
    this.#networks = join(root, "networks");
    this.#sandboxes = join(execRoot, "sandboxes");
    mkdirSync(this.#networks, { recursive: true });
    mkdirSync(this.#sandboxes, { recursive: true });
  }

  loadNetworks(warn: (msg: string) => void): NetworkRecord[] {
    return readRecords<NetworkRecord>(this.#networks, warn);
  }

  saveNetwork(rec: NetworkRecord): void {
    writeJsonAtomic(join(this.#networks, `${rec.id}.json`), rec);
  }

  deleteNetwork(id: string): void {
    rmSync(join(this.#networks, `${id}.json`), { force: true });
  }

  loadSandboxes(warn: (msg: string) => void): SandboxRecord[] {
    return readRecords<SandboxRecord>(this.#sandboxes, warn);
  }

  /**
   * Writes a sandbox's record as it is now, on the thread pool (an fsync under the network lock
   * held every parallel start behind it). The writes and removal of one sandbox's file happen in
   * the order they were asked, so the file always ends with the last state asked for.
   */
  saveSandbox(rec: SandboxRecord): Promise<void> {
    const text = `${JSON.stringify(rec)}\n`;
    const path = join(this.#sandboxes, `${rec.containerId}.json`);
    return this.#sandboxWrites.run(rec.containerId, () => writeFileAtomicAsync(path, text));
  }

  deleteSandbox(containerId: string): Promise<void> {
    const path = join(this.#sandboxes, `${containerId}.json`);
    return this.#sandboxWrites.run(containerId, () => rm(path, { force: true }));
  }
}

function readRecords<T>(dir: string, warn: (msg: string) => void): T[] {
  const out: T[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith(".json")) {
      if (name.includes(".tmp-")) rmSync(join(dir, name), { force: true }); // a write cut short
      continue;
    }
    try {
      out.push(JSON.parse(readFileSync(join(dir, name), "utf8")) as T);
    } catch (err) {
      warn(`network: skipping unreadable record ${join(dir, name)}: ${(err as Error).message}`);
    }
  }
  return out;
}
