/**
 * The firewall as data: every rule kapsel wants, in its own chains only, computed from the
 * networks and published ports. The applier loads it with one `iptables-restore --noflush`,
 * which flushes and refills exactly the chains it declares and leaves every other chain alone;
 * the only rules kapsel puts in built-in chains are the five jumps below.
 *
 *   filter FORWARD     -j P-FWD          isolation, published ports, NAT'd traffic out
 *   filter INPUT       -j P-IN           the embedded DNS on each user network's gateway
 *   nat PREROUTING     -m addrtype --dst-type LOCAL -j P-DNAT    published ports from outside
 *   nat OUTPUT         -m addrtype --dst-type LOCAL -j P-DNAT    ... from the host (127.0.0.1)
 *   nat POSTROUTING    -j P-POST         MASQUERADE: subnets going out, loopback and hairpin
 *
 * P is the daemon's chain prefix, so daemons side by side never touch each other's rules.
 *
 * IPv6 (ip6tables, only while a network has IPv6): kapsel neither routes nor NATs IPv6 out of
 * a network, so one chain keeps IPv6 inside each bridge even where the host forwards IPv6:
 *
 *   ip6 filter FORWARD -j P-FWD           drop what enters or leaves an IPv6 network's bridge
 */

export interface FirewallNetwork {
  bridge: string;
  subnet: string;
  gateway: string;
  internal: boolean;
  /** com.docker.network.bridge.enable_ip_masquerade */
  masquerade: boolean;
  /** com.docker.network.bridge.enable_icc */
  icc: boolean;
  /** the embedded DNS server listens on the gateway */
  dns: boolean;
  /** the network has IPv6 */
  ipv6?: boolean;
}

export interface FirewallMapping {
  bridge: string;
  containerIp: string;
  proto: "tcp" | "udp" | "sctp";
  containerPort: number;
  /** "0.0.0.0": any local address */
  hostIp: string;
  hostPort: number;
}

export interface FirewallInput {
  prefix: string;
  networks: readonly FirewallNetwork[];
  /** only mappings of networks that are not internal (Docker ignores those) */
  mappings: readonly FirewallMapping[];
}

export type Table = "filter" | "nat";

export interface Jump {
  table: Table;
  chain: "FORWARD" | "INPUT" | "PREROUTING" | "OUTPUT" | "POSTROUTING";
  args: string[];
}

export interface FirewallPlan {
  /** table → chain → rules (iptables arguments after `-A <chain>`), in order */
  chains: Record<Table, Record<string, string[]>>;
  jumps: Jump[];
  /** ip6tables: the rules of the one IPv6 chain (none: no network has IPv6) and its jump */
  ipv6: { chain: string; rules: string[]; jump: Jump };
}

export function chainNames(prefix: string) {
  return {
    forward: `${prefix}-FWD`,
    isolation: `${prefix}-ISO`,
    input: `${prefix}-IN`,
    dnat: `${prefix}-DNAT`,
    postrouting: `${prefix}-POST`,
  };
}

export function planFirewall(input: FirewallInput): FirewallPlan {
  const c = chainNames(input.prefix);
  const fwd: string[] = [];
  const iso: string[] = [];
  const inp: string[] = [];
  const dnat: string[] = [];
  const post: string[] = [];

  // Published ports stay reachable from other networks: connections the DNAT made skip isolation.
  iso.push("-m conntrack --ctstate DNAT -j RETURN");
  for (const n of input.networks) {
    fwd.push(`-i ${n.bridge} ! -o ${n.bridge} -j ${c.isolation}`);
    iso.push(`-o ${n.bridge} -j DROP`);
  }
  // internal networks: nothing in or out, checked before any ACCEPT of another network
  for (const n of input.networks.filter((n) => n.internal)) {
    fwd.push(`-i ${n.bridge} ! -o ${n.bridge} -j DROP`, `! -i ${n.bridge} -o ${n.bridge} -j DROP`);
  }
  for (const n of input.networks) {
    const br = n.bridge;
    fwd.push(`-o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
    for (const m of input.mappings.filter((m) => m.bridge === br)) {
      fwd.push(`-d ${m.containerIp}/32 ! -i ${br} -o ${br} ${match(m.proto, m.containerPort)} -j ACCEPT`);
    }
    fwd.push(`-i ${br} -o ${br} -j ${n.icc ? "ACCEPT" : "DROP"}`);
    if (!n.internal) fwd.push(`-i ${br} ! -o ${br} -j ACCEPT`);
    // what is not published is not reachable from outside (Docker 28's rule)
    fwd.push(`! -i ${br} -o ${br} -j DROP`);

    if (n.dns) {
      inp.push(`-d ${n.gateway}/32 -i ${br} ${match("udp", 53)} -j ACCEPT`);
      inp.push(`-d ${n.gateway}/32 -i ${br} ${match("tcp", 53)} -j ACCEPT`);
    }
    if (!n.internal && n.masquerade) post.push(`-s ${n.subnet} ! -o ${br} -j MASQUERADE`);
    // 127.0.0.1:port → container: the container must answer to an address it can reach
    post.push(`-s 127.0.0.0/8 -o ${br} -j MASQUERADE`);
  }
  for (const m of input.mappings) {
    const dst = m.hostIp === "0.0.0.0" ? "" : `-d ${m.hostIp}/32 `;
    dnat.push(
      `${dst}${match(m.proto, m.hostPort)} -j DNAT --to-destination ${m.containerIp}:${m.containerPort}`,
    );
    // hairpin: a container reaching its own published port through the host
    post.push(
      `-s ${m.containerIp}/32 -d ${m.containerIp}/32 ${match(m.proto, m.containerPort)} -j MASQUERADE`,
    );
  }
  const fwd6 = input.networks
    .filter((n) => n.ipv6)
    .flatMap((n) => [`-i ${n.bridge} ! -o ${n.bridge} -j DROP`, `! -i ${n.bridge} -o ${n.bridge} -j DROP`]);
  return {
    ipv6: {
      chain: c.forward,
      rules: fwd6,
      jump: { table: "filter", chain: "FORWARD", args: ["-j", c.forward] },
    },
    chains: {
      filter: { [c.forward]: fwd, [c.isolation]: iso, [c.input]: inp },
      nat: { [c.dnat]: dnat, [c.postrouting]: post },
    },
    jumps: [
      { table: "filter", chain: "FORWARD", args: ["-j", c.forward] },
      { table: "filter", chain: "INPUT", args: ["-j", c.input] },
      { table: "nat", chain: "PREROUTING", args: ["-m", "addrtype", "--dst-type", "LOCAL", "-j", c.dnat] },
      { table: "nat", chain: "OUTPUT", args: ["-m", "addrtype", "--dst-type", "LOCAL", "-j", c.dnat] },
      { table: "nat", chain: "POSTROUTING", args: ["-j", c.postrouting] },
    ],
  };
}

function match(proto: string, port: number): string {
  return `-p ${proto} -m ${proto} --dport ${port}`;
}

/** iptables-restore input (for --noflush) that replaces the content of kapsel's chains. */
export function restoreScript(plan: FirewallPlan): string {
  const out: string[] = [];
  for (const table of ["filter", "nat"] as const) {
    const chains = plan.chains[table];
    out.push(`*${table}`);
    for (const name of Object.keys(chains)) out.push(`:${name} - [0:0]`);
    for (const [name, rules] of Object.entries(chains)) for (const r of rules) out.push(`-A ${name} ${r}`);
    out.push("COMMIT");
  }
  return `${out.join("\n")}\n`;
}

/** The address where a container on a user network finds its DNS server, as in Docker. */
export const RESOLVER_ADDRESS = "127.0.0.11";

/**
 * iptables-restore input (without --noflush) for a container's own namespace: its nat table,
 * made of the redirect of 127.0.0.11:53 (udp and tcp) to the embedded DNS server on `gateway`
 * (none: an empty table). The query leaves with a loopback source (route_localnet on the
 * interface lets it), which becomes the container's address so that the server knows who asks.
 */
export function resolverRedirectScript(to?: { gateway: string; containerIp: string }): string {
  const rules = to
    ? [
        ...["udp", "tcp"].map(
          (p) =>
            `-A OUTPUT -d ${RESOLVER_ADDRESS}/32 -p ${p} --dport 53 -j DNAT --to-destination ${to.gateway}:53`,
        ),
        `-A POSTROUTING -s 127.0.0.0/8 -d ${to.gateway}/32 -j SNAT --to-source ${to.containerIp}`,
      ]
    : [];
  const chains = ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"].map((c) => `:${c} ACCEPT [0:0]`);
  return `${["*nat", ...chains, ...rules, "COMMIT"].join("\n")}\n`;
}

/** ip6tables-restore input (for --noflush) that replaces the IPv6 chain's content. */
export function restoreScript6(plan: FirewallPlan): string {
  const { chain, rules } = plan.ipv6;
  return `${["*filter", `:${chain} - [0:0]`, ...rules.map((r) => `-A ${chain} ${r}`), "COMMIT"].join("\n")}\n`;
}

/** ip6tables-restore input that deletes the IPv6 chain (its jump gone first). */
export function removalScript6(chain: string): string {
  return `*filter\n:${chain} - [0:0]\n-X ${chain}\nCOMMIT\n`;
}

/**
 * iptables-restore input that deletes kapsel's chains; the jumps must be gone first. Declaring
 * a chain creates or empties it, so this works whether or not the chains exist.
 */
export function removalScript(prefix: string): string {
  const c = chainNames(prefix);
  const tables: Record<Table, string[]> = {
    filter: [c.forward, c.isolation, c.input],
    nat: [c.dnat, c.postrouting],
  };
  const out: string[] = [];
  for (const [table, chains] of Object.entries(tables)) {
    out.push(`*${table}`, ...chains.map((n) => `:${n} - [0:0]`), ...chains.map((n) => `-X ${n}`), "COMMIT");
  }
  return `${out.join("\n")}\n`;
}

/** The chain prefix of a daemon: KAPSEL for the default bridge, KAPSEL-<bridge> beside it. */
export function chainPrefixFor(bridgeName: string): string {
  return bridgeName === "kapsel0" ? "KAPSEL" : `KAPSEL-${bridgeName}`;
}
