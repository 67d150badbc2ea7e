import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname } from "node:path";
import { invalid, messageOf, unavailable } from "../../lib/errors.ts";
import { type HostHelper, hostHelper } from "../runtime/index.ts";
import {
  type FirewallPlan,
  type Jump,
  removalScript,
  removalScript6,
  resolverRedirectScript,
  restoreScript,
  restoreScript6,
} from "./firewall-plan.ts";
import { type NetworkTools, runCommand } from "./host-command.ts";
import { type Prefix, parsePrefix } from "./ipv4.ts";
import {
  type BridgeLink,
  bridgeAddressLines,
  bridgeLines,
  type EndpointLink,
  endpointHostLines,
  endpointNetnsLines,
  endpointRemoveLines,
  endpointSysctls,
} from "./link-plan.ts";

/**
 * Carries out the plans with iproute2 and iptables. Every method is idempotent where it can be
 * (removing what is gone is not an error), so reconciliation can call them blindly. Checks
 * that need no program read /sys and /proc. What a container's start and exit need (its
 * namespace, `ip` in and outside it) goes through the daemon's host helper, which makes the
 * namespace with syscalls and runs `ip` without a spawn from kapseld; iptables is spawned.
 */
export class KernelApplier {
  readonly #tools: NetworkTools;
  readonly #helper: HostHelper;
  #applied = "";
  #jumpsChecked = false;
  /** the IPv6 chain as last loaded; "" while no network has IPv6 */
  #applied6 = "";

  constructor(tools: NetworkTools, helper: HostHelper = hostHelper()) {
    this.#tools = tools;
    this.#helper = helper;
  }

  async ensureBridge(b: BridgeLink): Promise<void> {
    const exists = linkExists(b.name);
    await this.#ip(exists ? bridgeAddressLines(b) : bridgeLines(b));
    // 127.0.0.1:port DNAT'd to a container leaves through the bridge with a loopback source,
    // which the kernel drops as martian unless route_localnet is on (for this bridge only)
    writeSysctl(`/proc/sys/net/ipv4/conf/${b.name}/route_localnet`, "1");
    // containers reach what the host reaches through forwarding (dockerd sets it the same way)
    writeSysctl("/proc/sys/net/ipv4/ip_forward", "1");
  }

  async removeBridge(name: string): Promise<void> {
    if (linkExists(name)) await this.#ip([`link del ${name}`]).catch(() => {});
  }

  /** A new network namespace bound to `path` (as `ip netns add`), with its loopback up. */
  async createNetns(path: string): Promise<void> {
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) await this.removeNetns(path);
    try {
      await this.#helper.newNetns(path);
    } catch (err) {
      await this.removeNetns(path);
      throw err;
    }
  }

  async removeNetns(path: string): Promise<void> {
    await this.#helper.unmount(path).catch((err) => {
      // EINVAL: not (or no longer) a mount point; ENOENT: no such file
      const code = (err as { code?: string }).code;
      if (code !== "EINVAL" && code !== "ENOENT") return this.#helper.unmount(path, { detach: true });
    });
    rmSync(path, { force: true });
  }

  /** The veth pair, its host end on the bridge, the other end addressed inside the namespace. */
  async plugEndpoint(e: EndpointLink): Promise<void> {
    await this.unplugEndpoint(e.hostVeth); // a leftover of the same name from a crash
    await this.#ip(endpointHostLines(e));
    try {
      // the namespace starts interfaces without IPv6 (as Docker on IPv4-only networks): on
      // for an endpoint with an IPv6 address (or an IPv6 link-local one of the user's)
      if (e.ipv6 || e.linkLocal?.some((ip) => ip.includes(":")))
        await this.#helper.nsSysctl(e.netnsPath, `net/ipv6/conf/${e.ifName}/disable_ipv6`, "0");
      await this.#helper.run([this.#tools.ip, "-batch", "-"], {
        netns: e.netnsPath,
        input: `${endpointNetnsLines(e).join("\n")}\n`,
      });
      for (const { key, value } of endpointSysctls(e))
        await this.#helper.nsSysctl(e.netnsPath, key, value).catch((err) => {
          throw invalid(`failed to set sysctl ${key.replaceAll("/", ".")}=${value}: ${messageOf(err)}`);
        });
    } catch (err) {
      await this.unplugEndpoint(e.hostVeth);
      throw err;
    }
  }

  /** Puts a host veth back on its bridge (after the bridge was deleted and made again). */
  async ensureAttached(hostVeth: string, bridge: string): Promise<void> {
    let master = "";
    try {
      master = basename(readlinkSync(`/sys/class/net/${hostVeth}/master`));
    } catch {}
    if (master === bridge) return;
    await this.#ip([
      `link set ${hostVeth} master ${bridge}`,
      `link set dev ${hostVeth} type bridge_slave hairpin on`,
      `link set ${hostVeth} up`,
    ]);
  }

  async unplugEndpoint(hostVeth: string): Promise<void> {
    if (linkExists(hostVeth)) await this.#ip(endpointRemoveLines({ hostVeth })).catch(() => {});
  }

  /**
   * Points 127.0.0.11 inside a container's namespace at the embedded DNS server on `to.gateway`,
   * reached through `to.ifName` (undefined: no redirect): route_localnet on for that interface
   * (the query leaves it with a loopback source), then the namespace's nat table.
   */
  async redirectResolver(
    netnsPath: string,
    to?: { ifName: string; gateway: string; containerIp: string },
  ): Promise<void> {
    if (to) await this.#helper.nsSysctl(netnsPath, `net/ipv4/conf/${to.ifName}/route_localnet`, "1");
    await this.#helper.run([this.#tools.iptablesRestore, "-w"], {
      netns: netnsPath,
      input: resolverRedirectScript(to),
    });
  }

  /** Moves the container's default route (after the endpoint that had it went away). */
  async setDefaultRoute(netnsPath: string, gateway: string, ifName: string): Promise<void> {
    await this.#helper.run([this.#tools.ip, "route", "replace", "default", "via", gateway, "dev", ifName], {
      netns: netnsPath,
    });
  }

  /** Loads the plan into kapsel's chains (one atomic restore) and makes sure the jumps exist. */
  async applyFirewall(plan: FirewallPlan, force = false): Promise<void> {
    const script = restoreScript(plan);
    if (script !== this.#applied || force) {
      await runCommand(this.#tools.iptablesRestore, ["-w", "--noflush"], script);
      this.#applied = script;
    }
    if (!this.#jumpsChecked || force) {
      for (const j of plan.jumps) {
        const exists = await runCommand(this.#tools.iptables, ["-w", "-t", j.table, "-C", j.chain, ...j.args])
          .then(() => true)
          .catch(() => false);
        if (!exists)
          await runCommand(this.#tools.iptables, ["-w", "-t", j.table, "-I", j.chain, "1", ...j.args]);
      }
      this.#jumpsChecked = true;
    }
    await this.#applyFirewall6(plan, force);
  }

  async #applyFirewall6(plan: FirewallPlan, force: boolean): Promise<void> {
    const { ip6tables, ip6tablesRestore } = this.#tools;
    if (plan.ipv6.rules.length === 0) {
      if (this.#applied6 !== "" || force) await this.#removeFirewall6(plan.ipv6.jump, plan.ipv6.chain);
      return;
    }
    if (!ip6tables || !ip6tablesRestore)
      throw unavailable("networks with IPv6 need ip6tables (apt-get install iptables)");
    const script = restoreScript6(plan);
    if (script === this.#applied6 && !force) return;
    await runCommand(ip6tablesRestore, ["-w", "--noflush"], script);
    const j = plan.ipv6.jump;
    const exists = await runCommand(ip6tables, ["-w", "-t", j.table, "-C", j.chain, ...j.args])
      .then(() => true)
      .catch(() => false);
    if (!exists) await runCommand(ip6tables, ["-w", "-t", j.table, "-I", j.chain, "1", ...j.args]);
    this.#applied6 = script;
  }

  /** The IPv6 jump (every copy) and chain; nothing to do where ip6tables is missing. */
  async #removeFirewall6(jump: Jump, chain: string): Promise<void> {
    const { ip6tables, ip6tablesRestore } = this.#tools;
    this.#applied6 = "";
    if (!ip6tables || !ip6tablesRestore) return;
    for (let i = 0; i < 10; i++) {
      const removed = await runCommand(ip6tables, ["-w", "-t", jump.table, "-D", jump.chain, ...jump.args])
        .then(() => true)
        .catch(() => false);
      if (!removed) break;
    }
    await runCommand(ip6tablesRestore, ["-w", "--noflush"], removalScript6(chain)).catch(() => {});
  }

  /** Removes the jumps (every copy) and then kapsel's chains. */
  async removeFirewall(plan: FirewallPlan, prefix: string): Promise<void> {
    for (const j of plan.jumps) {
      for (let i = 0; i < 10; i++) {
        const removed = await runCommand(this.#tools.iptables, [
          "-w",
          "-t",
          j.table,
          "-D",
          j.chain,
          ...j.args,
        ])
          .then(() => true)
          .catch(() => false);
        if (!removed) break;
      }
    }
    await runCommand(this.#tools.iptablesRestore, ["-w", "--noflush"], removalScript(prefix));
    this.#applied = "";
    this.#jumpsChecked = false;
    await this.#removeFirewall6(plan.ipv6.jump, plan.ipv6.chain);
  }

  /** The host's IPv4 routes (the connected subnets among them), for picking free subnets. */
  async hostRoutes(): Promise<Prefix[]> {
    const out = await runCommand(this.#tools.ip, ["-4", "-j", "route", "show", "table", "all"]);
    const routes = JSON.parse(out || "[]") as { dst?: string; type?: string }[];
    const prefixes: Prefix[] = [];
    for (const r of routes) {
      if (!r.dst || r.dst === "default" || (r.type && r.type !== "unicast")) continue;
      const p = parsePrefix(r.dst.includes("/") ? r.dst : `${r.dst}/32`);
      if (p) prefixes.push(p);
    }
    return prefixes;
  }

  async #ip(lines: string[]): Promise<void> {
    await this.#helper.run([this.#tools.ip, "-batch", "-"], { input: `${lines.join("\n")}\n` });
  }
}

export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

function writeSysctl(path: string, value: string): void {
  try {
    if (readFileSync(path, "utf8").trim() === value) return;
  } catch {}
  writeFileSync(path, value);
}

/** Whether `path` is a mount point (a bound namespace file), from /proc/self/mountinfo. */
export function isMountPoint(path: string): boolean {
  try {
    const escaped = path.replace(/[ \t\n\\]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, "0")}`);
    return readFileSync("/proc/self/mountinfo", "utf8")
      .split("\n")
      .some((line) => line.split(" ")[4] === escaped);
  } catch {
    return false;
  }
}
