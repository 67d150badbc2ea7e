import { isIP } from "node:net";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { int, list, str } from "./command.ts";
import { type EndpointRequest, networksApi } from "./network-client.ts";
import { slice } from "./network-create.ts";

const ipFlag = (name: string, description: string): FlagSpec => ({
  name,
  type: "string",
  description,
  validate: (v) => {
    if (isIP(v) === 0) throw new Error(`invalid string being converted to IP address: ${v}`);
    return v;
  },
});

export const connectFlags: FlagSpec[] = [
  ipFlag("ip", 'IPv4 address (e.g., "172.30.100.104")'),
  ipFlag("ip6", 'IPv6 address (e.g., "2001:db8::33")'),
  { name: "link", type: "list", description: "Add link to another container" },
  {
    name: "alias",
    type: "list",
    typeName: "strings",
    description: "Add network-scoped alias for the container",
  },
  {
    name: "link-local-ip",
    type: "list",
    typeName: "strings",
    description: "Add a link-local address for the container",
  },
  { name: "driver-opt", type: "list", typeName: "strings", description: "driver options for the network" },
  {
    name: "gw-priority",
    type: "int",
    description: "Highest gw-priority provides the default gateway. Accepts positive and negative values.",
  },
];

/** The endpoint docker's runConnect sends. */
export function toEndpoint(flags: ParsedArgs): EndpointRequest {
  const driverOpts: Record<string, string> = {};
  for (const opt of slice(flags, "driver-opt")) {
    const eq = opt.indexOf("=");
    const key = eq < 0 ? "" : opt.slice(0, eq).trim();
    if (key === "") throw new Error("invalid key/value pair format in driver options");
    driverOpts[key] = opt.slice(eq + 1).trim();
  }
  for (const link of list(flags, "link")) {
    const parts = link.split(":");
    if (link === "" || parts.length > 2 || parts.some((p) => p === ""))
      throw new Error(`bad format for links: ${link}`);
  }
  return {
    IPAMConfig: {
      IPv4Address: str(flags, "ip"),
      IPv6Address: str(flags, "ip6"),
      LinkLocalIPs: slice(flags, "link-local-ip"),
    },
    Links: list(flags, "link"),
    Aliases: slice(flags, "alias"),
    DriverOpts: driverOpts,
    GwPriority: int(flags, "gw-priority"),
  };
}

export const command: CommandModule = {
  usage: "[OPTIONS] NETWORK CONTAINER",
  short: "Connect a container to a network",
  flags: connectFlags,
  args: { kind: "exact", n: 2 },
  async run(ctx) {
    const endpoint = toEndpoint(ctx.flags);
    const [network, container] = ctx.flags.args;
    const api = networksApi(ctx.client());
    try {
      await api.connect(network, container, endpoint);
    } finally {
      api.close();
    }
    return 0;
  },
};
