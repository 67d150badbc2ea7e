import type { CommandModule, FlagSpec } from "./command.ts";
import { bool, str } from "./command.ts";
import { typedContainer } from "./inspect-types.ts";
import { inspectAll } from "./inspector.ts";

export const INSPECT_FORMAT_HELP =
  "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates";

export const command: CommandModule = {
  usage: "[OPTIONS] CONTAINER [CONTAINER...]",
  short: "Display detailed information on one or more containers",
  flags: [
    { name: "format", short: "f", type: "string", description: INSPECT_FORMAT_HELP },
    { name: "size", short: "s", type: "bool", description: "Display total file sizes" },
  ] satisfies FlagSpec[],
  args: { kind: "min", n: 1 },
  run(ctx) {
    const client = ctx.client();
    const size = bool(ctx.flags, "size");
    return inspectAll(
      ctx.flags.args,
      str(ctx.flags, "format"),
      async (ref) => {
        const found = await client.containers.inspectRaw(ref, { size });
        return { ...found, typed: typedContainer(found.value) };
      },
      ctx.stdio,
    );
  },
};
