import type { CommandModule, FlagSpec } from "./command.ts";
import { bool, str } from "./command.ts";
import { INSPECT_FORMAT_HELP } from "./container-inspect.ts";
import { typedNetwork } from "./inspect-types.ts";
import { inspectAll } from "./inspector.ts";
import { networksApi } from "./network-client.ts";

export const command: CommandModule = {
  usage: "[OPTIONS] NETWORK [NETWORK...]",
  short: "Display detailed information on one or more networks",
  flags: [
    { name: "format", short: "f", type: "string", description: INSPECT_FORMAT_HELP },
    { name: "verbose", short: "v", type: "bool", description: "Verbose output for diagnostics" },
  ] satisfies FlagSpec[],
  args: { kind: "min", n: 1 },
  async run(ctx) {
    const api = networksApi(ctx.client());
    const verbose = bool(ctx.flags, "verbose");
    try {
      return await inspectAll(
        ctx.flags.args,
        str(ctx.flags, "format"),
        async (ref) => {
          const found = await api.inspectRaw(ref, { verbose });
          return { ...found, typed: typedNetwork(found.value) };
        },
        ctx.stdio,
      );
    } finally {
      api.close();
    }
  },
};
