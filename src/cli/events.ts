import type { EventMessage, FilterArgs } from "../client/index.ts";
import { compareStrings } from "../lib/compare.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { list, str } from "./command.ts";
import { INSPECT_FORMAT_HELP } from "./container-inspect.ts";
import { parseFilters } from "./filters.ts";
import { getTimestamp } from "./flags/timestamp.ts";
import { omitEmpty } from "./format/go-json.ts";
import { goStruct, goTypedStruct } from "./format/go-print.ts";
import { GoTemplate } from "./format/template/go-template.ts";
import { filterFlag } from "./ps.ts";
import { StatusError } from "./status-error.ts";

export const eventsFlags: FlagSpec[] = [
  { name: "since", type: "string", description: "Show all events created since timestamp" },
  { name: "until", type: "string", description: "Stream events until this timestamp" },
  filterFlag,
  { name: "format", type: "string", description: INSPECT_FORMAT_HELP },
];

export interface EventsCommandOptions {
  since?: string;
  until?: string;
  filters: FilterArgs;
  format: string;
}

export function toEventsOptions(flags: ParsedArgs): EventsCommandOptions {
  return {
    since: str(flags, "since") || undefined,
    until: str(flags, "until") || undefined,
    filters: parseFilters(list(flags, "filter")),
    format: str(flags, "format"),
  };
}

/** Go's time.Format("2006-01-02T15:04:05.000000000Z07:00") in the local zone. */
export function rfc3339NanoFixed(nanos: bigint): string {
  const ms = Number(nanos / 1_000_000n);
  const offsetMin = -new Date(ms).getTimezoneOffset();
  const local = new Date(ms + offsetMin * 60_000);
  const frac = String(((nanos % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).padStart(9, "0");
  const zone =
    offsetMin === 0
      ? "Z"
      : `${offsetMin > 0 ? "+" : "-"}${String(Math.trunc(Math.abs(offsetMin) / 60)).padStart(2, "0")}:${String(Math.abs(offsetMin) % 60).padStart(2, "0")}`;
  return `${local.toISOString().slice(0, 19)}.${frac}${zone}`;
}

/** Docker's prettyPrintEvent: "<time> <type> <action> <id> (k=v, ...)". */
export function prettyEvent(e: EventMessage): string {
  let s = "";
  // via the decimal text: timeNano is past 2^53, and the wire digits are what Docker prints
  if (e.timeNano) s += `${rfc3339NanoFixed(BigInt(String(e.timeNano)))} `;
  else if (e.time) s += `${rfc3339NanoFixed(BigInt(e.time) * 1_000_000_000n)} `;
  s += `${e.Type} ${e.Action} ${e.Actor?.ID ?? ""}`;
  const attrs = Object.entries(e.Actor?.Attributes ?? {}).sort(([a], [b]) => compareStrings(a, b));
  if (attrs.length > 0) s += ` (${attrs.map(([k, v]) => `${k}=${v}`).join(", ")})`;
  return `${s}\n`;
}

/**
 * The event as a template sees it: Go's events.Message field names; {{json .}} gives what
 * encoding/json makes of the struct (its field order, omitempty, attributes sorted).
 */
function eventContext(e: EventMessage, typeName = "events.Message"): Record<string, unknown> {
  const attributes = Object.fromEntries(
    Object.entries(e.Actor?.Attributes ?? {}).sort(([a], [b]) => compareStrings(a, b)),
  );
  const json = () => ({
    ...omitEmpty({ status: e.status, id: e.id, from: e.from }),
    Type: e.Type,
    Action: e.Action,
    Actor: { ID: e.Actor?.ID ?? "", Attributes: e.Actor?.Attributes ? attributes : null },
    scope: e.scope ?? "",
    ...omitEmpty({ time: e.time, timeNano: e.timeNano }),
  });
  return goTypedStruct(
    {
      Status: e.status ?? "",
      ID: e.id ?? "",
      From: e.from ?? "",
      Type: e.Type,
      Action: e.Action,
      Actor: goStruct({ ID: e.Actor?.ID ?? "", Attributes: e.Actor?.Attributes ?? {} }, "events.Actor"),
      Scope: e.scope ?? "",
      Time: e.time ?? 0,
      // int64: the wire digits (a double past 2^53 would print others)
      TimeNano: BigInt(String(e.timeNano ?? 0)),
    },
    typeName,
    json,
  );
}

export const command: CommandModule = {
  usage: "[OPTIONS]",
  short: "Get real time events from the server",
  aliases: ["kapsel system events", "kapsel events"],
  flags: eventsFlags,
  args: { kind: "none" },
  async run(ctx) {
    const o = toEventsOptions(ctx.flags);
    let tmpl: GoTemplate | undefined;
    if (o.format !== "") {
      try {
        tmpl = GoTemplate.parse(o.format === "json" ? "{{json .}}" : o.format);
        // docker runs it once over an empty message, so a bad field fails before any event
        tmpl.execute(eventContext({ Type: "", Action: "", Actor: { ID: "" } }, "*events.Message"));
      } catch (err) {
        throw new StatusError(64, `Error parsing format: ${(err as Error).message}`);
      }
    }
    const now = new Date();
    const events = await ctx.client().system.events({
      since: o.since ? getTimestamp(o.since, now) : undefined,
      until: o.until ? getTimestamp(o.until, now) : undefined,
      filters: o.filters,
    });
    for await (const e of events) {
      ctx.stdio.stdout.write(tmpl ? `${tmpl.execute(eventContext(e))}\n` : prettyEvent(e));
    }
    return 0;
  },
};
