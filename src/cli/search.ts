import { API_VERSION, type FilterArgs } from "../client/index.ts";
import { type SearchResult, search } from "../client/search.ts";
import { Transport } from "../client/transport.ts";
import type { CommandModule, FlagSpec, ParsedArgs } from "./command.ts";
import { bool, int, list, str } from "./command.ts";
import { parseFilters } from "./filters.ts";
import { ellipsis } from "./format/container-columns.ts";
import { goStruct } from "./format/go-print.ts";
import { formatRows } from "./format/table-format.ts";
import { filterFlag } from "./ps.ts";
import { encodeAuth, registryKey, storedAuth } from "./registry-auth.ts";

/** `docker search` (docker/cli cli/command/registry/search.go and formatter_search.go). */

export const searchFlags: FlagSpec[] = [
  filterFlag,
  { name: "format", type: "string", description: "Pretty-print search using a Go template" },
  { name: "limit", type: "int", description: "Max number of search results" },
  { name: "no-trunc", type: "bool", description: "Don't truncate output" },
];

export interface SearchCommandOptions {
  term: string;
  format: string;
  noTrunc: boolean;
  /** 0: the daemon's default (25) */
  limit: number;
  filters: FilterArgs;
}

export function toSearchOptions(flags: ParsedArgs): SearchCommandOptions {
  return {
    term: flags.args[0],
    format: str(flags, "format"),
    noTrunc: bool(flags, "no-trunc"),
    limit: int(flags, "limit"),
    filters: parseFilters(list(flags, "filter")),
  };
}

export const SEARCH_TABLE_FORMAT = "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}";

const HEADERS = { Name: "NAME", Description: "DESCRIPTION", StarCount: "STARS", IsOfficial: "OFFICIAL" };

/**
 * The registry a search term names, as the auths key of its credentials: the part before the
 * first "/" when it looks like a host (has "." or ":", or is localhost), else Docker Hub.
 */
export function searchRegistryKey(term: string): string {
  const slash = term.indexOf("/");
  const first = slash < 0 ? "" : term.slice(0, slash);
  if (slash < 0 || (!first.includes(".") && !first.includes(":") && first !== "localhost"))
    return registryKey("docker.io");
  return registryKey(first === "index.docker.io" ? "docker.io" : first);
}

/**
 * docker's searchContext: what a --format template sees. IsOfficial is "[OK]" or "" in
 * templates, "true"/"false" once marshalled: Docker's MarshalJSON sets a flag on the context
 * that stays set, so `{{json .}}` (whose key listing the proxy notices) switches it for good.
 */
export function searchRow(r: SearchResult, trunc: boolean): object {
  let json = false;
  const description = r.description.replaceAll("\n", " ").replaceAll("\r", " ");
  const row = goStruct(
    {
      Name: r.name,
      Description: trunc ? ellipsis(description, 45) : description,
      StarCount: String(r.star_count),
      IsOfficial: () => (json ? String(r.is_official) : r.is_official ? "[OK]" : ""),
    },
    "*registry.searchContext",
  );
  return new Proxy(row, {
    ownKeys(target) {
      json = true;
      return Reflect.ownKeys(target);
    },
  });
}

export const command: CommandModule = {
  usage: "[OPTIONS] TERM",
  short: "Search Docker Hub for images",
  flags: searchFlags,
  args: { kind: "exact", n: 1 },
  async run(ctx) {
    const o = toSearchOptions(ctx.flags);
    if (o.filters.has("is-automated")) {
      ctx.stdio.stderr.write(
        'WARNING: the "is-automated" filter is deprecated, and searching for "is-automated=true" will not yield any results in future.\n',
      );
    }
    const auth = encodeAuth(storedAuth(ctx.env, searchRegistryKey(o.term)));
    const t = new Transport(ctx.client().address, API_VERSION);
    let results: SearchResult[];
    try {
      results = await search(t, o.term, { limit: o.limit, filters: o.filters, auth });
    } finally {
      t.close();
    }
    const format = o.format === "" || o.format === "table" ? SEARCH_TABLE_FORMAT : o.format;
    const rows = results.map((r) => searchRow(r, !o.noTrunc));
    ctx.stdio.stdout.write(formatRows(format, rows, { header: HEADERS }));
    return 0;
  },
};
