import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { contextDir } from "./build-support.ts";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// ARG and ENV substitution with Docker's rules: ARGs before FROM in FROM lines, an ARG without a
// default taking the global one, --build-arg over defaults, ENV over ARG, ${a:-b} and ${a:+b},
// escapes, which instructions expand; args reach RUN but not the image; history records them as
// Docker does ("|1 V=x /bin/sh -c ..."); unused --build-arg warns.
describe("build: ARG and ENV substitution", () => {
  let d: TestDaemon;
  const ctx = contextDir({
    Dockerfile: `ARG BASE=busybox
ARG TAG=latest
ARG V=global
FROM \${BASE}:\${TAG}
ARG V
ARG NAME=world
ENV GREETING="hello \${NAME}" A=\${UNSET:-dflt} ESC=\\$notvar
ENV B=\${A:+set} DIR=/srv PORTS="8080 9090/udp"
ARG X=from-arg
ENV X=from-env
WORKDIR $DIR/app
COPY file.txt \${DIR}/data/
EXPOSE $PORTS
LABEL greeting="$GREETING"
RUN echo "$V $NAME $X" > /run.txt
USER \${UNSET:-nobody}
`,
    "file.txt": "data\n",
  });

  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    ctx[Symbol.dispose]();
  });

  const inspect = async (ref: string) => JSON.parse((await d.docker(["image", "inspect", ref])).stdout)[0];

  test("defaults: global ARGs in FROM, an ARG without default takes the global one", async () => {
    const r = await d.docker(["build", "-t", "args-default", ctx.dir], { timeout: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Step 4\/16 : FROM \$\{BASE\}:\$\{TAG\}\n/);
    const run = await d.docker([
      "run",
      "--rm",
      "--user",
      "root",
      "args-default",
      "cat",
      "/run.txt",
      "/srv/data/file.txt",
    ]);
    assert.equal(run.stdout, "global world from-env\ndata\n");
    const img = await inspect("args-default");
    assert.deepEqual(img.Config.Env, [
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "GREETING=hello world",
      "A=dflt",
      "ESC=$notvar",
      "B=set",
      "DIR=/srv",
      "PORTS=8080 9090/udp",
      "X=from-env",
    ]);
    assert.equal(img.Config.WorkingDir, "/srv/app");
    assert.deepEqual(img.Config.ExposedPorts, { "8080/tcp": {}, "9090/udp": {} });
    assert.deepEqual(img.Config.Labels, { greeting: "hello world" });
    assert.equal(img.Config.User, "nobody");
  });

  test("--build-arg overrides defaults; args reach RUN but not the image; history records them", async () => {
    const r = await d.docker(
      [
        "build",
        "--build-arg",
        "V=cli",
        "--build-arg",
        "NAME=kapsel",
        "--build-arg",
        "UNUSED=1",
        "-t",
        "args-cli",
        ctx.dir,
      ],
      { timeout: 120_000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\[Warning\] One or more build-args \[UNUSED\] were not consumed\n/);
    const run = await d.docker(["run", "--rm", "--user", "root", "args-cli", "cat", "/run.txt"]);
    assert.equal(run.stdout, "cli kapsel from-env\n");
    const img = await inspect("args-cli");
    assert.ok(
      !img.Config.Env.some((e: string) => e.startsWith("V=") || e.startsWith("NAME=")),
      img.Config.Env,
    );
    const h = await d.docker(["history", "--no-trunc", "--format", "{{.CreatedBy}}", "args-cli"]);
    assert.match(h.stdout, /^\|2 NAME=kapsel V=cli \/bin\/sh -c echo "\$V \$NAME \$X" > \/run\.txt$/m);
    assert.match(h.stdout, /^\/bin\/sh -c #\(nop\) {2}ARG NAME=world$/m);
  });

  test("a build arg given the same value again hits the cache; another value does not", async () => {
    const again = await d.docker(["build", "--build-arg", "V=cli", "--build-arg", "NAME=kapsel", ctx.dir]);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /Running in/);
    const other = await d.docker(["build", "--build-arg", "V=other", "--build-arg", "NAME=kapsel", ctx.dir]);
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stdout, /Running in/);
  });
});
