import { type Distribution, decodeAuthHeader, type SearchResult } from "../engine/distribution/index.ts";
import { invalid } from "../lib/errors.ts";
import { closeSignal, header, queryFilters } from "./request.ts";
import type { Router } from "./router.ts";

/**
 * GET /images/search (moby's getImagesSearch): term, limit, filters; credentials in
 * X-Registry-Auth (one that does not decode is ignored: a search needs none). Answers with
 * Docker's registry.SearchResult list, in its field order.
 */
export function searchRoutes(router: Router, engine: { distribution(): Promise<Distribution> }): void {
  router.get("/images/search", async (ctx) => {
    const results = await (await engine.distribution()).search({
      term: ctx.query.get("term") ?? "",
      limit: searchLimit(ctx.query.get("limit")),
      filters: queryFilters(ctx.query),
      auth: decodeAuthHeader(header(ctx, "x-registry-auth")),
      signal: closeSignal(ctx),
    });
    return results.map(toDocker);
  });
}

/**
 * The limit query: strconv.Atoi's integers. Docker answers a negative one with an empty 200
 * (its error wraps a nil error); a 400 tells the client what it did instead.
 */
function searchLimit(raw: string | null): number | undefined {
  if (raw === null || raw === "") return undefined;
  if (!/^[+-]?\d+$/.test(raw))
    throw invalid(`invalid limit specified: strconv.Atoi: parsing ${JSON.stringify(raw)}: invalid syntax`);
  if (BigInt(raw) > 9223372036854775807n || BigInt(raw) < -9223372036854775808n)
    throw invalid(
      `invalid limit specified: strconv.Atoi: parsing ${JSON.stringify(raw)}: value out of range`,
    );
  const n = Number(raw);
  if (n < 0) throw invalid("invalid limit specified");
  return n;
}

function toDocker(r: SearchResult) {
  return {
    star_count: r.starCount,
    is_official: r.isOfficial,
    name: r.name,
    is_automated: r.isAutomated,
    description: r.description,
  };
}
