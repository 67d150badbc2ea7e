import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { build as buildWith, builtId, CLIS, cachedSteps, contextDir } from "./build-support.ts";
import { startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { PASSWORD, TestRegistry, USER } from "./harness/docker-registry.ts";

// The metadata instructions and what the image config gets from them; ONBUILD triggers; FROM
// scratch; --label; RUN's --network and --add-host; a FROM image pulled (with the credentials
// of `docker login`, sent in X-Registry-Config) when missing or with --pull.
describe("build: instructions and options", () => {
  let d: TestDaemon;

  before(async () => {
    d = await startDaemon();
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
  });

  const inspect = async (ref: string) => JSON.parse((await d.docker(["image", "inspect", ref])).stdout)[0];
  const build = async (dir: string, ...args: string[]) => {
    const r = await d.docker(["build", ...args, dir], { timeout: 120_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    return r.stdout;
  };

  test("metadata instructions set the config; ENTRYPOINT clears an inherited CMD", async () => {
    using ctx = contextDir({
      Dockerfile: `FROM busybox:latest
MAINTAINER Jane <jane@example.org>
SHELL ["/bin/sh", "-ec"]
USER 1000:1000
VOLUME ["/data", "/cache"]
STOPSIGNAL SIGQUIT
HEALTHCHECK --interval=5s --timeout=3s --retries=2 CMD true
ENTRYPOINT ["/bin/echo"]
LABEL a=1 "b c"=2
`,
    });
    const labels = ["--label", "z=last", "--label", "from=cli"];
    const out = await build(ctx.dir, "-t", "meta", ...labels);
    // kapsel sends the labels as docker does: the same steps, from the cache
    const again = await buildWith(d, "kapsel", ["-t", "meta-kapsel", ...labels, ctx.dir]);
    assert.equal(cachedSteps(again), 10, again);
    assert.equal(builtId(again), builtId(out));
    assert.match(out, /Step 10\/11 : LABEL from=cli\n/);
    assert.match(out, /Step 11\/11 : LABEL z=last\n/);
    const img = await inspect("meta");
    assert.equal(img.Author, "Jane <jane@example.org>");
    assert.deepEqual(img.Config.Shell, ["/bin/sh", "-ec"]);
    assert.equal(img.Config.User, "1000:1000");
    assert.deepEqual(img.Config.Volumes, { "/data": {}, "/cache": {} });
    assert.equal(img.Config.StopSignal, "SIGQUIT");
    assert.deepEqual(img.Config.Healthcheck, {
      Test: ["CMD-SHELL", "true"],
      Interval: 5e9,
      Timeout: 3e9,
      Retries: 2,
    });
    assert.deepEqual(img.Config.Entrypoint, ["/bin/echo"]);
    assert.equal(img.Config.Cmd ?? null, null);
    assert.deepEqual(img.Config.Labels, { a: "1", "b c": "2", from: "cli", z: "last" });
    const h = await d.docker(["history", "--no-trunc", "--format", "{{.CreatedBy}}", "meta"]);
    assert.match(h.stdout, /^\/bin\/sh -ec #\(nop\) {2}USER 1000:1000$/m);
    // Docker records a step with the shell in effect after it, SHELL's own included
    assert.match(h.stdout, /^\/bin\/sh -ec #\(nop\) {2}SHELL \[\/bin\/sh -ec\]$/m);
    assert.match(
      h.stdout,
      /HEALTHCHECK &\{Test:\[CMD-SHELL true\] Interval:5s Timeout:3s StartPeriod:0s StartInterval:0s Retries:2\}/,
    );
  });

  test("ONBUILD triggers run in the next build FROM the image, and are not inherited", async () => {
    using base = contextDir({
      Dockerfile:
        "FROM busybox:latest\nONBUILD COPY marker.txt /marker.txt\nONBUILD RUN echo triggered > /t\n",
    });
    await build(base.dir, "-t", "with-triggers");
    assert.deepEqual((await inspect("with-triggers")).Config.OnBuild, [
      "COPY marker.txt /marker.txt",
      "RUN echo triggered > /t",
    ]);
    using child = contextDir({
      Dockerfile: "FROM with-triggers\n",
      "marker.txt": "from the child's context\n",
    });
    const out = await build(child.dir, "-t", "triggered");
    assert.match(out, /# Executing 2 build triggers\n/);
    const run = await d.docker(["run", "--rm", "triggered", "cat", "/marker.txt", "/t"]);
    assert.equal(run.stdout, "from the child's context\ntriggered\n");
    assert.equal((await inspect("triggered")).Config.OnBuild ?? null, null);
  });

  test("FROM scratch with a static binary; WORKDIR makes a layer only when it makes the directory", async () => {
    using ctx = contextDir({
      Dockerfile: `FROM busybox:latest AS tools
FROM scratch
COPY --from=tools /bin/busybox /bin/busybox
WORKDIR /bin
WORKDIR /srv
CMD ["/bin/busybox", "pwd"]
`,
    });
    const out = await build(ctx.dir, "-t", "from-scratch");
    assert.match(out, /Step 2\/6 : FROM scratch\n ---> \n/);
    assert.equal((await d.docker(["run", "--rm", "from-scratch"])).stdout, "/srv\n");
    const img = await inspect("from-scratch");
    assert.equal(img.RootFS.Layers.length, 2); // the COPY and WORKDIR /srv; WORKDIR /bin existed
  });

  for (const cli of CLIS)
    test(`${cli}: RUN gets --network and --add-host`, async () => {
      using ctx = contextDir({
        Dockerfile:
          "FROM busybox:latest\nRUN ls /sys/class/net > /ifaces && grep myhost /etc/hosts > /hosts\n",
      });
      // --no-cache: neither option is part of a step's cache key (as in Docker)
      const tag = `net-none-${cli}`;
      await buildWith(d, cli, [
        "--no-cache",
        "--network",
        "none",
        "--add-host",
        "myhost:10.1.2.3",
        "-t",
        tag,
        ctx.dir,
      ]);
      const run = await d.docker(["run", "--rm", tag, "cat", "/ifaces", "/hosts"]);
      assert.equal(run.stdout, "lo\n10.1.2.3\tmyhost\n");
    });

  test("a missing FROM image is pulled with the CLI's credentials; --pull pulls again", async () => {
    await using registry = await TestRegistry.start("htpasswd");
    const ref = `${registry.host}/base/busybox:1`;
    const login = await d.docker(["login", "-u", USER, "--password-stdin", registry.host], {
      input: PASSWORD,
    });
    assert.equal(login.code, 0, login.stderr);
    await d.docker(["tag", "busybox:latest", ref]);
    const push = await d.docker(["push", ref], { timeout: 60_000 });
    assert.equal(push.code, 0, push.stderr);
    await d.docker(["rmi", ref]);
    using ctx = contextDir({ Dockerfile: `FROM ${ref}\nRUN echo pulled > /p\n` });
    const out = await build(ctx.dir, "-t", "pulled");
    assert.match(out, /Step 1\/2 : FROM 127\.0\.0\.1:\d+\/base\/busybox:1\n/);
    assert.match(
      out,
      /Status: Downloaded newer image for 127\.0\.0\.1:\d+\/base\/busybox:1|Pull complete|Already exists/,
    );
    assert.equal((await d.docker(["run", "--rm", "pulled", "cat", "/p"])).stdout, "pulled\n");
    const again = await build(ctx.dir, "--pull", "-t", "pulled");
    assert.match(again, /Status: Image is up to date|Digest: sha256:/);
    // kapsel sends the same credentials (X-Registry-Config: every stored login)
    await d.docker(["rmi", "pulled", ref]);
    const byKapsel = await buildWith(d, "kapsel", ["-t", "pulled", ctx.dir]);
    assert.match(byKapsel, /Status: Downloaded newer image for 127\.0\.0\.1:\d+\/base\/busybox:1/);
    const kapselAgain = await buildWith(d, "kapsel", ["--pull", "-t", "pulled", ctx.dir]);
    assert.match(kapselAgain, /Status: Image is up to date/);
  });
});
