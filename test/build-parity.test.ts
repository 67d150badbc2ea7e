import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { CLIS, type Cli, contextDir, normalized, withoutDeprecation } from "./build-support.ts";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// `kapsel build` prints what `docker build` prints, byte for byte (ids aside), on stdout and
// stderr, and exits with the same status: a fresh build, a cached one, a failing RUN, a
// Dockerfile that does not parse, an unknown instruction, a missing COPY source, -q. The docker
// CLI's own "DEPRECATED: The legacy builder..." notice is not part of the comparison, nor are
// the build checks' warnings that kapsel adds at the end (which the classic builder has not).
describe("build: kapsel prints what docker prints", () => {
  let d: TestDaemon;
  const ctx = contextDir({ "present.txt": "here\n", ".dockerignore": "*.log\n", "x.log": "ignored\n" });

  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    ctx[Symbol.dispose]();
  });

  /** Builds the Dockerfile with each CLI in turn; what each printed, normalized; kapsel's warnings. */
  const both = async (dockerfile: string, ...args: string[]) => {
    writeFileSync(join(ctx.dir, "Dockerfile"), dockerfile);
    const seen = {} as Record<Cli, { code: number; stdout: string; stderr: string }>;
    let warnings = "";
    for (const cli of CLIS) {
      const r = await d[cli](["build", ...args, ctx.dir], { timeout: 60_000 });
      let stdout = normalized(r.stdout);
      if (cli === "kapsel") {
        warnings = /(WARN: [^\n]*\n)+$/.exec(stdout)?.[0] ?? "";
        stdout = stdout.slice(0, stdout.length - warnings.length);
      }
      seen[cli] = {
        code: r.code,
        stdout,
        stderr: normalized(cli === "docker" ? withoutDeprecation(r.stderr) : r.stderr),
      };
    }
    assert.deepEqual(seen.kapsel, seen.docker);
    return { ...seen.docker, warnings };
  };

  const SUCCESS = `FROM busybox:latest
COPY present.txt /present.txt
RUN echo to stdout
RUN echo to stderr >&2
ENV GREETING=hi
CMD ["cat", "/present.txt"]
`;

  test("a build that runs every step, then the same build from the cache", async () => {
    const fresh = await both(SUCCESS, "--no-cache", "-t", "parity:1");
    assert.equal(fresh.code, 0);
    assert.equal(fresh.stderr, "");
    assert.match(fresh.stdout, /^Sending build context to Docker daemon {2}\d/);
    assert.match(
      fresh.stdout,
      / ---> Running in <id>\nto stdout\n ---> Removed intermediate container <id>\n/,
    );
    assert.match(fresh.stdout, /\x1b\[91mto stderr\n\x1b\[0m/);
    assert.match(fresh.stdout, /Successfully built <id>\nSuccessfully tagged parity:1\n$/);
    // and kapsel's build checks' warnings, last as BuildKit gives them
    assert.match(fresh.warnings, /^WARN: FromLatestTag: /m);
    const cached = await both(SUCCESS, "-t", "parity:1");
    assert.equal(cached.code, 0);
    assert.equal((cached.stdout.match(/ ---> Using cache\n/g) ?? []).length, 5, cached.stdout);
    const quiet = await both(SUCCESS, "-q");
    assert.deepEqual(quiet, { code: 0, stdout: "sha256:<digest>\n", stderr: "", warnings: "" });
  });

  test("a failing RUN: its output, Docker's message and its exit code, also with -q", async () => {
    const failing = "FROM busybox:latest\nRUN echo partial && exit 3\n";
    const r = await both(failing);
    assert.equal(r.code, 3);
    assert.match(r.stdout, /partial\n ---> Removed intermediate container <id>\n$/);
    assert.match(r.warnings, /^WARN: NoUserRoot: /m);
    assert.equal(r.stderr, "The command '/bin/sh -c echo partial && exit 3' returned a non-zero code: 3\n");
    // -q: nothing on stdout, everything held back shown on stderr
    const quiet = await both(failing, "-q");
    assert.equal(quiet.code, 3);
    assert.equal(quiet.stdout, "");
    assert.match(quiet.stderr, /^Sending build context[\s\S]*partial\n[\s\S]*returned a non-zero code: 3\n$/);
  });

  test("a Dockerfile that does not parse, and an unknown instruction", async () => {
    const parse = await both("FROM busybox:latest\nCOPY onlyone\n");
    assert.equal(parse.code, 1);
    assert.equal(
      parse.stderr,
      "Error response from daemon: dockerfile parse error on line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined\n",
    );
    const unknown = await both("FROM busybox:latest\nRUNN echo\n");
    assert.equal(unknown.code, 1);
    assert.equal(
      unknown.stderr,
      "Error response from daemon: dockerfile parse error on line 2: unknown instruction: RUNN (did you mean RUN?)\n",
    );
  });

  test("a missing COPY source, and one the .dockerignore excludes", async () => {
    const missing = await both("FROM busybox:latest\nCOPY present.txt nothere /x/\n");
    assert.equal(missing.code, 1);
    assert.equal(
      missing.stderr,
      "COPY failed: file not found in build context or excluded by .dockerignore: stat nothere: file does not exist\n",
    );
    const ignored = await both("FROM busybox:latest\nCOPY x.log /x.log\n");
    assert.equal(ignored.code, 1);
    assert.match(
      ignored.stderr,
      /^COPY failed: file not found in build context or excluded by \.dockerignore/,
    );
  });

  test("builder prune after the same build: the cache entries it deleted and the space", async () => {
    writeFileSync(join(ctx.dir, "Dockerfile"), SUCCESS);
    assert.equal((await d.docker(["builder", "prune", "-f"])).code, 0); // the earlier tests' cache
    const seen = {} as Record<Cli, { code: number; stdout: string; stderr: string }>;
    for (const cli of CLIS) {
      // an untagged build: its step images are kept by the cache only
      const built = await d.docker(["build", "--no-cache", "-q", ctx.dir], { timeout: 60_000 });
      assert.equal(built.code, 0, built.stderr);
      const r = await d[cli](["builder", "prune", "-f"]);
      seen[cli] = { code: r.code, stdout: normalized(r.stdout), stderr: withoutDeprecation(r.stderr) };
    }
    assert.deepEqual(seen.kapsel, seen.docker);
    assert.match(
      seen.docker.stdout,
      /^Deleted build cache objects:\n(<digest>\n){5}\nTotal reclaimed space: [1-9][\d.]*[kM]?B\n$/,
    );
  });
});
