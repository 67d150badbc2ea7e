import { filtersParam, type Transport } from "./transport.ts";
import type { FilterArgs } from "./types.ts";

/** Docker's registry.SearchResult, as GET /images/search sends it. */
export interface SearchResult {
  star_count: number;
  is_official: boolean;
  name: string;
  /** deprecated: always false */
  is_automated: boolean;
  description: string;
}

export interface SearchOptions {
  /** sent only when above 0 (the daemon's default is 25), as Docker's client does */
  limit?: number;
  filters?: FilterArgs;
  /** the encoded X-Registry-Auth */
  auth?: string;
}

/** GET /images/search (Docker's ImageSearch); the results come in the registry's order. */
export async function search(t: Transport, term: string, o: SearchOptions = {}): Promise<SearchResult[]> {
  const results = await t.json<SearchResult[] | null>({
    method: "GET",
    path: "/images/search",
    query: {
      term,
      limit: o.limit !== undefined && o.limit > 0 ? o.limit : undefined,
      filters: filtersParam(o.filters),
    },
    headers: o.auth ? { "X-Registry-Auth": o.auth } : undefined,
  });
  return results ?? [];
}
