import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { isIP } from "node:net";

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
  /**
   * the container's own addresses, on each network it joined (IPv4, then IPv6), as each of
   * Docker's endpoint joins adds them
   */
  addresses?: string[];
  /** more hosts lines, after --add-host's and before the container's own (legacy links) */
  extraLines?: string[];
  /**
   * The embedded DNS server of the container's user network: the only nameserver, with the
   * host's search and options (--dns becomes that server's upstream, as in Docker).
   */
  dnsServer?: string;
}

/** The FQDN and the bare hostname (libnetwork's makeHostsRecs), for one of the container's addresses. */
function hostsLine(address: string, o: Pick<EtcOptions, "hostname" | "domainname">): string {
  const fqdn = o.domainname ? `${o.hostname}.${o.domainname}` : o.hostname;
  const dot = fqdn.indexOf(".");
  return `${address}\t${dot > 0 ? `${fqdn} ${fqdn.slice(0, dot)}` : fqdn}`;
}

/**
 * A running container's /etc/hosts after a network connect or disconnect: Docker's etchosts.Add
 * appends the lines of the endpoint's addresses, Delete drops them (the rest stays as it is).
 */
export async function updateHostsFile(
  path: string,
  o: Pick<EtcOptions, "hostname" | "domainname">,
  change: { add?: string[]; remove?: string[] },
): Promise<void> {
  const old = await readFile(path, "utf8").catch(() => undefined);
  if (old === undefined) return;
  const gone = new Set((change.remove ?? []).map((a) => hostsLine(a, o)));
  const lines = old.split("\n").filter((l) => l !== "" && !gone.has(l));
  lines.push(...(change.add ?? []).map((a) => hostsLine(a, o)));
  await writeIfChanged(path, `${lines.join("\n")}\n`);
}

/**
 * Docker's /etc/hosts content for a container. `--add-host name:ip` lines come after the
 * defaults. On the host's network it is the host's file, unless there are --add-host lines:
 * then Docker makes its own, so that they can override the host's names.
 */
export function hostsFile(o: EtcOptions): string {
  if (o.networkMode === "host" && !o.extraHosts?.length) return readHost("/etc/hosts");
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
  for (const address of o.addresses ?? []) lines.push(hostsLine(address, o));
  return `${lines.join("\n")}\n`;
}

/**
 * /etc/resolv.conf as Docker 28 writes it (libnetwork's internal/resolvconf): the host's file
 * (systemd-resolved's upstream one when the host's only names its 127.0.0.53 stub), with
 * --dns, --dns-search and --dns-option over it, then transformed for the network:
 *   - a user network: the embedded DNS server is the only nameserver, the others become its
 *     upstreams ("ExtServers"), ndots:0 unless an ndots option is set;
 *   - the default bridge and none ("legacy"): no loopback or IPv6 nameservers from the host,
 *     Google's two when none is left;
 *   - the host's network: as it is.
 * Docker's header and its closing comments (where each part came from) are written too.
 */
export function resolvConf(o: EtcOptions): string {
  const { sourcePath, rc } = hostResolvConf();
  const overrides: string[] = [];
  let ndotsFrom = hasOption(rc.options, "ndots") ? "host" : "";
  const hostLoopback = !(o.dns && o.dns.length > 0);
  if (!hostLoopback) {
    rc.nameservers = [...o.dns!];
    overrides.push("nameservers");
  }
  if (o.dnsSearch && o.dnsSearch.length > 0) {
    rc.search = o.dnsSearch.filter((s) => s !== ".");
    overrides.push("search");
  }
  if (o.dnsOptions && o.dnsOptions.length > 0) {
    rc.options = [...o.dnsOptions];
    ndotsFrom = hasOption(rc.options, "ndots") ? "override" : "";
    overrides.push("options");
  }
  let transform = "";
  const warnings: string[] = [];
  let extServers: string[] = [];
  if (o.dnsServer) {
    transform = "internal resolver";
    extServers = rc.nameservers.map((ns) => (hostLoopback ? `host(${ns})` : ns));
    rc.nameservers = [o.dnsServer];
    rc.options = rc.options.filter((opt) => !/^ndots(:|$)/.test(opt) || /^ndots:\d+$/.test(opt));
    if (!hasOption(rc.options, "ndots")) {
      rc.options.push("ndots:0");
      ndotsFrom = "internal";
    }
    if (extServers.length === 0) warnings.push("NO EXTERNAL NAMESERVERS DEFINED");
  } else if (o.networkMode !== "host") {
    transform = "legacy";
    if (hostLoopback) {
      // only the host's namespace reaches those; the default bridge has no IPv6
      rc.nameservers = rc.nameservers.filter((ns) => !ns.includes(":") && !ns.startsWith("127."));
      if (rc.nameservers.length === 0) {
        rc.nameservers = ["8.8.8.8", "8.8.4.4"];
        warnings.push("Used default nameservers.");
      }
    }
  }
  const out = [RESOLV_HEADER, ""];
  for (const ns of rc.nameservers) out.push(`nameserver ${ns}`);
  if (rc.search.length > 0) out.push(`search ${rc.search.join(" ")}`);
  if (rc.options.length > 0) out.push(`options ${rc.options.join(" ")}`);
  out.push(...rc.other, "");
  out.push(`# Based on host file: '${sourcePath}'${transform ? ` (${transform})` : ""}`);
  for (const w of warnings) out.push(`# ${w}`);
  if (extServers.length > 0) out.push(`# ExtServers: [${extServers.join(" ")}]`);
  if (rc.invalid.length > 0) out.push(`# Invalid nameservers: [${rc.invalid.join(" ")}]`);
  out.push(`# Overrides: [${overrides.join(" ")}]`);
  if (ndotsFrom) out.push(`# Option ndots from: ${ndotsFrom}`);
  return `${out.join("\n")}\n`;
}

const RESOLV_HEADER = `# Generated by Docker Engine.
# This file can be edited; Docker Engine will not make further changes once it
# has been modified.`;

interface ParsedResolvConf {
  nameservers: string[];
  invalid: string[];
  search: string[];
  options: string[];
  /** lines of directives it does not know, kept as they are */
  other: string[];
}

/** resolvconf's processLine: the last search (or domain) line wins, options accumulate. */
export function parseResolvConf(text: string): ParsedResolvConf {
  const rc: ParsedResolvConf = { nameservers: [], invalid: [], search: [], options: [], other: [] };
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/).filter(Boolean);
    if (fields.length === 0 || fields[0][0] === "#" || fields[0][0] === ";") continue;
    const [key, ...rest] = fields;
    if (key === "nameserver") {
      if (rest.length === 0) continue;
      if (isIP(rest[0].replace(/%.*$/, ""))) rc.nameservers.push(rest[0]);
      else rc.invalid.push(rest[0]);
    } else if (key === "search" || key === "domain") {
      if (rest.length > 0) rc.search = rest;
    } else if (key === "options") {
      rc.options.push(...rest);
    } else rc.other.push(line);
  }
  return rc;
}

const hasOption = (options: string[], name: string) => options.some((o) => o.split(":", 1)[0] === name);

/**
 * The host's resolv.conf, parsed: systemd-resolved's upstream file when /etc/resolv.conf names
 * only its stub (resolvconf.Path()).
 */
function hostResolvConf(): { sourcePath: string; rc: ParsedResolvConf } {
  const rc = parseResolvConf(readHost("/etc/resolv.conf"));
  if (rc.nameservers.length !== 1 || rc.nameservers[0] !== "127.0.0.53")
    return { sourcePath: "/etc/resolv.conf", rc };
  const sourcePath = "/run/systemd/resolve/resolv.conf";
  return { sourcePath, rc: parseResolvConf(readHost(sourcePath)) };
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
    writeResolvConf(paths.resolvConf, resolvConf(o)),
  ]);
}

/** A running container's resolv.conf made again (after a network connect), unless the user edited it. */
export function updateResolvConf(path: string, o: EtcOptions): Promise<void> {
  return writeResolvConf(path, resolvConf(o));
}

/**
 * resolv.conf, unless the user changed it since kapsel wrote it: its header says Docker Engine
 * will then leave it alone, and Docker keeps that promise with a hash of what it wrote
 * (<file>.hash, as libnetwork's resolvconf.UserModified).
 */
async function writeResolvConf(path: string, text: string): Promise<void> {
  const old = await readFile(path, "utf8").catch(() => undefined);
  if (old === text) return;
  const hashPath = `${path}.hash`;
  if (old !== undefined) {
    const written = await readFile(hashPath, "utf8").catch(() => undefined);
    if (written !== undefined && written !== sha256(old)) return;
  }
  await writeFile(path, text, { mode: 0o644 });
  await writeFile(hashPath, sha256(text), { mode: 0o644 });
}

const sha256 = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

async function writeIfChanged(path: string, text: string): Promise<void> {
  const old = await readFile(path, "utf8").catch(() => undefined);
  if (old !== text) await writeFile(path, text, { mode: 0o644 });
}
