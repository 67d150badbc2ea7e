import type { Volume } from "../client/index.ts";
import { compareStrings } from "../lib/compare.ts";
import type { CommandModule, FlagSpec } from "./command.ts";
import { str } from "./command.ts";
import { INSPECT_FORMAT_HELP } from "./container-inspect.ts";
import { goTypedStruct } from "./format/go-print.ts";
import { type Inspected, inspectAll } from "./inspector.ts";

/**
 * `docker volume inspect` (docker/cli cli/command/volume/inspect.go). Docker inspects volumes
 * through its typed volume.Volume, not the daemon's raw JSON: templates see Go's fields (an
 * unknown one fails), and the default output is encoding/json's, in the struct's field order.
 */

const HTML = /[<>&]/g;

/** A nil map: printed `map[]` by templates, `null` by json. */
function nilMap(): Record<string, never> {
  return Object.defineProperty({}, "toJSON", { value: () => null }) as Record<string, never>;
}

function sortedMap<T>(m: Record<string, T> | null | undefined): Record<string, T> | null {
  if (!m) return null;
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => compareStrings(a, b)));
}

/** encoding/json's volume.Volume: field order and omitempty as Go's struct tags have them. */
export function volumeJson(v: Volume): Record<string, unknown> {
  const status = sortedMap(v.Status ?? null);
  return {
    ...(v.ClusterVolume ? { ClusterVolume: v.ClusterVolume } : {}),
    ...(v.CreatedAt ? { CreatedAt: v.CreatedAt } : {}),
    Driver: v.Driver,
    Labels: sortedMap(v.Labels),
    Mountpoint: v.Mountpoint,
    Name: v.Name,
    Options: sortedMap(v.Options),
    Scope: v.Scope,
    ...(status && Object.keys(status).length > 0 ? { Status: status } : {}),
    ...(v.UsageData ? { UsageData: { RefCount: v.UsageData.RefCount, Size: v.UsageData.Size } } : {}),
  };
}

/** The volume as Docker's inspect sees it: typed fields for templates, Go's JSON text for output. */
export function inspectedVolume(v: Volume): Inspected {
  const json = volumeJson(v);
  const fields = {
    ClusterVolume: v.ClusterVolume ?? null,
    CreatedAt: v.CreatedAt ?? "",
    Driver: v.Driver,
    Labels: v.Labels ?? nilMap(),
    Mountpoint: v.Mountpoint,
    Name: v.Name,
    Options: v.Options ?? nilMap(),
    Scope: v.Scope,
    Status: v.Status ?? nilMap(),
    UsageData: v.UsageData ?? null,
  };
  // json.Marshal escapes <, > and & in strings
  const raw = JSON.stringify(json).replace(
    HTML,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return { value: goTypedStruct(fields, "volume.Volume", () => json), raw };
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
