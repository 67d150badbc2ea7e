import type * as Dns from "node:dns/promises";
import { isIP } from "node:net";

/**
 * Where a registry name is served: Docker Hub's name (docker.io) means registry-1.docker.io,
 * tried after the configured mirrors (pulls only: credentials never go to a mirror). A registry
 * on 127.0.0.0/8, or named in insecure-registries (by host[:port] or by CIDR), is insecure:
 * https without certificate checks first, then plain http, as Docker does.
 */
export interface Endpoint {
  /** scheme://host[:port] (a mirror may add a path) */
  url: URL;
  tlsVerify: boolean;
  mirror: boolean;
}

export const DOCKER_HUB = "docker.io";
const HUB_ENDPOINT = "https://registry-1.docker.io";

export interface EndpointConfig {
  insecureRegistries: string[];
  registryMirrors: string[];
}

export async function endpointsFor(
  domain: string,
  cfg: EndpointConfig,
  o: { pull: boolean },
): Promise<Endpoint[]> {
  const out: Endpoint[] = [];
  if (domain === DOCKER_HUB) {
    if (o.pull) {
      for (const m of cfg.registryMirrors) {
        const url = new URL(m.includes("://") ? m : `https://${m}`);
        const insecure = url.protocol === "http:" || (await isInsecure(url.host, cfg.insecureRegistries));
        out.push({ url, tlsVerify: !insecure, mirror: true });
      }
    }
    out.push({ url: new URL(HUB_ENDPOINT), tlsVerify: true, mirror: false });
    return out;
  }
  const insecure = await isInsecure(domain, cfg.insecureRegistries);
  out.push({ url: new URL(`https://${domain}`), tlsVerify: !insecure, mirror: false });
  if (insecure) out.push({ url: new URL(`http://${domain}`), tlsVerify: false, mirror: false });
  return out;
}

/** What /info shows of an index (moby's registry.IndexInfo). */
export interface IndexInfo {
  Name: string;
  Mirrors: string[];
  Secure: boolean;
  Official: boolean;
}

/**
 * /info's RegistryConfig, as moby's loadInsecureRegistries builds it: CIDRs given, then
 * ::1/128 and 127.0.0.0/8; an index entry for each insecure host[:port] and for docker.io with
 * the mirrors (each ending in "/", as ValidateMirror leaves them).
 */
export function registryServiceConfig(cfg: { insecureRegistries: string[]; registryMirrors: string[] }): {
  InsecureRegistryCIDRs: string[];
  IndexConfigs: Record<string, IndexInfo>;
  Mirrors: string[];
} {
  const cidrs: string[] = [];
  const indexes: Record<string, IndexInfo> = {};
  for (const entry of [...cfg.insecureRegistries, "::1/128", "127.0.0.0/8"]) {
    const r = entry.replace(/^https?:\/\//i, "");
    if (/^[0-9a-fA-F.:]+\/\d+$/.test(r)) {
      if (!cidrs.includes(r)) cidrs.push(r);
    } else indexes[r] = { Name: r, Mirrors: [], Secure: false, Official: false };
  }
  const mirrors = cfg.registryMirrors.map((m) => `${m.replace(/\/+$/, "")}/`);
  indexes["docker.io"] = { Name: "docker.io", Mirrors: mirrors, Secure: true, Official: true };
  return { InsecureRegistryCIDRs: cidrs, IndexConfigs: indexes, Mirrors: mirrors };
}

/** Docker's isSecureIndex: named insecure, or resolving into 127.0.0.0/8 or an insecure CIDR. */
export async function isInsecure(host: string, insecureRegistries: string[]): Promise<boolean> {
  const hostname = stripPort(host);
  const cidrs = ["127.0.0.0/8", "::1/128"];
  for (const entry of insecureRegistries) {
    const e = entry.replace(/^https?:\/\//, "").replace(/\/+$/, "");
    if (e.includes("/") && /^[0-9a-fA-F.:]+\/\d+$/.test(e)) cidrs.push(e);
    else if (e === host || e === hostname) return true;
  }
  let ips: string[];
  if (isIP(hostname)) ips = [hostname];
  else {
    try {
      // node:dns loads only when a registry name needs resolving, not in every idle kapseld
      const { lookup } = process.getBuiltinModule("node:dns/promises") as typeof Dns;
      ips = (await lookup(hostname, { all: true })).map((a) => a.address);
    } catch {
      return false;
    }
  }
  return ips.some((ip) => cidrs.some((c) => inCidr(ip, c)));
}

function stripPort(host: string): string {
  if (host.startsWith("[")) return host.slice(1, host.indexOf("]"));
  const colon = host.lastIndexOf(":");
  return colon > -1 && host.indexOf(":") === colon ? host.slice(0, colon) : host;
}

export function inCidr(ip: string, cidr: string): boolean {
  const [net, bitsText] = cidr.split("/");
  const a = ipBytes(ip);
  const b = ipBytes(net);
  if (!a || !b || a.length !== b.length) return false;
  let bits = Number(bitsText);
  for (let i = 0; i < a.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((a[i] & mask) !== (b[i] & mask)) return false;
  }
  return true;
}

function ipBytes(ip: string): number[] | undefined {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4mapped) ip = v4mapped[1];
  if (isIP(ip) === 4) return ip.split(".").map(Number);
  if (isIP(ip) !== 6) return undefined;
  const [head, tail] = ip.split("::");
  const parse = (s: string) => (s ? s.split(":").map((x) => Number.parseInt(x, 16)) : []);
  const h = parse(head);
  const t = tail === undefined ? [] : parse(tail);
  const groups = [...h, ...Array(8 - h.length - t.length).fill(0), ...t];
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}
