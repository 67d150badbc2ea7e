import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";

const DEFAULT_HOSTS = [
  "127.0.0.1\tlocalhost",
  "::1\tlocalhost ip6-localhost ip6-loopback",
  "fe00::\tip6-localnet",
  "ff00::\tip6-mcastprefix",
  "ff02::1\tip6-allnodes",
  "ff02::2\tip6-allrouters",
];

export interface EtcOptions {
  hostname: string;
  domainname?: string;
  networkMode: string;
  extraHosts?: string[];
  /** what --add-host name:host-gateway stands for: the default bridge's gateway, as Docker */
  hostGateway?: string;
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** the container's own address on its network, when it has one */
  address?: string;
  /** and its IPv6 address there, on a network with IPv6 */
  address6?: string;
  /** more hosts lines, after --add-host's and before the container's own (legacy links) */
  extraLines?: string[];
  /**
   * The embedded DNS server of the container's user network: the only nameserver, with the
   * host's search and options (--dns becomes that server's upstream, as in Docker).
   */
  dnsServer?: string;
}

/** Docker's /etc/hosts content for a container. `--add-host name:ip` lines come after the defaults. */
export function hostsFile(o: EtcOptions): string {
  if (o.networkMode === "host") return readHost("/etc/hosts");
  const lines = [...DEFAULT_HOSTS];
  for (const extra of o.extraHosts ?? []) {
    let sep = extra.indexOf("=");
    if (sep < 0) sep = extra.indexOf(":");
    if (sep <= 0) continue;
    let ip = extra.slice(sep + 1);
    if (ip.length > 2 && ip.startsWith("[") && ip.endsWith("]")) ip = ip.slice(1, -1);
    if (ip === "host-gateway") {
      if (!o.hostGateway) continue;
      ip = o.hostGateway;
    }
    lines.push(`${ip}\t${extra.slice(0, sep)}`);
  }
  lines.push(...(o.extraLines ?? []));
  // the FQDN and the bare hostname (libnetwork's makeHostsRecs), for each address
  const fqdn = o.domainname ? `${o.hostname}.${o.domainname}` : o.hostname;
  const dot = fqdn.indexOf(".");
  const names = dot > 0 ? `${fqdn} ${fqdn.slice(0, dot)}` : fqdn;
  for (const address of [o.address, o.address6]) if (address) lines.push(`${address}\t${names}`);
  return `${lines.join("\n")}\n`;
}

/**
 * /etc/resolv.conf: the host's, or one made of --dns/--dns-search/--dns-option. Off the host
 * network a loopback nameserver means nothing, so those lines are dropped (Docker's rule).
 * On a user network the embedded DNS server is the nameserver. Docker's order: nameserver,
 * search, options.
 */
export function resolvConf(o: EtcOptions): string {
  const host = readHost("/etc/resolv.conf");
  const hostLines = host.split("\n");
  let nameservers = hostLines.filter((l) => /^\s*nameserver\s/.test(l)).map((l) => l.trim().split(/\s+/)[1]);
  let search = hostLines.filter((l) => /^\s*search\s/.test(l)).flatMap((l) => l.trim().split(/\s+/).slice(1));
  let options = hostLines
    .filter((l) => /^\s*options\s/.test(l))
    .flatMap((l) => l.trim().split(/\s+/).slice(1));
  if (o.networkMode !== "host") nameservers = nameservers.filter((n) => !n.startsWith("127.") && n !== "::1");
  if (o.dns && o.dns.length > 0) nameservers = o.dns;
  if (o.dnsSearch && o.dnsSearch.length > 0) search = o.dnsSearch.filter((s) => s !== ".");
  if (o.dnsOptions && o.dnsOptions.length > 0) options = o.dnsOptions;
  if (o.dnsServer) {
    nameservers = [o.dnsServer];
    // the embedded server answers container names itself: no search-domain detours (Docker's ndots:0)
    if (!options.some((x) => x.startsWith("ndots:"))) options = [...options, "ndots:0"];
  }
  if (o.networkMode !== "host" && nameservers.length === 0 && o.networkMode !== "none")
    nameservers = ["8.8.8.8", "8.8.4.4"];
  const out: string[] = [];
  for (const n of nameservers) out.push(`nameserver ${n}`);
  if (search.length > 0) out.push(`search ${search.join(" ")}`);
  if (options.length > 0) out.push(`options ${options.join(" ")}`);
  return `${out.join("\n")}\n`;
}

function readHost(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/**
 * Writes the three files, each only when its text changed. They are made again at every start,
 * so they need no fsync (a power cut that loses one is repaired by the next start). They are
 * written in place, not through a temporary file and a rename: at a start no process of the
 * container reads them yet, a running container:<x> sharer sees the new text through its bind
 * mount (a rename would leave it the old file), and on an ext4 without a journal each new inode
 * costs about 0.5 ms of kernel time (its allocator skips recently deleted inodes one by one).
 */
export async function writeEtcFiles(
  paths: { hostname: string; hosts: string; resolvConf: string },
  o: EtcOptions,
): Promise<void> {
  // on the thread pool: parallel starts would otherwise queue behind each other's inode allocations
  await Promise.all([
    writeIfChanged(paths.hostname, `${o.hostname}\n`),
    writeIfChanged(paths.hosts, hostsFile(o)),
    writeIfChanged(paths.resolvConf, resolvConf(o)),
  ]);
}

async function writeIfChanged(path: string, text: string): Promise<void> {
  const old = await readFile(path, "utf8").catch(() => undefined);
  if (old !== text) await writeFile(path, text, { mode: 0o644 });
}
