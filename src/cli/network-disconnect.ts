import type { CommandModule } from "./command.ts";
import { bool } from "./command.ts";
import { networksApi } from "./network-client.ts";

export const command: CommandModule = {
  usage: "[OPTIONS] NETWORK CONTAINER",
  short: "Disconnect a container from a network",
  flags: [
    {
      name: "force",
      short: "f",
      type: "bool",
      description: "Force the container to disconnect from a network",
    },
  ],
  args: { kind: "exact", n: 2 },
  async run(ctx) {
    const [network, container] = ctx.flags.args;
    const api = networksApi(ctx.client());
    try {
      await api.disconnect(network, container, bool(ctx.flags, "force"));
    } finally {
      api.close();
    }
    return 0;
  },
};
