import type { CommandModule } from "./command.ts";

/**
 * `docker volume update` (docker/cli cli/command/volume/update.go) updates cluster volumes
 * only; kapsel has none, so after the same lookup it fails as docker does for a local volume.
 */
export const command: CommandModule = {
  usage: "[OPTIONS] [VOLUME]",
  short: "Update a volume (cluster volumes only)",
  flags: [
    {
      name: "availability",
      type: "string",
      default: "active",
      description: 'Cluster Volume availability ("active", "pause", "drain")',
    },
  ],
  args: { kind: "exact", n: 1 },
  async run(ctx) {
    const vol = await ctx.client().volumes.inspect(ctx.flags.args[0]);
    if (!vol.ClusterVolume) throw new Error("can only update cluster volumes");
    throw new Error("cluster volumes are not supported by kapsel");
  },
};
