import type { CommandModule } from "./command.ts";
import { str } from "./command.ts";
import { INSPECT_FORMAT_HELP } from "./container-inspect.ts";
import { typedImage } from "./inspect-types.ts";
import { inspectAll } from "./inspector.ts";

export const command: CommandModule = {
  usage: "[OPTIONS] IMAGE [IMAGE...]",
  short: "Display detailed information on one or more images",
  flags: [{ name: "format", short: "f", type: "string", description: INSPECT_FORMAT_HELP }],
  args: { kind: "min", n: 1 },
  run(ctx) {
    const client = ctx.client();
    return inspectAll(
      ctx.flags.args,
      str(ctx.flags, "format"),
      async (ref) => {
        const found = await client.images.inspectRaw(ref);
        return { ...found, typed: typedImage(found.value) };
      },
      ctx.stdio,
    );
  },
};
