import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { build, builtId, CLIS, contextDir } from "./build-support.ts";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// Multi-stage builds (issue 5, point 5): COPY --from by name, by index and from an image; FROM
// an earlier stage; --target; stages the target does not need are not built; independent
// stages run at the same time, their output still in stage order. The CLI's part (the context,
// --target) with both CLIs.
describe("build: multi-stage", () => {
  let d: TestDaemon;
  const ctx = contextDir({
    Dockerfile: `FROM busybox:latest AS builder
RUN mkdir -p /out && echo compiled > /out/app && chown 1000:1000 /out/app

FROM busybox:latest AS never
RUN echo this stage is not needed && exit 1

FROM builder AS tested
RUN test -f /out/app && echo tested > /out/tested

FROM busybox:latest
COPY --from=builder /out/app /usr/local/bin/app
COPY --from=0 /out/app /copy-by-index
COPY --from=tested /out/tested /tested
COPY --from=busybox:latest /bin/busybox /from-image
CMD ["cat", "/usr/local/bin/app"]
`,
    "parallel/Dockerfile": `FROM busybox:latest AS a
RUN cut -d" " -f1 /proc/uptime > /a && sleep 1

FROM busybox:latest AS b
RUN cut -d" " -f1 /proc/uptime > /b && sleep 1

FROM busybox:latest
COPY --from=a /a /a
COPY --from=b /b /b
`,
  });

  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    ctx[Symbol.dispose]();
  });

  test("COPY --from a stage (by name and index) or an image; unneeded stages are skipped", async () => {
    const r = await d.docker(["build", "-t", "multi", ctx.dir], { timeout: 120_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.doesNotMatch(r.stdout, /not needed/);
    // the "never" stage's two steps are not counted
    assert.match(r.stdout, /Step 1\/10 : FROM busybox:latest AS builder\n/);
    assert.match(r.stdout, /Step 10\/10 : CMD \["cat", "\/usr\/local\/bin\/app"\]\n/);
    const run = await d.docker(["run", "--rm", "multi"]);
    assert.equal(run.stdout, "compiled\n");
    const files = await d.docker([
      "run",
      "--rm",
      "multi",
      "sh",
      "-c",
      "cat /copy-by-index /tested; stat -c %u:%g /usr/local/bin/app; test -x /from-image && echo binary",
    ]);
    // COPY --from keeps the owner the file had in its stage
    assert.equal(files.stdout, "compiled\ntested\n1000:1000\nbinary\n");
    // kapsel: the same stages skipped and built, every step from the cache, the same image
    const k = await build(d, "kapsel", ["-t", "multi-kapsel", ctx.dir]);
    assert.match(k, /Step 1\/10 : FROM busybox:latest AS builder\n/);
    assert.doesNotMatch(k, /Running in/);
    assert.equal(builtId(k), builtId(r.stdout));
  });

  for (const cli of CLIS)
    test(`${cli}: --target builds the named stage and only what it needs`, async () => {
      const out = await build(d, cli, ["--target", "tested", "-t", `only-tested-${cli}`, ctx.dir]);
      assert.match(out, /Step 1\/4 : FROM busybox:latest AS builder\n/);
      assert.match(out, /Step 3\/4 : FROM builder AS tested\n/);
      const run = await d.docker(["run", "--rm", `only-tested-${cli}`, "cat", "/out/tested"]);
      assert.equal(run.stdout, "tested\n");
      const bad = await d[cli](["build", "--target", "nosuch", ctx.dir]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /target stage "nosuch" could not be found/);
    });

  test("independent stages build at the same time; the output stays in stage order", async () => {
    const r = await d.docker(
      ["build", "--no-cache", "-t", "parallel", "-f", `${ctx.dir}/parallel/Dockerfile`, ctx.dir],
      {
        timeout: 120_000,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    const a = r.stdout.indexOf('Step 2/7 : RUN cut -d" " -f1 /proc/uptime > /a && sleep 1');
    const b = r.stdout.indexOf("Step 3/7 : FROM busybox:latest AS b");
    const bRun = r.stdout.indexOf('Step 4/7 : RUN cut -d" " -f1 /proc/uptime > /b && sleep 1');
    assert.ok(a >= 0 && a < b && b < bRun, r.stdout);
    // each RUN noted when it started, then slept 1 s: one after the other they would be ≥ 1 s apart
    const run = await d.docker(["run", "--rm", "parallel", "cat", "/a", "/b"]);
    const [ta, tb] = run.stdout.trim().split("\n").map(Number);
    assert.ok(Math.abs(ta - tb) < 0.9, `stage a started at ${ta}, b at ${tb}`);
  });
});
