import { invalid } from "../../lib/errors.ts";

/**
 * Docker's legacy `--link name:alias`, as data: the stored form of a link, the environment
 * variables the linking container gets and its /etc/hosts line for the linked one
 * (moby daemon/links/links.go and addLegacyLinks). These only apply on the default bridge;
 * on user networks a link is a DNS alias, which the network domain answers.
 */

export interface Link {
  /** the linked container's name, without the slash */
  name: string;
  /** the name the linking container knows it by */
  alias: string;
}

/** moby's opts.ParseLink: "db", "db:alias", or the stored "/db:/web/alias". */
export function parseLink(value: string): Link {
  if (value === "") throw invalid("empty string specified for links");
  const parts = value.split(":");
  if (parts.length > 2) throw invalid(`bad format for links: ${value}`);
  if (parts.length === 1) return { name: value, alias: value };
  if (parts[0].startsWith("/")) return { name: parts[0].slice(1), alias: parts[1].split("/").pop() ?? "" };
  return { name: parts[0], alias: parts[1] };
}

/** How Docker stores (and inspect shows) a link of container `parent`: "/db:/web/alias". */
export function storedLink(link: Link, parent: string): string {
  return `/${link.name}:/${parent}/${link.alias}`;
}

interface Port {
  num: number;
  proto: string;
}

/** TCP first, then by number, then other protocols by name (moby's withTCPPriority). */
function byTcpFirst(a: Port, b: Port): number {
  if (a.proto === b.proto) return a.num - b.num;
  if (a.proto === "tcp") return -1;
  if (b.proto === "tcp") return 1;
  return a.proto < b.proto ? -1 : 1;
}

/**
 * The variables of one link (moby's Link.ToEnv): ALIAS_PORT for the first port, per port
 * ALIAS_PORT_<n>_<PROTO>[_ADDR|_PORT|_PROTO], _START/_END for runs of consecutive ports,
 * ALIAS_NAME, and ALIAS_ENV_<var> for the linked container's own variables (not HOME or PATH).
 * `linkName` is the link's full name, "/web/db".
 */
export function linkEnv(o: {
  linkName: string;
  childIp: string;
  childEnv: readonly string[];
  exposedPorts: Record<string, unknown> | null | undefined;
}): string[] {
  const alias = (o.linkName.split("/").pop() ?? "").toUpperCase().replaceAll("-", "_");
  const ports: Port[] = Object.keys(o.exposedPorts ?? {}).map((key) => {
    const [num, proto = "tcp"] = key.split("/");
    return { num: Number(num), proto: proto || "tcp" };
  });
  ports.sort(byTcpFirst);
  const url = (p: Port) => `${p.proto}://${o.childIp}:${p.num}`;
  const env: string[] = [];
  let start: Port | undefined;
  let end: Port | undefined;
  ports.forEach((p, i) => {
    if (i === 0) {
      start = p;
      end = p;
      env.push(`${alias}_PORT=${url(p)}`);
    }
    const prefix = `${alias}_PORT_${p.num}_${p.proto.toUpperCase()}`;
    env.push(`${prefix}=${url(p)}`, `${prefix}_ADDR=${o.childIp}`, `${prefix}_PORT=${p.num}`);
    env.push(`${prefix}_PROTO=${p.proto}`);
    // part of a run of consecutive ports of one protocol: the run is written when it ends
    if (end && p.num === end.num + 1 && p.proto === end.proto) {
      end = p;
      if (i < ports.length - 1) return;
    }
    if (start && end && (start.num !== end.num || start.proto !== end.proto)) {
      const first = `${alias}_PORT_${start.num}_${start.proto.toUpperCase()}`;
      env.push(`${first}_START=${url(start)}`, `${first}_PORT_START=${start.num}`);
      env.push(`${first}_END=${url(end)}`, `${first}_PORT_END=${end.num}`);
    }
    start = p;
    end = p;
  });
  env.push(`${alias}_NAME=${o.linkName}`);
  for (const kv of o.childEnv) {
    const eq = kv.indexOf("=");
    if (eq < 0) continue;
    const name = kv.slice(0, eq);
    if (name === "HOME" || name === "PATH") continue;
    env.push(`${alias}_ENV_${name}=${kv.slice(eq + 1)}`);
  }
  return env;
}

/** The /etc/hosts line for a linked container: its alias, hostname and (when different) name. */
export function linkHostsLine(o: { ip: string; alias: string; hostname: string; name: string }): string {
  const names = [o.alias, o.hostname];
  if (o.alias !== o.name) names.push(o.name);
  return `${o.ip}\t${names.join(" ")}`;
}
