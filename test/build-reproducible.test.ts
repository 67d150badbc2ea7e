import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { contextDir, imageConfig } from "./build-support.ts";
import { KAPSEL_BIN, runCommand, startDaemon, type TestDaemon } from "./harness/daemon.ts";

// Beyond Docker's classic builder (issue 5, point 7): with SOURCE_DATE_EPOCH two --no-cache
// builds, even of a fresh copy of the context, give the identical image id; and an image says
// how it was built (the Dockerfile and build args in its config, every step in its history).
// kapsel also takes SOURCE_DATE_EPOCH from its environment.
const DOCKERFILE = `FROM busybox:latest
ARG GREETING=hello
ENV APP=/app
WORKDIR /app
COPY src/ /app/src/
RUN echo "$GREETING" > /app/greeting && mkdir -p /app/made && touch /app/made/when && rm /app/src/tmp.txt
CMD ["cat", "/app/greeting"]
`;

describe("build: reproducible and explainable images", () => {
  let d: TestDaemon;
  const ctx = contextDir({ Dockerfile: DOCKERFILE, "src/main.c": "int main() {}\n", "src/tmp.txt": "x" });
  const build = async (dir: string, ...args: string[]) => {
    const r = await d.docker(["build", "--no-cache", ...args, "-q", dir], { timeout: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };

  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    ctx[Symbol.dispose]();
  });

  test("SOURCE_DATE_EPOCH: two --no-cache builds, even of a copied context, give the same image", async () => {
    const epoch = ["--build-arg", "SOURCE_DATE_EPOCH=1700000000"];
    const one = await build(ctx.dir, ...epoch);
    await new Promise((r) => setTimeout(r, 1100)); // a new second: new mtimes
    const two = await build(ctx.dir, ...epoch);
    assert.equal(two, one);
    const copy = mkdtempSync("/tmp/kapsel-build-copy-");
    try {
      cpSync(ctx.dir, copy, { recursive: true }); // new mtimes
      assert.equal(await build(copy, ...epoch), one);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
    // kapsel takes it from the environment too, as a build argument: the same image
    const k = await runCommand(KAPSEL_BIN, ["build", "--no-cache", "-q", ctx.dir], {
      ...d.env,
      SOURCE_DATE_EPOCH: "1700000000",
    });
    assert.equal(k.code, 0, k.stderr);
    assert.equal(k.stdout.trim(), one);
    const inspect = JSON.parse((await d.docker(["image", "inspect", one])).stdout)[0];
    assert.equal(inspect.Created, "2023-11-14T22:13:20Z");
    const config = imageConfig(d, one) as { history: Array<{ created: string }> };
    const stepTimes = config.history.slice(2).map((h) => h.created); // the two busybox entries keep theirs
    assert.deepEqual(new Set(stepTimes), new Set(["2023-11-14T22:13:20Z"]));
    // without it, the builds differ (times)
    assert.notEqual(await build(ctx.dir), await build(ctx.dir));
  });

  test("the image records its Dockerfile and build args; history shows every step", async () => {
    const id = await build(
      ctx.dir,
      "--build-arg",
      "GREETING=hi there",
      "--build-arg",
      "SOURCE_DATE_EPOCH=1700000000",
    );
    const record = imageConfig(d, id)["kapsel.build"];
    const expected = {
      dockerfile: DOCKERFILE,
      buildArgs: { GREETING: "hi there", SOURCE_DATE_EPOCH: "1700000000" },
    };
    assert.deepEqual(record, expected);
    // kapsel image inspect shows it
    const shown = await d.kapsel(["image", "inspect", "--format", "{{json .KapselBuild}}", id]);
    assert.deepEqual(JSON.parse(shown.stdout), expected);
    assert.equal((await d.docker(["run", "--rm", id])).stdout, "hi there\n");
    const h = await d.docker(["history", "--no-trunc", "--format", "{{.CreatedBy}}", id]);
    const rows = h.stdout.trim().split("\n");
    assert.equal(rows.length, 8);
    assert.deepEqual(rows.slice(0, 2), [
      '/bin/sh -c #(nop)  CMD ["cat" "/app/greeting"]',
      '|1 GREETING=hi there /bin/sh -c echo "$GREETING" > /app/greeting && mkdir -p /app/made && touch /app/made/when && rm /app/src/tmp.txt',
    ]);
    assert.match(rows[2], /^\/bin\/sh -c #\(nop\) COPY dir:[0-9a-f]{64} in \/app\/src\/ $/);
    assert.deepEqual(rows.slice(3, 6), [
      "/bin/sh -c #(nop) WORKDIR /app",
      "/bin/sh -c #(nop)  ENV APP=/app",
      "/bin/sh -c #(nop)  ARG GREETING=hello",
    ]);
  });
});
