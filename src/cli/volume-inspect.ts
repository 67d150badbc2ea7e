import type { Volume } from "../client/index.ts";
import type { CommandModule, FlagSpec } from "./command.ts";
import { str } from "./command.ts";
import { INSPECT_FORMAT_HELP } from "./container-inspect.ts";
import { typedVolume } from "./inspect-types.ts";
import { type Inspected, inspectAll } from "./inspector.ts";

/**
 * `docker volume inspect` (docker/cli cli/command/volume/inspect.go). Docker inspects volumes
 * through its typed volume.Volume, not the daemon's raw JSON: templates see Go's fields (an
 * unknown one fails), and the default output is encoding/json's, in the struct's field order.
 */

const HTML = /[<>&]/g;

/**
 * The volume as Docker's inspect sees it: its typed view for templates (without the raw JSON
 * for a fallback: `docker volume inspect` has none) and encoding/json's text for output.
 */
export function inspectedVolume(v: Volume): Inspected {
  const typed = typedVolume(v);
  // json.Marshal escapes <, > and & in strings
  const raw = JSON.stringify(typed).replace(
    HTML,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return { typed, raw };
}

export const command: CommandModule = {
  usage: "[OPTIONS] VOLUME [VOLUME...]",
  short: "Display detailed information on one or more volumes",
  flags: [
    { name: "format", short: "f", type: "string", description: INSPECT_FORMAT_HELP },
  ] satisfies FlagSpec[],
  args: { kind: "min", n: 1 },
  async run(ctx) {
    const api = ctx.client().volumes;
    return inspectAll(
      ctx.flags.args,
      str(ctx.flags, "format"),
      async (name) => inspectedVolume(await api.inspect(name)),
      ctx.stdio,
    );
  },
};
