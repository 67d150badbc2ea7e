import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { build, CLIS, contextDir, withoutDeprecation } from "./build-support.ts";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// kapsel's build checks (issue 5, point 7): `kapsel build --check` lints the Dockerfile without
// building and prints each warning with its line, exiting 0 (1 when the Dockerfile says
// `# check=error=true`); a normal build through kapsel prints them after its transcript, as
// BuildKit does, while the docker CLI's classic build shows none, as against Docker.
const DOCKERFILE = `FROM busybox:latest AS tools
RUN echo tools > /tools

FROM busybox
MAINTAINER Jane <jane@example.org>
RUN apt-get update || true
RUN apt-get install -y curl || true
ADD hello.txt /hello.txt
COPY --from=tools /tools /tools
ENTRYPOINT echo hi
CMD echo hello
`;

/** The warnings DOCKERFILE gets, in order: rule and line. */
const EXPECTED: Array<[string, number, RegExp]> = [
  ["FromLatestTag", 1, /Base image 'busybox:latest' uses ':latest'/],
  ["FromLatestTag", 4, /Base image 'busybox' has no tag/],
  ["NoUserRoot", 4, /The final stage sets no USER: containers run as root/],
  ["MaintainerDeprecated", 5, /Maintainer instruction is deprecated in favor of using label/],
  ["AptUpdateAlone", 6, /'apt-get update' in a RUN of its own/],
  ["AptListsNotCleaned", 7, /without 'rm -rf \/var\/lib\/apt\/lists\/\*' in the same RUN/],
  ["AddWhereCopyFits", 8, /ADD of local files: use COPY/],
  ["JSONArgsRecommended", 10, /JSON arguments recommended for ENTRYPOINT/],
  ["JSONArgsRecommended", 11, /JSON arguments recommended for CMD/],
];

/** The "WARN: Rule: message (line N)" lines of an output, checked against EXPECTED. */
function assertWarnings(out: string): void {
  const warns = out.split("\n").filter((l) => l.startsWith("WARN: "));
  assert.equal(warns.length, EXPECTED.length, out);
  EXPECTED.forEach(([rule, line, message], k) => {
    assert.ok(warns[k].startsWith(`WARN: ${rule}: `), warns[k]);
    assert.ok(warns[k].endsWith(` (line ${line})`), warns[k]);
    assert.match(warns[k], message);
  });
}

describe("build: checks", () => {
  let d: TestDaemon;
  const ctx = contextDir({ Dockerfile: DOCKERFILE, "hello.txt": "hello\n" });
  const dockerfile = (text: string) => writeFileSync(join(ctx.dir, "Dockerfile"), text);
  const images = async () => (await d.docker(["images", "-aq"])).stdout;

  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    ctx[Symbol.dispose]();
  });

  test("kapsel build --check prints each warning with its line, builds nothing, exits 0", async () => {
    dockerfile(DOCKERFILE);
    const before = await images();
    const r = await d.kapsel(["build", "--check", "-t", "checked", ctx.dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assertWarnings(r.stdout);
    assert.match(r.stdout, /\nCheck complete, 9 warnings have been found!\n$/);
    assert.doesNotMatch(r.stdout, /Step 1/);
    assert.equal(await images(), before);
    // a Dockerfile without problems (its image need not exist: nothing is pulled)
    dockerfile(
      'FROM registry.example/app:1.2\nCOPY hello.txt /srv/\nUSER 1000\nCMD ["cat", "/srv/hello.txt"]\n',
    );
    const clean = await d.kapsel(["build", "--check", ctx.dir]);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /\nCheck complete, no warnings found\.\n$/);
    assert.doesNotMatch(clean.stdout, /WARN/);
  });

  test("# check=skip= leaves rules out; # check=error=true makes warnings an error (exit 1)", async () => {
    dockerfile(`# check=skip=NoUserRoot,FromLatestTag\n${DOCKERFILE}`);
    const skipped = await d.kapsel(["build", "--check", ctx.dir]);
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.doesNotMatch(skipped.stdout, /NoUserRoot|FromLatestTag/);
    assert.match(skipped.stdout, /^WARN: MaintainerDeprecated: .* \(line 6\)$/m);
    assert.match(skipped.stdout, /Check complete, 6 warnings have been found!\n$/);

    dockerfile(`# check=error=true\n${DOCKERFILE}`);
    const strict = await d.kapsel(["build", "--check", ctx.dir]);
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /^WARN: MaintainerDeprecated: .* \(line 6\)$/m);
    assert.match(strict.stdout, /Check complete, 9 warnings have been found!\n$/);
    assert.equal(
      strict.stderr,
      "lint violation found for rules: FromLatestTag, NoUserRoot, MaintainerDeprecated, AptUpdateAlone, AptListsNotCleaned, AddWhereCopyFits, JSONArgsRecommended\n",
    );
    // and a normal build stops before its first step, with either CLI
    for (const cli of CLIS) {
      const r = await d[cli](["build", ctx.dir]);
      assert.equal(r.code, 1, `${cli}: ${r.stdout}`);
      assert.doesNotMatch(r.stdout, /Step 1/);
      assert.match(
        withoutDeprecation(r.stderr),
        /^Error response from daemon: lint violation found for rules: FromLatestTag, NoUserRoot, /,
      );
    }
  });

  for (const cli of CLIS)
    test(`${cli}: a build shows the warnings ${cli === "kapsel" ? "after its transcript, as BuildKit" : "nowhere, as Docker's classic builder"}, and builds`, async () => {
      dockerfile(DOCKERFILE);
      const out = await build(d, cli, ["-t", `linted-${cli}`, ctx.dir]);
      // Docker's classic transcript keeps its lines: the context, then "Step 1/10" (docker/cli's e2e)
      assert.match(
        out,
        /^Sending build context to Docker daemon [^\n]*\nStep 1\/10 : FROM busybox:latest AS tools\n/,
      );
      if (cli === "kapsel") {
        assertWarnings(out);
        assert.match(out, /Successfully tagged linted-\w+:latest\n(WARN: .*\n)+$/);
      } else assert.match(out, /Successfully tagged linted-\w+:latest\n$/);
    });

  test("the API sends the warnings only when asked (warnings=1): Docker's clients read the last line", async () => {
    dockerfile(DOCKERFILE);
    const tar = execFileSync("tar", ["-C", ctx.dir, "-c", "."]);
    const streams = async (query: string) => {
      const r = await d.api("POST", `/build${query}`, tar);
      assert.equal(r.status, 200, r.body);
      return r.body
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { stream?: string })
        .filter((m) => m.stream !== undefined)
        .map((m) => m.stream as string);
    };
    const plain = await streams("");
    assert.match(plain.at(-1) ?? "", /^Successfully built [0-9a-f]{12}\n$/);
    assert.ok(!plain.some((s) => s.startsWith("WARN: ")));
    const asked = await streams("?warnings=1");
    assertWarnings(asked.join(""));
  });
});
