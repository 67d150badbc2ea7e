import type { VolumeCreateOptions } from "../client/index.ts";
import { compareStrings } from "../lib/compare.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { list, str } from "./command.ts";
import { kvStringsToMap, validateLabel } from "./flags/key-value.ts";

/** `docker volume create` (docker/cli cli/command/volume/create.go). */

export const volumeCreateFlags: FlagSpec[] = [
  { name: "driver", short: "d", type: "string", default: "local", description: "Specify volume driver name" },
  { name: "name", type: "string", description: "Specify volume name", hidden: true },
  { name: "opt", short: "o", type: "map", description: "Set driver specific options" },
  { name: "label", type: "list", description: "Set metadata for a volume", validate: validateLabel },
  // cluster volumes only (swarm): listed as docker lists them, refused by the daemon
  { name: "group", type: "string", description: "Cluster Volume group (cluster volumes)" },
  {
    name: "scope",
    type: "string",
    default: "single",
    description: 'Cluster Volume access scope ("single", "multi")',
  },
  {
    name: "sharing",
    type: "string",
    default: "none",
    description: 'Cluster Volume access sharing ("none", "readonly", "onewriter", "all")',
  },
  {
    name: "availability",
    type: "string",
    default: "active",
    description: 'Cluster Volume availability ("active", "pause", "drain")',
  },
  {
    name: "type",
    type: "string",
    default: "block",
    description: 'Cluster Volume access type ("mount", "block")',
  },
  { name: "secret", type: "map", description: "Cluster Volume secrets" },
  { name: "limit-bytes", type: "bytes", description: "Minimum size of the Cluster Volume in bytes" },
  { name: "required-bytes", type: "bytes", description: "Maximum size of the Cluster Volume in bytes" },
  {
    name: "topology-required",
    type: "list",
    description: "A topology that the Cluster Volume must be accessible from",
  },
  {
    name: "topology-preferred",
    type: "list",
    description: "A topology that the Cluster Volume would be preferred in",
  },
];

/**
 * docker's hasClusterVolumeOptionSet. It asks for "secrets", a flag that does not exist, so
 * --secret alone does not make a cluster volume; kept as docker has it.
 */
const CLUSTER_FLAGS = [
  "group",
  "scope",
  "sharing",
  "availability",
  "type",
  "secrets",
  "limit-bytes",
  "required-bytes",
];

/** The create body, as docker's runCreate makes it. */
export function toVolumeCreateBody(flags: ParsedArgs): VolumeCreateOptions {
  let name = str(flags, "name");
  if (flags.args.length === 1) {
    if (name !== "")
      throw new Error(
        "conflicting options: cannot specify a volume-name through both --name and as a positional arg",
      );
    name = flags.args[0];
  }
  // as encoding/json sends volume.CreateOptions: field order, empty ones left out, map keys sorted
  const body: VolumeCreateOptions = {};
  if (CLUSTER_FLAGS.some((f) => flags.changed.has(f))) body.ClusterVolumeSpec = clusterSpec(flags);
  const driver = str(flags, "driver");
  if (driver !== "") body.Driver = driver;
  const opts = sorted(map(flags, "opt"));
  if (Object.keys(opts).length > 0) body.DriverOpts = opts;
  const labels = sorted(kvStringsToMap(list(flags, "label")));
  if (Object.keys(labels).length > 0) body.Labels = labels;
  if (name !== "") body.Name = name;
  return body;
}

function clusterSpec(flags: ParsedArgs): Record<string, unknown> {
  const type = str(flags, "type");
  const topology = (name: string) =>
    list(flags, name).map((t) => ({
      Segments: Object.fromEntries(
        t.split(",").map((seg) => {
          const eq = seg.indexOf("=");
          return eq < 0 ? [seg, ""] : [seg.slice(0, eq), seg.slice(eq + 1)];
        }),
      ),
    }));
  const secrets = Object.entries(map(flags, "secret"))
    .sort(([a], [b]) => compareStrings(a, b))
    .map(([Key, Secret]) => ({ Key, Secret }));
  const requisite = topology("topology-required");
  const preferred = topology("topology-preferred");
  return {
    Group: str(flags, "group"),
    AccessMode: {
      Scope: str(flags, "scope"),
      Sharing: str(flags, "sharing"),
      ...(type === "mount" ? { MountVolume: {} } : type === "block" ? { BlockVolume: {} } : {}),
    },
    AccessibilityRequirements: {
      ...(requisite.length > 0 ? { Requisite: requisite } : {}),
      ...(preferred.length > 0 ? { Preferred: preferred } : {}),
    },
    CapacityRange: {
      RequiredBytes: Number(flags.flags["required-bytes"] ?? 0),
      LimitBytes: Number(flags.flags["limit-bytes"] ?? 0),
    },
    ...(secrets.length > 0 ? { Secrets: secrets } : {}),
    Availability: str(flags, "availability"),
  };
}

function sorted(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => compareStrings(a, b)));
}

function map(flags: ParsedArgs, name: string): Record<string, string> {
  return (flags.flags[name] as Record<string, string> | undefined) ?? {};
}

export const command: CommandModule = {
  usage: "[OPTIONS] [VOLUME]",
  short: "Create a volume",
  flags: volumeCreateFlags,
  args: { kind: "max", n: 1 },
  async run(ctx) {
    const body = toVolumeCreateBody(ctx.flags);
    const vol = await ctx.client().volumes.create(body);
    ctx.stdio.stdout.write(`${vol.Name}\n`);
    return 0;
  },
};
