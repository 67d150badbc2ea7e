import { joinHostPort } from "../lib/host-port.ts";
import type { CommandModule } from "./command.ts";
import { naturalLess } from "./network-ls.ts";

type PortMap = Record<string, { HostIp: string; HostPort: string }[] | null>;

/** "80" or "80/udp" as the Ports map's key; docker's ParsePort messages. */
export function portKey(spec: string): string {
  const [port, proto = "tcp"] = spec.split("/");
  if (!/^\d+$/.test(port) || Number(port) > 65535) throw new Error(`invalid port: ${port}`);
  return `${Number(port)}/${proto.toLowerCase() || "tcp"}`;
}

/** docker's runPort: every mapping as "80/tcp -> 0.0.0.0:8080", or one port's host addresses. */
export function portLines(ports: PortMap, container: string, spec?: string): string[] {
  const out: string[] = [];
  if (spec !== undefined) {
    const frontends = ports[portKey(spec)];
    if (!frontends || frontends.length === 0)
      throw new Error(`Error: No public port '${spec}' published for ${container}`);
    for (const f of frontends) out.push(joinHostPort(f.HostIp, f.HostPort));
  } else {
    for (const [from, frontends] of Object.entries(ports))
      for (const f of frontends ?? []) out.push(`${from} -> ${joinHostPort(f.HostIp, f.HostPort)}`);
  }
  return out.sort(naturalLess);
}

export const command: CommandModule = {
  usage: "CONTAINER [PRIVATE_PORT[/PROTO]]",
  short: "List port mappings or a specific mapping for the container",
  aliases: ["kapsel container port", "kapsel port"],
  flags: [],
  args: { kind: "range", min: 1, max: 2 },
  async run(ctx) {
    const [container, spec] = ctx.flags.args;
    const c = await ctx.client().containers.inspect(container);
    const ports = ((c.NetworkSettings as { Ports?: PortMap } | undefined)?.Ports ?? {}) as PortMap;
    const lines = portLines(ports, container, spec);
    if (lines.length > 0) ctx.stdio.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  },
};
