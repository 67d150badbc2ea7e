import assert from "node:assert/strict";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { freePort } from "./harness/docker-registry.ts";

/**
 * A tiny v1 search server in Docker Hub's shape (GET /v1/_ping, GET /v1/search?q=&n=), on
 * 127.0.0.1 (so plain http, as Docker allows for loopback registries). It answers the
 * repositories whose name holds q, n at most; "/v1/search?q=nosearch" is a 404, as a
 * registry without a search API answers.
 */
class SearchServer {
  server!: Server;
  port = 0;
  requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  repos = [
    { name: "busybox", description: "Busybox base image.", star_count: 3466, is_official: true },
    {
      name: "someone/busy-app",
      description: "A busy little app\nthat does a great many things, far too many to list",
      star_count: 3,
      is_official: false,
      is_automated: true,
    },
    { name: "other/busyness", description: "", star_count: 0, is_official: false },
    { name: "unrelated", description: "not found by busy", star_count: 99, is_official: false },
  ];

  get host() {
    return `127.0.0.1:${this.port}`;
  }

  async start() {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://x");
      this.requests.push({ url: req.url ?? "", headers: req.headers });
      if (url.pathname === "/v1/_ping") return res.end("true");
      const q = url.searchParams.get("q") ?? "";
      if (url.pathname !== "/v1/search" || q === "nosearch") {
        res.writeHead(404);
        return res.end("404 page not found\n");
      }
      const n = Number(url.searchParams.get("n"));
      const results = this.repos.filter((r) => r.name.includes(q)).slice(0, n);
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ num_results: results.length, query: q, results }));
    });
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as { port: number }).port;
  }

  searches(): string[] {
    return this.requests.filter((r) => r.url.startsWith("/v1/search")).map((r) => r.url);
  }

  stop() {
    this.server.closeAllConnections();
    this.server.close();
  }
}

const CLIS = ["docker", "kapsel"] as const;

describe("search (GET /images/search) against a v1 search server", () => {
  let d: TestDaemon;
  const reg = new SearchServer();

  before(async () => {
    await reg.start();
    d = await startDaemon({ busybox: false });
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    reg.stop();
  });

  const run = (cli: (typeof CLIS)[number], args: string[]) => d[cli](args);

  /** Runs a search with both CLIs; kapsel's output must be docker's, byte for byte. */
  async function both(args: string[]) {
    const docker = await run("docker", args);
    const kapsel = await run("kapsel", args);
    assert.deepEqual(
      { code: kapsel.code, stdout: kapsel.stdout, stderr: kapsel.stderr.replaceAll("kapsel", "docker") },
      docker,
    );
    return docker;
  }

  test("prints Docker's table: names, descriptions cut at 45 columns, stars, [OK]", async () => {
    const r = await both(["search", `${reg.host}/busy`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      [
        "NAME               DESCRIPTION                                     STARS     OFFICIAL",
        "busybox            Busybox base image.                             3466      [OK]",
        "someone/busy-app   A busy little app that does a great many thi…   3         ",
        "other/busyness                                                     0         ",
        "",
      ].join("\n"),
    );
    assert.deepEqual(reg.searches().slice(-2), ["/v1/search?q=busy&n=25", "/v1/search?q=busy&n=25"]);
  });

  test("--limit sends n=; --no-trunc keeps whole descriptions, newlines as spaces", async () => {
    const r = await both(["search", "--limit", "2", "--no-trunc", `${reg.host}/busy`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /A busy little app that does a great many things, far too many to list {3}3/);
    assert.equal(r.stdout.trim().split("\n").length, 3);
    assert.deepEqual(reg.searches().slice(-2), ["/v1/search?q=busy&n=2", "/v1/search?q=busy&n=2"]);
  });

  test("--filter stars=3 and is-official=true narrow what the registry found", async () => {
    const stars = await both(["search", "--filter", "stars=3", "--format", "{{.Name}}", `${reg.host}/busy`]);
    assert.equal(stars.stdout, "busybox\nsomeone/busy-app\n");
    const official = await both([
      "search",
      "-f",
      "is-official=true",
      "--format",
      "{{.Name}}",
      `${reg.host}/busy`,
    ]);
    assert.equal(official.stdout, "busybox\n");
    const unofficial = await both(["search", "-f", "is-official=false", "-f", "stars=1", `${reg.host}/busy`]);
    assert.equal(
      unofficial.stdout.trim().split("\n").slice(1).join("\n").split(/\s+/)[0],
      "someone/busy-app",
    );
  });

  test("--format renders each result through the template; json shows booleans as true/false", async () => {
    const r = await both(["search", "--format", "{{.Name}}: {{.StarCount}}", `${reg.host}/busy`]);
    assert.equal(r.stdout, "busybox: 3466\nsomeone/busy-app: 3\nother/busyness: 0\n");
    const json = await both(["search", "--limit", "1", "--format", "json", `${reg.host}/busy`]);
    assert.equal(
      json.stdout,
      '{"Description":"Busybox base image.","IsOfficial":"true","Name":"busybox","StarCount":"3466"}\n',
    );
    const table = await both([
      "search",
      "--format",
      "table {{.Name}}\t{{.IsOfficial}}",
      `${reg.host}/busybox`,
    ]);
    assert.equal(table.stdout, "NAME      OFFICIAL\nbusybox   [OK]\n");
  });

  test("is-automated: a deprecation warning; =true finds nothing without asking the registry", async () => {
    const before = reg.searches().length;
    const r = await both(["search", "-f", "is-automated=true", `${reg.host}/busy`]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, "NAME      DESCRIPTION   STARS     OFFICIAL\n");
    assert.match(r.stderr, /WARNING: the "is-automated" filter is deprecated/);
    assert.equal(reg.searches().length, before);
  });

  test("a limit outside [1, 100] and bad filters are the daemon's errors, exit 1", async () => {
    const limit = await both(["search", "--limit", "101", `${reg.host}/busy`]);
    assert.deepEqual(
      [limit.code, limit.stderr],
      [1, "Error response from daemon: limit 101 is outside the range of [1, 100]\n"],
    );
    const stars = await both(["search", "--filter", "stars=abc", `${reg.host}/busy`]);
    assert.deepEqual(
      [stars.code, stars.stderr],
      [
        1,
        `Error response from daemon: invalid filter 'stars=abc': strconv.Atoi: parsing "abc": invalid syntax\n`,
      ],
    );
    const unknown = await both(["search", "--filter", "x=1", `${reg.host}/busy`]);
    assert.deepEqual([unknown.code, unknown.stderr], [1, "Error response from daemon: invalid filter 'x'\n"]);
    const official = await both(["search", "--filter", "is-official=maybe", `${reg.host}/busy`]);
    assert.equal(official.stderr, "Error response from daemon: invalid filter 'is-official=[maybe]'\n");
    const status = await d.api("GET", `/images/search?term=${reg.host}/busy&limit=0x5`);
    assert.equal(status.status, 400);
  });

  test("bad flags are usage errors (125); a term with a scheme is refused", async () => {
    const flag = await both(["search", "--limit", "abc", `${reg.host}/busy`]);
    assert.equal(flag.code, 125);
    assert.match(
      flag.stderr,
      /invalid argument "abc" for "--limit" flag: strconv.ParseInt: parsing "abc": invalid syntax/,
    );
    const noFormat = await both(["search", "--filter", "stars", `${reg.host}/busy`]);
    assert.equal(noFormat.code, 125);
    const scheme = await both(["search", `http://${reg.host}/busy`]);
    assert.deepEqual(
      [scheme.code, scheme.stderr],
      [
        1,
        `Error response from daemon: invalid repository name: repository name (http://${reg.host}/busy) should not have a scheme\n`,
      ],
    );
    const res = await d.api("GET", `/images/search?term=${encodeURIComponent(`http://${reg.host}/busy`)}`);
    assert.equal(res.status, 400);
  });

  test("a registry without search answers its status; one that is down fails its ping (400)", async () => {
    const missing = await both(["search", `${reg.host}/nosearch`]);
    assert.deepEqual(
      [missing.code, missing.stderr],
      [1, "Error response from daemon: Unexpected status code 404\n"],
    );
    const res = await d.api("GET", `/images/search?term=${reg.host}/nosearch`);
    assert.equal(res.status, 500);

    const port = await freePort();
    const down = await both(["search", `127.0.0.1:${port}/busy`]);
    assert.equal(down.code, 1);
    assert.equal(
      down.stderr,
      `Error response from daemon: invalid registry endpoint "http://127.0.0.1:${port}/v1/". HTTPS attempt: Get "https://127.0.0.1:${port}/v1/_ping": dial tcp 127.0.0.1:${port}: connect: connection refused. HTTP attempt: Get "http://127.0.0.1:${port}/v1/_ping": dial tcp 127.0.0.1:${port}: connect: connection refused\n`,
    );
    assert.equal((await d.api("GET", `/images/search?term=127.0.0.1:${port}/busy`)).status, 400);
  });

  test("stored credentials for the registry go to it as Basic auth", async () => {
    const dir = join(d.dir, "docker-config");
    mkdirSync(dir, { recursive: true });
    const auth = Buffer.from("searcher:s3cret").toString("base64");
    writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: { [reg.host]: { auth } } }));
    try {
      for (const cli of CLIS) {
        reg.requests = [];
        const r = await run(cli, ["search", "--format", "{{.Name}}", `${reg.host}/busybox`]);
        assert.equal(r.stdout, "busybox\n", `${cli}: ${r.stderr}`);
        const search = reg.requests.find((x) => x.url.startsWith("/v1/search"));
        assert.equal(search?.headers.authorization, `Basic ${auth}`, cli);
      }
    } finally {
      rmSync(join(dir, "config.json"), { force: true });
    }
  });
});
