import { isIPv4 } from "node:net";
import { parseIPv6 } from "../lib/ipv6.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, list, str } from "./command.ts";
import { kvStringsToMap } from "./flags/key-value.ts";
import { type IpamConfig, type NetworkCreateBody, networksApi } from "./network-client.ts";

export const createFlags: FlagSpec[] = [
  {
    name: "driver",
    short: "d",
    type: "string",
    default: "bridge",
    description: "Driver to manage the Network",
  },
  { name: "opt", short: "o", type: "map", description: "Set driver specific options" },
  { name: "label", type: "list", description: "Set metadata on a network" },
  { name: "internal", type: "bool", description: "Restrict external access to the network" },
  { name: "ipv4", type: "bool", default: true, description: "Enable or disable IPv4 address assignment" },
  { name: "ipv6", type: "bool", description: "Enable or disable IPv6 address assignment" },
  { name: "attachable", type: "bool", description: "Enable manual container attachment" },
  { name: "ingress", type: "bool", description: "Create swarm routing-mesh network" },
  { name: "scope", type: "string", description: "Control the network's scope" },
  { name: "config-only", type: "bool", description: "Create a configuration only network" },
  { name: "config-from", type: "string", description: "The network from which to copy the configuration" },
  { name: "ipam-driver", type: "string", default: "default", description: "IP Address Management Driver" },
  {
    name: "subnet",
    type: "list",
    typeName: "strings",
    description: "Subnet in CIDR format that represents a network segment",
  },
  {
    name: "ip-range",
    type: "list",
    typeName: "strings",
    description: "Allocate container ip from a sub-range",
  },
  {
    name: "gateway",
    type: "list",
    typeName: "strings",
    description: "IPv4 or IPv6 Gateway for the master subnet",
  },
  {
    name: "aux-address",
    type: "map",
    description: "Auxiliary IPv4 or IPv6 addresses used by Network driver",
  },
  { name: "ipam-opt", type: "map", description: "Set IPAM driver specific options" },
];

/** pflag's slice flags: repeatable and comma-separated. */
export const slice = (flags: ParsedArgs, name: string) =>
  list(flags, name)
    .flatMap((v) => v.split(","))
    .filter((v) => v !== "");

/** The create body, as docker's runCreate and createIPAMConfig make it. */
export function toCreateBody(flags: ParsedArgs): NetworkCreateBody {
  const subnets = slice(flags, "subnet");
  const ranges = slice(flags, "ip-range");
  const gateways = slice(flags, "gateway");
  if (subnets.length < ranges.length || subnets.length < gateways.length)
    throw new Error("every ip-range or gateway must have a corresponding subnet");
  const configs = new Map<string, IpamConfig>();
  for (const s of subnets) {
    if (!parseCidr(s)) throw new Error(`invalid CIDR address: ${s}`);
    for (const other of configs.keys()) {
      if (contains(other, s) || contains(s, other))
        throw new Error("multiple overlapping subnet configuration is not supported");
    }
    configs.set(s, { Subnet: s });
  }
  const place = (value: string, field: "IPRange" | "Gateway", what: string) => {
    const match = subnets.find((s) => contains(s, value));
    if (!match) throw new Error(`no matching subnet for ${what} ${value}`);
    const cfg = configs.get(match)!;
    if (cfg[field])
      throw new Error(
        field === "IPRange"
          ? `cannot configure multiple ranges (${value}, ${cfg.IPRange}) on the same subnet (${match})`
          : `cannot configure multiple gateways (${value}, ${cfg.Gateway}) for the same subnet (${match})`,
      );
    cfg[field] = value;
  };
  for (const r of ranges) place(r, "IPRange", "range");
  for (const g of gateways) place(g, "Gateway", "gateway");
  for (const [name, addr] of Object.entries(map(flags, "aux-address"))) {
    if (addr === "") continue;
    const match = subnets.find((s) => contains(s, addr));
    if (!match) throw new Error(`no matching subnet for aux-address ${addr}`);
    const cfg = configs.get(match)!;
    cfg.AuxiliaryAddresses = { ...(cfg.AuxiliaryAddresses ?? {}), [name]: addr };
  }
  const body: NetworkCreateBody = {
    Name: flags.args[0],
    Driver: str(flags, "driver"),
    Options: map(flags, "opt"),
    IPAM: {
      Driver: str(flags, "ipam-driver"),
      Config: [...configs.values()],
      Options: map(flags, "ipam-opt"),
    },
    Internal: bool(flags, "internal"),
    Attachable: bool(flags, "attachable"),
    Ingress: bool(flags, "ingress"),
    Scope: str(flags, "scope"),
    ConfigOnly: bool(flags, "config-only"),
    Labels: kvStringsToMap(list(flags, "label")),
  };
  if (flags.changed.has("ipv4")) body.EnableIPv4 = bool(flags, "ipv4");
  if (flags.changed.has("ipv6")) body.EnableIPv6 = bool(flags, "ipv6");
  if (str(flags, "config-from")) body.ConfigFrom = { Network: str(flags, "config-from") };
  return body;
}

function map(flags: ParsedArgs, name: string): Record<string, string> {
  return (flags.flags[name] as Record<string, string> | undefined) ?? {};
}

/** An address or prefix of either family, as a number (Go's net.ParseCIDR, or a bare address). */
function parseCidr(s: string): { family: 4 | 6; addr: bigint; bits: number } | undefined {
  const [ip, bitsText] = s.split("/");
  const family = isIPv4(ip) ? 4 : 6;
  const addr = family === 4 ? ip.split(".").reduce((a, o) => a * 256n + BigInt(o), 0n) : parseIPv6(ip);
  if (addr === undefined) return undefined;
  const width = family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > width) return undefined;
  return { family, addr, bits };
}

/** Whether the address or prefix `inner` lies inside the prefix `outer` (the same family). */
function contains(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  if (!o) throw new Error(`invalid subnet: invalid CIDR address: ${outer}`);
  if (!i || i.family !== o.family) return false;
  const shift = BigInt((o.family === 4 ? 32 : 128) - o.bits);
  return o.addr >> shift === i.addr >> shift && i.bits >= o.bits;
}

export const command: CommandModule = {
  usage: "[OPTIONS] NETWORK",
  short: "Create a network",
  flags: createFlags,
  args: { kind: "exact", n: 1 },
  async run(ctx) {
    const body = toCreateBody(ctx.flags);
    const api = networksApi(ctx.client());
    try {
      const created = await api.create(body);
      ctx.stdio.stdout.write(`${created.Id}\n`);
    } finally {
      api.close();
    }
    return 0;
  },
};
