import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { apiBuild, CLIS, contextDir, leftovers, tarOf } from "./build-support.ts";
import { DOCKER_BIN, KAPSEL_BIN, startDaemon, type TestDaemon } from "./harness/daemon.ts";

// Bad input (issue 5, point 8): what the user sees (Docker's wording, the failing RUN's exit
// code), the status the API answers with, and that nothing is left behind: no container, no
// mount, no temporary layer, no half-made image. With both CLIs.
describe("build: bad input", () => {
  let d: TestDaemon;
  const ctx = contextDir({ "present.txt": "here\n" });
  const dockerfile = (text: string) => {
    writeFileSync(join(ctx.dir, "Dockerfile"), text);
    return ctx.dir;
  };
  const images = async () => (await d.docker(["images", "-aq"])).stdout.trim().split("\n").sort();
  let baseline: string[] = [];

  before(async () => {
    d = await startDaemon();
    baseline = await images();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    ctx[Symbol.dispose]();
  });

  for (const cli of CLIS)
    test(`${cli}: a Dockerfile that does not parse: an error with the line, before any step`, async () => {
      const r = await d[cli](["build", dockerfile("FROM busybox:latest\nFOO bar\n")]);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /Error response from daemon: dockerfile parse error on line 2: unknown instruction: FOO \(did you mean FROM\?\)/,
      );
      assert.doesNotMatch(r.stdout, /Step 1/);
    });

  test("API: a Dockerfile that does not parse, or none: a 400", async () => {
    const api = await apiBuild(d, await tarOf({ Dockerfile: "FROM busybox:latest\nCOPY onlyone\n" }));
    assert.equal(api.status, 400, api.body);
    assert.equal(
      JSON.parse(api.body).message,
      "dockerfile parse error on line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined",
    );
    const none = await apiBuild(d, await tarOf({ "other.txt": "x" }));
    assert.equal(none.status, 400);
    assert.equal(JSON.parse(none.body).message, "Cannot locate specified Dockerfile: Dockerfile");
  });

  for (const cli of CLIS)
    test(`${cli}: a failing RUN: its exit code and Docker's message; nothing left`, async () => {
      const r = await d[cli](
        ["build", dockerfile("FROM busybox:latest\nRUN echo partial > /p && exit 3\n")],
        {
          timeout: 60_000,
        },
      );
      assert.equal(r.code, 3, r.stderr);
      assert.match(
        r.stderr,
        /The command '\/bin\/sh -c echo partial > \/p && exit 3' returned a non-zero code: 3/,
      );
      assert.match(
        r.stdout,
        / ---> Running in [0-9a-f]{12}\n ---> Removed intermediate container [0-9a-f]{12}\n/,
      );
      assert.equal((await d.docker(["ps", "-aq"])).stdout, "");
      assert.deepEqual(leftovers(d), []);
      assert.deepEqual(await images(), baseline);
    });

  test("API: a failing RUN's exit code is errorDetail.code", async () => {
    const api = await apiBuild(d, await tarOf({ Dockerfile: "FROM busybox:latest\nRUN exit 7\n" }));
    assert.equal(api.status, 200);
    const last = api.messages.at(-1);
    assert.deepEqual(last?.errorDetail, {
      code: 7,
      message: "The command '/bin/sh -c exit 7' returned a non-zero code: 7",
    });
    assert.equal((await d.docker(["ps", "-aq"])).stdout, "");
    assert.deepEqual(leftovers(d), []);
    assert.deepEqual(await images(), baseline);
  });

  for (const cli of CLIS)
    test(`${cli}: --rm=false keeps a failed step's container, as Docker does`, async () => {
      const r = await d[cli](["build", "--rm=false", dockerfile("FROM busybox:latest\nRUN exit 2\n")]);
      assert.equal(r.code, 2);
      const ps = await d.docker(["ps", "-aq"]);
      assert.equal(ps.stdout.trim().split("\n").length, 1);
      await d.docker(["rm", "-f", ps.stdout.trim()]);
    });

  for (const cli of CLIS)
    test(`${cli}: missing sources, bad --from and stage cycles`, async () => {
      const fails = async (text: string) => {
        const r = await d[cli](["build", dockerfile(text)], { timeout: 60_000 });
        assert.equal(r.code, 1, r.stdout);
        return r.stderr;
      };
      assert.match(
        await fails("FROM busybox:latest\nCOPY present.txt nothere /x/\n"),
        /COPY failed: file not found in build context or excluded by \.dockerignore: stat nothere: file does not exist/,
      );
      assert.match(
        await fails("FROM busybox:latest\nCOPY nothing* /x/\n"),
        /COPY failed: no source files were specified/,
      );
      assert.match(
        await fails("FROM busybox:latest\nCOPY present.txt Dockerfile /x\n"),
        /When using COPY with more than one source file, the destination must be a directory and end with a \//,
      );
      assert.match(
        await fails("FROM busybox:latest\nCOPY --from=0 /x /y\n"),
        /invalid from flag value 0: refers to current build stage/,
      );
      assert.match(
        await fails("FROM busybox:latest\nCOPY --from=4 /x /y\n"),
        /invalid from flag value 4: index out of bounds/,
      );
      assert.match(
        await fails(
          "FROM busybox:latest AS a\nCOPY --from=b /x /y\nFROM busybox:latest AS b\nCOPY --from=a /x /y\n",
        ),
        /Error response from daemon: circular dependency detected on stage: [ab]/,
      );
      // a missing image is pulled: from a registry on 127.0.0.1 that is not there
      assert.match(await fails("FROM 127.0.0.1:9/nosuch:1\n"), /127\.0\.0\.1:9/);
      assert.deepEqual(leftovers(d), []);
      assert.deepEqual(await images(), baseline);
    });

  for (const cli of CLIS)
    test(`${cli}: a client that goes away mid-RUN: the container is removed`, async () => {
      const dir = dockerfile(`FROM busybox:latest\nRUN echo started && sleep 30 # ${cli}\n`);
      const bin = cli === "docker" ? DOCKER_BIN : KAPSEL_BIN;
      const child = spawn(bin, ["build", dir], { env: d.env, stdio: ["ignore", "pipe", "pipe"] });
      await new Promise<void>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (c) => {
          out += c;
          // the RUN's own output, not the step line that echoes its command
          if (/^started$/m.test(out)) resolve();
        });
        child.on("exit", () => reject(new Error(`${cli} build ended first: ${out}`)));
      });
      child.kill("SIGKILL");
      const deadline = Date.now() + 10_000;
      while ((await d.docker(["ps", "-aq"])).stdout !== "" && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      assert.equal((await d.docker(["ps", "-aq"])).stdout, "");
      assert.deepEqual(leftovers(d), []);
    });

  test("kapseld killed mid-RUN: the next start removes the step's container and layer", async () => {
    const dir = dockerfile("FROM busybox:latest\nRUN echo started && sleep 30 # killed\n");
    const child = spawn(DOCKER_BIN, ["build", dir], { env: d.env, stdio: ["ignore", "pipe", "pipe"] });
    await new Promise<void>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (c) => {
        out += c;
        if (/^started$/m.test(out)) resolve();
      });
      child.on("exit", () => reject(new Error(`docker build ended first: ${out}`)));
    });
    await d.stop("SIGKILL");
    child.kill("SIGKILL");
    await d.start();
    assert.equal((await d.docker(["ps", "-aq"])).stdout, "");
    assert.deepEqual(leftovers(d), []);
    assert.deepEqual(await images(), baseline);
  });

  for (const cli of CLIS)
    test(`${cli}: a bad SOURCE_DATE_EPOCH or platform: an error before the build`, async () => {
      const r = await d[cli]([
        "build",
        "--build-arg",
        "SOURCE_DATE_EPOCH=yesterday",
        dockerfile("FROM busybox:latest\n"),
      ]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /invalid SOURCE_DATE_EPOCH: yesterday/);
      const platform = await d[cli](["build", "--platform", "linux/s390x", ctx.dir]);
      assert.equal(platform.code, 1);
      assert.match(platform.stderr, /builds for linux\/\w+ only/);
    });

  test("API: a bad tag is a 400", async () => {
    const tag = await apiBuild(d, await tarOf({ Dockerfile: "FROM busybox:latest\n" }), "t=Bad:Tag");
    assert.equal(tag.status, 400);
  });
});

describe("build: a context over the daemon's limit", () => {
  test("fails with a clear message, leaves nothing, and the daemon lives on", async () => {
    process.env.KAPSEL_BUILD_CONTEXT_LIMIT = "10000";
    const d = await startDaemon();
    delete process.env.KAPSEL_BUILD_CONTEXT_LIMIT;
    try {
      using ctx = contextDir({ Dockerfile: "FROM busybox:latest\n", "big.bin": "x".repeat(50_000) });
      for (const cli of CLIS) {
        const r = await d[cli](["build", ctx.dir]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /the build context holds more than 9\.8 KiB of files, the daemon's limit/);
        assert.deepEqual(leftovers(d), []);
      }
      // regression: the refused context's tar entry used to end kapseld with an unheard 'error'
      const ping = await d.api("GET", "/_ping");
      assert.equal(ping.status, 200);
    } finally {
      await d[Symbol.asyncDispose]();
    }
  });
});
