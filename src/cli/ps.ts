import type { FilterArgs, ListContainersOptions } from "../client/index.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, int, list, str } from "./command.ts";
import { parseFilters, validateFilter } from "./filters.ts";
import {
  CONTAINER_HEADERS,
  type ContainerSummary,
  containerRow,
  DEFAULT_CONTAINER_TABLE_FORMAT,
} from "./format/container-columns.ts";
import { formatRows } from "./format/table-format.ts";
import { GoTemplate } from "./format/template/go-template.ts";

export const FORMAT_HELP =
  "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n'table TEMPLATE':   Print output in table format using the given Go template\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\nRefer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates";

export const filterFlag: FlagSpec = {
  name: "filter",
  short: "f",
  type: "list",
  typeName: "filter",
  description: "Filter output based on conditions provided",
  validate: validateFilter,
};

export const psFlags: FlagSpec[] = [
  { name: "quiet", short: "q", type: "bool", description: "Only display container IDs" },
  { name: "size", short: "s", type: "bool", description: "Display total file sizes" },
  { name: "all", short: "a", type: "bool", description: "Show all containers (default shows just running)" },
  { name: "no-trunc", type: "bool", description: "Don't truncate output" },
  {
    name: "latest",
    short: "l",
    type: "bool",
    description: "Show the latest created container (includes all states)",
  },
  {
    name: "last",
    short: "n",
    type: "int",
    default: -1,
    description: "Show n last created containers (includes all states)",
  },
  { name: "format", type: "string", description: FORMAT_HELP },
  filterFlag,
];

export interface PsOptions {
  all: boolean;
  quiet: boolean;
  size: boolean;
  noTrunc: boolean;
  /** -n; with --latest, 1 */
  limit: number;
  filters: FilterArgs;
  format: string;
}

export function toPsOptions(flags: ParsedArgs): PsOptions {
  const last = int(flags, "last");
  const format = str(flags, "format");
  let size = bool(flags, "size");
  // the format is checked whatever else is asked; sizes are fetched when it shows them and -s was not given
  const used = format !== "" ? checkFormat(format) : undefined;
  if (used?.has("Size") && !bool(flags, "quiet") && !flags.changed.has("size")) size = true;
  return {
    all: bool(flags, "all"),
    quiet: bool(flags, "quiet"),
    size,
    noTrunc: bool(flags, "no-trunc"),
    limit: bool(flags, "latest") && last === -1 ? 1 : last,
    filters: parseFilters(list(flags, "filter")),
    format,
  };
}

const EMPTY_CONTAINER: ContainerSummary = {
  Id: "",
  Names: [],
  Image: "",
  ImageID: "",
  Command: "",
  Created: 0,
  Ports: [],
  State: "",
  Status: "",
};

/**
 * Docker's check of a --format before it lists anything: the template, as given, runs over an
 * empty row ("failed to parse template: ...", "failed to execute template: ..." when it does
 * not), and the fields it reads tell whether the daemon must compute sizes (`{{.Size}}`, and
 * `{{json .}}`, which reads them all). Returns the fields read.
 */
export function checkFormat(format: string): Set<string> {
  let template: GoTemplate;
  try {
    template = GoTemplate.parse(format);
  } catch (err) {
    throw new Error(`failed to parse template: ${(err as Error).message}`);
  }
  const used = new Set<string>();
  const row = new Proxy(containerRow(EMPTY_CONTAINER, { trunc: false }), {
    get(target, key, receiver) {
      if (typeof key === "string") used.add(key);
      return Reflect.get(target, key, receiver);
    },
  });
  try {
    template.execute(row);
  } catch (err) {
    throw new Error(`failed to execute template: ${(err as Error).message}`);
  }
  return used;
}

/** Docker's NewContainerFormat: the template a ps invocation renders with. */
export function psFormat(o: PsOptions): string {
  if (o.format === "" || o.format === "table") {
    if (o.quiet) return "{{.ID}}";
    return o.size ? `${DEFAULT_CONTAINER_TABLE_FORMAT}\t{{.Size}}` : DEFAULT_CONTAINER_TABLE_FORMAT;
  }
  return o.quiet ? "{{.ID}}" : o.format;
}

export const command: CommandModule = {
  usage: "[OPTIONS]",
  short: "List containers",
  aliases: ["kapsel container ls", "kapsel container list", "kapsel container ps", "kapsel ps"],
  flags: psFlags,
  args: { kind: "none" },
  async run(ctx) {
    if (str(ctx.flags, "format") !== "" && bool(ctx.flags, "quiet")) {
      ctx.stdio.stderr.write("WARNING: Ignoring custom format, because both --format and --quiet are set.\n");
    }
    const o = toPsOptions(ctx.flags);
    const query: ListContainersOptions = { all: o.all, limit: o.limit, size: o.size, filters: o.filters };
    const containers = await ctx.client().containers.list(query);
    const now = Date.now();
    const rows = containers.map((c) => containerRow(c, { trunc: !o.noTrunc, now }));
    ctx.stdio.stdout.write(formatRows(psFormat(o), rows, { header: CONTAINER_HEADERS }));
    return 0;
  },
};
