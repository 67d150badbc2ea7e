import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { apiBuild, auxId, CLIS, contextDir, leftovers, tarOf, withoutDeprecation } from "./build-support.ts";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// docker build of the workshop's Apache Dockerfile (busybox's httpd standing in for Apache: no
// network needed), with both CLIs: Docker's classic transcript, the image's config and history,
// -t several, --iidfile, -q; then the API itself: a gzip context, a bare Dockerfile as the body,
// q=1, and the events a build makes.
const WORKSHOP = `FROM busybox:latest
COPY index.html /var/www/
EXPOSE 80
CMD ["httpd", "-f", "-p", "80", "-h", "/var/www"]
`;

describe("build: the workshop's Dockerfile", () => {
  let d: TestDaemon;
  const ctx = contextDir({ Dockerfile: WORKSHOP, "index.html": "<h1>Hello from kapsel</h1>\n" });

  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    ctx[Symbol.dispose]();
  });

  for (const cli of CLIS) {
    test(`${cli}: build prints Docker's classic steps and makes a runnable, tagged image`, async () => {
      const iid = join(ctx.dir, `${cli}.iid`);
      const r = await d[cli](
        ["build", "-t", `${cli}-web:1`, "-t", `${cli}-web:latest`, "--iidfile", iid, ctx.dir],
        { timeout: 120_000 },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Step 1\/4 : FROM busybox:latest\n ---> [0-9a-f]{12}\n/);
      assert.match(
        r.stdout,
        /Step 2\/4 : COPY index.html \/var\/www\/\n( ---> Using cache\n)? ---> [0-9a-f]{12}\n/,
      );
      assert.match(r.stdout, /Step 3\/4 : EXPOSE 80\n/);
      assert.match(r.stdout, /Step 4\/4 : CMD \["httpd", "-f", "-p", "80", "-h", "\/var\/www"\]\n/);
      const built = /Successfully built ([0-9a-f]{12})\n/.exec(r.stdout)?.[1];
      assert.ok(built, r.stdout);
      assert.match(
        r.stdout,
        new RegExp(`Successfully tagged ${cli}-web:1\nSuccessfully tagged ${cli}-web:latest\n`),
      );
      const id = readFileSync(iid, "utf8");
      assert.match(id, /^sha256:[0-9a-f]{64}$/);
      assert.equal(id.slice(7, 19), built);

      const cat = await d.docker(["run", "--rm", `${cli}-web:1`, "cat", "/var/www/index.html"]);
      assert.equal(cat.stdout, "<h1>Hello from kapsel</h1>\n");
      const inspect = JSON.parse((await d.docker(["image", "inspect", `${cli}-web:latest`])).stdout)[0];
      assert.equal(inspect.Id, id);
      assert.deepEqual(inspect.Config.ExposedPorts, { "80/tcp": {} });
      assert.deepEqual(inspect.Config.Cmd, ["httpd", "-f", "-p", "80", "-h", "/var/www"]);
    });
  }

  test("the image serves the page: httpd runs as CMD", async () => {
    const r = await d.docker(["run", "-d", "--name", "web", "docker-web:1"]);
    assert.equal(r.code, 0, r.stderr);
    try {
      const got = await d.docker(["exec", "web", "wget", "-qO-", "http://127.0.0.1:80/"]);
      assert.equal(got.stdout, "<h1>Hello from kapsel</h1>\n", got.stderr);
    } finally {
      await d.docker(["rm", "-f", "web"]);
    }
  });

  test("history shows every step as Docker's classic builder records it", async () => {
    const r = await d.docker([
      "history",
      "--no-trunc",
      "--format",
      "{{.CreatedBy}}|{{.Size}}",
      "docker-web:1",
    ]);
    const rows = r.stdout.trim().split("\n");
    assert.equal(rows[0], '/bin/sh -c #(nop)  CMD ["httpd" "-f" "-p" "80" "-h" "/var/www"]|0B');
    assert.equal(rows[1], "/bin/sh -c #(nop)  EXPOSE 80|0B");
    assert.match(rows[2], /^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \/var\/www\/ \|27B$/);
    assert.match(rows[3], /CMD \["sh"\]/);
  });

  test("both CLIs' builds of the same context give the same image", async () => {
    const ids = await Promise.all(
      CLIS.map(async (cli) => (await d.docker(["image", "inspect", "-f", "{{.Id}}", `${cli}-web:1`])).stdout),
    );
    assert.equal(ids[0], ids[1]);
  });

  for (const cli of CLIS)
    test(`${cli}: -q prints only the image id`, async () => {
      const r = await d[cli](["build", "-q", ctx.dir], { timeout: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(withoutDeprecation(r.stderr), "");
      const id = readFileSync(join(ctx.dir, "docker.iid"), "utf8");
      assert.equal(r.stdout, `${id}\n`);
    });

  test("API: a gzip context, q=1, and the events of a build with a RUN step", async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const tar = await tarOf({
      Dockerfile: "FROM busybox:latest\nRUN echo made > /made\n",
    });
    const r = await apiBuild(d, gzipSync(tar), "t=api-gz&q=1");
    assert.equal(r.status, 200, r.body);
    assert.equal(r.messages.length, 1, r.body);
    assert.match(r.messages[0].stream ?? "", /^sha256:[0-9a-f]{64}\n$/);
    const run = await d.docker(["run", "--rm", "api-gz", "cat", "/made"]);
    assert.equal(run.stdout, "made\n");
    const until = Math.floor(Date.now() / 1000) + 1;
    const ev = await d.docker([
      "events",
      "--since",
      `${since}`,
      "--until",
      `${until}`,
      "--format",
      "{{.Type}} {{.Action}}",
    ]);
    const actions = ev.stdout.trim().split("\n");
    for (const a of [
      "container create",
      "container start",
      "container die",
      "container destroy",
      "image tag",
    ])
      assert.ok(actions.includes(a), `${a} in:\n${ev.stdout}`);
    assert.deepEqual(leftovers(d), []);
  });

  test("API: a body that is not a tar is the Dockerfile itself", async () => {
    const r = await apiBuild(d, "FROM busybox:latest\nLABEL from=bare\n", "t=bare");
    assert.equal(r.status, 200, r.body);
    assert.match(r.text, /Step 2\/2 : LABEL from=bare\n/);
    const id = auxId(r.messages);
    assert.ok(id);
    const inspect = JSON.parse((await d.docker(["image", "inspect", "bare"])).stdout)[0];
    assert.equal(inspect.Id, id);
    assert.deepEqual(inspect.Config.Labels, { from: "bare" });
  });

  test("API: check=1 only lints; # check=error=true fails a build with warnings", async () => {
    const tar = await tarOf({ Dockerfile: "FROM busybox\nMAINTAINER me\nCMD httpd -f\n" });
    const r = await apiBuild(d, tar, "check=1");
    assert.equal(r.status, 200, r.body);
    assert.match(r.text, /^WARN: FromLatestTag: .*\(line 1\)$/m);
    assert.match(r.text, /^WARN: MaintainerDeprecated: .*\(line 2\)$/m);
    assert.match(r.text, /^WARN: JSONArgsRecommended: .*\(line 3\)$/m);
    assert.match(r.text, /Check complete, \d+ warnings have been found!\n$/);
    assert.doesNotMatch(r.text, /Step 1/);
    const strict = await apiBuild(
      d,
      await tarOf({ Dockerfile: "# check=error=true\nFROM busybox\nMAINTAINER me\n" }),
    );
    assert.equal(strict.status, 400);
    assert.match(JSON.parse(strict.body).message, /^lint violation found for rules: /);
  });

  test("no container or temporary layer is left after the builds", async () => {
    const ps = await d.docker(["ps", "-aq"]);
    assert.equal(ps.stdout, "");
    assert.deepEqual(leftovers(d), []);
  });
});
