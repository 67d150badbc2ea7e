import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";
import {
  atoi,
  decodeResults,
  filterResults,
  goQueryEscape,
  parseSearchFilters,
  type SearchResult,
  searchRegistry,
  splitSearchTerm,
} from "./search.ts";

const f = (o: Record<string, string[]>) => new Map(Object.entries(o));

test("splitSearchTerm: a bare word or user/name is Docker Hub's, library/ dropped there", () => {
  assert.deepEqual(splitSearchTerm("busybox"), { index: "docker.io", remote: "busybox", official: true });
  assert.deepEqual(splitSearchTerm("library/busybox"), {
    index: "docker.io",
    remote: "busybox",
    official: true,
  });
  assert.deepEqual(splitSearchTerm("samalba/hipache"), {
    index: "docker.io",
    remote: "samalba/hipache",
    official: true,
  });
  assert.deepEqual(splitSearchTerm("index.docker.io/library/x"), {
    index: "docker.io",
    remote: "x",
    official: true,
  });
});

test("splitSearchTerm: a first part with '.' or ':' or localhost names the registry", () => {
  assert.deepEqual(splitSearchTerm("127.0.0.1:5000/busy"), {
    index: "127.0.0.1:5000",
    remote: "busy",
    official: false,
  });
  assert.deepEqual(splitSearchTerm("localhost/a/b"), { index: "localhost", remote: "a/b", official: false });
  assert.deepEqual(splitSearchTerm("reg.example/library/x"), {
    index: "reg.example",
    remote: "library/x",
    official: false,
  });
});

test("parseSearchFilters rejects unknown names and bad values in Docker's words", () => {
  assert.throws(() => parseSearchFilters(f({ x: ["1"] })), {
    kind: "invalid",
    message: "invalid filter 'x'",
  });
  assert.throws(() => parseSearchFilters(f({ stars: ["abc"] })), {
    kind: "invalid",
    message: `invalid filter 'stars=abc': strconv.Atoi: parsing "abc": invalid syntax`,
  });
  assert.throws(() => parseSearchFilters(f({ "is-official": ["maybe"] })), {
    message: "invalid filter 'is-official=[maybe]'",
  });
  assert.throws(() => parseSearchFilters(f({ "is-official": ["true", "false"] })), {
    message: "invalid filter 'is-official=[true false]'",
  });
  assert.throws(() => parseSearchFilters(f({ "is-automated": [] })), {
    message: "invalid filter 'is-automated'",
  });
});

test("parseSearchFilters: the highest stars wins; booleans are 1/true or 0/false only", () => {
  assert.deepEqual(parseSearchFilters(f({})), { official: undefined, minStars: 0, automatedOnly: false });
  assert.deepEqual(parseSearchFilters(f({ stars: ["3", "+7", "5"], "is-official": ["1"] })), {
    official: true,
    minStars: 7,
    automatedOnly: false,
  });
  assert.equal(parseSearchFilters(f({ "is-official": ["false"] })).official, false);
  assert.equal(parseSearchFilters(f({ "is-automated": ["true"] })).automatedOnly, true);
  // as Docker: nothing else is looked at once is-automated=true
  assert.equal(parseSearchFilters(f({ "is-automated": ["1"], stars: ["x"] })).automatedOnly, true);
  assert.throws(() => parseSearchFilters(f({ "is-official": ["True"] })));
});

test("filterResults narrows by stars and is-official and clears is_automated", () => {
  const r = (name: string, starCount: number, isOfficial: boolean): SearchResult => ({
    name,
    description: "",
    starCount,
    isOfficial,
    isAutomated: true,
  });
  const all = [r("a", 10, true), r("b", 2, false), r("c", 3, false)];
  assert.deepEqual(
    filterResults(all, { minStars: 3, automatedOnly: false }).map((x) => x.name),
    ["a", "c"],
  );
  assert.deepEqual(
    filterResults(all, { official: false, minStars: 0, automatedOnly: false }).map((x) => x.name),
    ["b", "c"],
  );
  assert.ok(filterResults(all, { minStars: 0, automatedOnly: false }).every((x) => !x.isAutomated));
});

test("atoi and goQueryEscape behave as Go's strconv.Atoi and url.QueryEscape", () => {
  assert.equal(atoi("-3"), -3);
  assert.equal(atoi("007"), 7);
  assert.equal(atoi(" 1"), 'strconv.Atoi: parsing " 1": invalid syntax');
  assert.equal(
    atoi("99999999999999999999"),
    'strconv.Atoi: parsing "99999999999999999999": value out of range',
  );
  assert.equal(goQueryEscape("a b/c*(d)~!"), "a+b%2Fc%2A%28d%29~%21");
});

test("decodeResults reads the registry's JSON as Go would, missing fields zero", () => {
  assert.deepEqual(decodeResults('{"num_results":1,"results":[{"name":"x","star_count":2}]}'), [
    { name: "x", description: "", starCount: 2, isOfficial: false, isAutomated: false },
  ]);
  assert.deepEqual(decodeResults('{"results":null}'), []);
  assert.throws(() => decodeResults(""), { message: "error decoding registry search results: EOF" });
  assert.throws(() => decodeResults("<html>"), {
    kind: "internal",
    message: "error decoding registry search results: invalid character '<' looking for beginning of value",
  });
  assert.throws(() => decodeResults('{"results":[{"star_count":"many"}]}'), {
    message:
      "error decoding registry search results: json: cannot unmarshal string into Go struct field SearchResult.results.star_count of type int",
  });
});

test("searchRegistry checks filters, scheme and limit as Docker does, in its order", async () => {
  const cfg = { endpoints: { insecureRegistries: [], registryMirrors: [] } };
  // is-automated=true never matches: answered without asking any registry
  assert.deepEqual(await searchRegistry(cfg, { term: "x", filters: f({ "is-automated": ["true"] }) }), []);
  await assert.rejects(searchRegistry(cfg, { term: "x", filters: f({ nope: ["1"] }) }), {
    message: "invalid filter 'nope'",
  });
  await assert.rejects(searchRegistry(cfg, { term: "https://x.io/y", filters: f({}) }), {
    kind: "invalid",
    message: "invalid repository name: repository name (https://x.io/y) should not have a scheme",
  });
});

test("searchRegistry pings then searches an insecure registry over http, sending n and q", async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? "");
    if (req.url === "/v1/_ping") return res.end("{}");
    res.setHeader("Content-Type", "application/json");
    res.end(
      JSON.stringify({
        num_results: 2,
        query: "busy",
        results: [
          { name: "a/busy", description: "d", star_count: 5, is_official: false, is_automated: true },
          { name: "busy", description: "", star_count: 1, is_official: true, is_automated: false },
        ],
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const cfg = { endpoints: { insecureRegistries: [], registryMirrors: [] }, idleTimeout: 5000 };
  try {
    const out = await searchRegistry(cfg, { term: `127.0.0.1:${port}/busy`, limit: 3, filters: f({}) });
    assert.deepEqual(
      out.map((r) => [r.name, r.starCount, r.isOfficial, r.isAutomated]),
      [
        ["a/busy", 5, false, false],
        ["busy", 1, true, false],
      ],
    );
    assert.deepEqual(seen, ["/v1/_ping", "/v1/search?q=busy&n=3"]);
    await assert.rejects(
      searchRegistry(cfg, { term: `127.0.0.1:${port}/busy`, limit: 101, filters: f({}) }),
      {
        kind: "invalid",
        message: "limit 101 is outside the range of [1, 100]",
      },
    );
  } finally {
    server.close();
  }
});

test("searchRegistry with an identity token searches with a bearer token for registry:catalog:search", async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? "";
    seen.push(`${req.method} ${url.split("?")[0]}`);
    if (url === "/v1/_ping") return res.end("{}");
    if (url === "/v2/") {
      res.writeHead(401, {
        "WWW-Authenticate": `Bearer realm="http://${req.headers.host}/token",service="reg"`,
      });
      return res.end();
    }
    if (url === "/token") {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        const form = new URLSearchParams(body);
        assert.equal(form.get("refresh_token"), "refresh-me");
        assert.equal(form.get("scope"), "registry:catalog:search");
        res.end(JSON.stringify({ access_token: "tok" }));
      });
      return;
    }
    if (req.headers.authorization !== "Bearer tok") {
      res.writeHead(401);
      return res.end();
    }
    res.end(JSON.stringify({ results: [{ name: "busy", star_count: 1 }] }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const cfg = { endpoints: { insecureRegistries: [], registryMirrors: [] }, idleTimeout: 5000 };
  try {
    const out = await searchRegistry(cfg, {
      term: `127.0.0.1:${port}/busy`,
      filters: f({}),
      auth: { username: "u", identitytoken: "refresh-me" },
    });
    assert.deepEqual(
      out.map((r) => r.name),
      ["busy"],
    );
    assert.deepEqual(seen, ["GET /v1/_ping", "GET /v2/", "POST /token", "GET /v1/search"]);
  } finally {
    server.close();
  }
});
