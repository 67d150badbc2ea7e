import { API_VERSION, type EngineClient } from "../client/index.ts";
import { type DiskUsage, diskUsage } from "../client/system-df.ts";
import { Transport } from "../client/transport.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, str } from "./command.ts";
import { renderDiskUsage } from "./format/disk-usage.ts";
import { TemplateError } from "./format/template/template-error.ts";
import { FORMAT_HELP } from "./ps.ts";

/** `docker system df` (docker/cli cli/command/system/df.go); the printing is format/disk-usage.ts. */

export const dfFlags: FlagSpec[] = [
  { name: "format", type: "string", description: FORMAT_HELP },
  { name: "verbose", short: "v", type: "bool", description: "Show detailed information on space usage" },
];

export interface DiskUsageOptions {
  verbose: boolean;
  format: string;
}

export function toDiskUsageOptions(flags: ParsedArgs): DiskUsageOptions {
  return { verbose: bool(flags, "verbose"), format: str(flags, "format") };
}

/** GET /system/df over the command's daemon address (until the shared client has the call). */
async function fetchDiskUsage(client: EngineClient): Promise<DiskUsage> {
  const t = new Transport(client.address, API_VERSION);
  try {
    return await diskUsage(t);
  } finally {
    t.close();
  }
}

export const command: CommandModule = {
  usage: "[OPTIONS]",
  short: "Show kapsel disk usage",
  flags: dfFlags,
  args: { kind: "none" },
  async run(ctx) {
    const o = toDiskUsageOptions(ctx.flags);
    // docker asks for every type whatever the flags: the summary needs them all
    const du = await fetchDiskUsage(ctx.client());
    try {
      ctx.stdio.stdout.write(renderDiskUsage(du, o));
    } catch (err) {
      // a -v template that fails while running has printed its first part, as Go's does
      if (err instanceof TemplateError) ctx.stdio.stdout.write(err.output);
      throw err;
    }
    return 0;
  },
};
