import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { build, CLIS, contextDir } from "./build-support.ts";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";

// ARG and ENV substitution with Docker's rules: ARGs before FROM in FROM lines, an ARG without a
// default taking the global one, --build-arg over defaults, ENV over ARG, ${a:-b} and ${a:+b},
// escapes, which instructions expand; args reach RUN but not the image; history records them as
// Docker does ("|1 V=x /bin/sh -c ..."); unused --build-arg warns. With both CLIs.
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

  for (const cli of CLIS) {
    test(`${cli}: defaults: global ARGs in FROM, an ARG without default takes the global one`, async () => {
      const out = await build(d, cli, ["-t", `args-default-${cli}`, ctx.dir]);
      assert.match(out, /Step 4\/16 : FROM \$\{BASE\}:\$\{TAG\}\n/);
      const run = await d.docker([
        "run",
        "--rm",
        "--user",
        "root",
        `args-default-${cli}`,
        "cat",
        "/run.txt",
        "/srv/data/file.txt",
      ]);
      assert.equal(run.stdout, "global world from-env\ndata\n");
      const img = await inspect(`args-default-${cli}`);
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

    test(`${cli}: --build-arg overrides defaults; args reach RUN but not the image; history records them`, async () => {
      // values of this CLI's own: its RUN step cannot come from the other CLI's build
      const out = await build(d, cli, [
        "--build-arg",
        `V=${cli}`,
        "--build-arg",
        "NAME=kapsel",
        "--build-arg",
        "UNUSED=1",
        "-t",
        `args-cli-${cli}`,
        ctx.dir,
      ]);
      assert.match(out, /Running in/);
      assert.match(out, /\[Warning\] One or more build-args \[UNUSED\] were not consumed\n/);
      const run = await d.docker(["run", "--rm", "--user", "root", `args-cli-${cli}`, "cat", "/run.txt"]);
      assert.equal(run.stdout, `${cli} kapsel from-env\n`);
      const img = await inspect(`args-cli-${cli}`);
      assert.ok(
        !img.Config.Env.some((e: string) => e.startsWith("V=") || e.startsWith("NAME=")),
        img.Config.Env,
      );
      const h = await d.docker(["history", "--no-trunc", "--format", "{{.CreatedBy}}", `args-cli-${cli}`]);
      assert.match(
        h.stdout,
        new RegExp(`^\\|2 NAME=kapsel V=${cli} /bin/sh -c echo "\\$V \\$NAME \\$X" > /run\\.txt$`, "m"),
      );
      assert.match(h.stdout, /^\/bin\/sh -c #\(nop\) {2}ARG NAME=world$/m);
    });

    test(`${cli}: a build arg given the same value again hits the cache; another value does not`, async () => {
      const again = await build(d, cli, ["--build-arg", `V=${cli}`, "--build-arg", "NAME=kapsel", ctx.dir]);
      assert.doesNotMatch(again, /Running in/);
      const other = await build(d, cli, [
        "--build-arg",
        `V=other-${cli}`,
        "--build-arg",
        "NAME=kapsel",
        ctx.dir,
      ]);
      assert.match(other, /Running in/);
    });
  }
});
