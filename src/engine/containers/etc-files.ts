import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../../lib/atomic-file.ts";

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
  dns?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** the container's own address on its network, when it has one */
  address?: string;
}

/** Docker's /etc/hosts content for a container. `--add-host name:ip` lines come after the defaults. */
export function hostsFile(o: EtcOptions): string {
  if (o.networkMode === "host") return readHost("/etc/hosts");
  const lines = [...DEFAULT_HOSTS];
  for (const extra of o.extraHosts ?? []) {
    const sep = extra.indexOf(":") >= 0 && !extra.includes("=") ? extra.indexOf(":") : extra.indexOf("=");
    if (sep > 0) lines.push(`${extra.slice(sep + 1)}\t${extra.slice(0, sep)}`);
  }
  if (o.address) lines.push(`${o.address}\t${o.hostname}`);
  return `${lines.join("\n")}\n`;
}

/**
 * /etc/resolv.conf: the host's, or one made of --dns/--dns-search/--dns-option. Off the host
 * network a loopback nameserver means nothing, so those lines are dropped (Docker's rule).
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
  if (o.networkMode !== "host" && nameservers.length === 0 && o.networkMode !== "none")
    nameservers = ["8.8.8.8", "8.8.4.4"];
  const out: string[] = [];
  if (search.length > 0) out.push(`search ${search.join(" ")}`);
  for (const n of nameservers) out.push(`nameserver ${n}`);
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

export function writeEtcFiles(
  paths: { hostname: string; hosts: string; resolvConf: string },
  o: EtcOptions,
): void {
  writeFileAtomic(paths.hostname, `${o.hostname}\n`);
  writeFileAtomic(paths.hosts, hostsFile(o));
  writeFileAtomic(paths.resolvConf, resolvConf(o));
}
