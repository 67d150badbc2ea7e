import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { build as buildWith, builtId, CLIS, contextDir } from "./build-support.ts";
import { DOCKER_BIN, KAPSEL_BIN, runCommand, startDaemon, type TestDaemon } from "./harness/daemon.ts";

// What goes into an image from the context (issue 5, points 1-2): .dockerignore (**, !
// exceptions, a leading /), -f outside the context and from stdin, a context or a bare
// Dockerfile on stdin, COPY's rules (wildcards, directories copy their contents, a trailing /,
// symlinks followed inside the context), --chown by name, --chmod, ADD of a local archive (unpacked)
// and of a URL (with --checksum), heredocs. What the CLI does (.dockerignore, -f, stdin) with
// both CLIs; the daemon's COPY/ADD rules with docker, then kapsel's same context from the cache.
describe("build: the context and COPY/ADD", () => {
  let d: TestDaemon;
  let server: Server;
  let base = "";
  const payload = "downloaded over http\n";

  before(async () => {
    d = await startDaemon();
    server = createServer((req, res) => {
      if (req.url === "/files/remote.txt") {
        res.writeHead(200, { "Last-Modified": "Tue, 01 Oct 2024 10:00:00 GMT" });
        res.end(payload);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server?.close();
    await d?.[Symbol.asyncDispose]();
  });

  const build = (dir: string, ...args: string[]) => buildWith(d, "docker", [...args, dir]);
  /** kapsel's build of what docker built: the same context gives every step from the cache. */
  const kapselBuildsTheSame = async (dir: string, dockerOut: string) => {
    const out = await buildWith(d, "kapsel", [dir]);
    assert.doesNotMatch(out, /Running in/);
    assert.equal(builtId(out), builtId(dockerOut), out);
  };
  const sh = async (image: string, script: string) => {
    const r = await d.docker(["run", "--rm", image, "sh", "-c", script]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };

  for (const cli of CLIS)
    test(`${cli}: .dockerignore: **, ! exceptions, a leading /; the Dockerfile and .dockerignore may be ignored too`, async () => {
      using ctx = contextDir({
        Dockerfile: "FROM busybox:latest\nCOPY . /ctx/\n",
        ".dockerignore": "**/*.log\n!keep.log\n/secret\nbuild\n.dockerignore\nDockerfile\n",
        "a.log": "x",
        "keep.log": "kept",
        "src/deep/b.log": "x",
        "src/main.c": "int main;",
        secret: "s",
        "sub/secret": "not at the root: kept",
        "build/out.o": "o",
      });
      await buildWith(d, cli, ["-t", `ignore-${cli}`, ctx.dir]);
      const files = await sh(`ignore-${cli}`, "cd /ctx && find . -type f | sort");
      assert.equal(files, "./keep.log\n./src/main.c\n./sub/secret\n");
    });

  for (const cli of CLIS)
    test(`${cli}: -f outside the context, -f - and a context or a Dockerfile on stdin`, async () => {
      using ctx = contextDir({ "data.txt": `from the context of ${cli}\n` });
      using elsewhere = contextDir({
        "other.Dockerfile": "FROM busybox:latest\nCOPY data.txt /data.txt\n",
      });
      const tag = (name: string) => `${name}-${cli}`;
      await buildWith(d, cli, ["-f", join(elsewhere.dir, "other.Dockerfile"), "-t", tag("outside"), ctx.dir]);
      assert.equal(
        await sh(tag("outside"), "cat /data.txt; ls -a / | grep -c dockerfile || true"),
        `from the context of ${cli}\n0\n`,
      );

      await buildWith(d, cli, ["-f", "-", "-t", tag("dash-f"), ctx.dir], {
        input: "FROM busybox:latest\nCOPY data.txt /stdin.txt\n",
      });
      assert.equal(await sh(tag("dash-f"), "cat /stdin.txt"), `from the context of ${cli}\n`);

      await buildWith(d, cli, ["-t", tag("bare-stdin"), "-"], {
        input: `FROM busybox:latest\nRUN echo no context for ${cli} > /note\n`,
      });
      assert.equal(await sh(tag("bare-stdin"), "cat /note"), `no context for ${cli}\n`);

      const tarPath = join(elsewhere.dir, "ctx.tar");
      writeFileSync(join(ctx.dir, "Dockerfile"), "FROM busybox:latest\nCOPY data.txt /tar.txt\n");
      execFileSync("tar", ["-czf", tarPath, "-C", ctx.dir, "."]);
      const tarred = await runCommand(
        "sh",
        [
          "-c",
          `"$0" build -t ${tag("tar-stdin")} - < "${tarPath}"`,
          cli === "docker" ? DOCKER_BIN : KAPSEL_BIN,
        ],
        d.env,
      );
      assert.equal(tarred.code, 0, tarred.stderr);
      assert.equal(await sh(tag("tar-stdin"), "cat /tar.txt"), `from the context of ${cli}\n`);
    });

  test("COPY: wildcards, directory contents, trailing /, several sources, symlinks, --chown, --chmod", async () => {
    using ctx = contextDir({
      Dockerfile: `FROM busybox:latest
RUN echo app:x:1234:1234::/:/bin/sh >> /etc/passwd && echo app:x:1234: >> /etc/group
COPY *.txt /txt/
COPY dir /copied
COPY dir/ /copied-slash/
COPY one.txt /renamed.txt
COPY one.txt two.txt /both/
COPY link-to-one /via-link
COPY --chown=app:app dir /owned
COPY --chown=55:66 one.txt /numeric
COPY --chmod=751 one.txt /mode
WORKDIR /work
COPY one.txt .
`,
      "one.txt": "one\n",
      "two.txt": "two\n",
      "dir/inner/file": "inner\n",
      "dir/top": "top\n",
      "link-to-one": { symlink: "one.txt" },
    });
    const built = await build(ctx.dir, "-t", "copies");
    // the kapsel CLI sends the same context: symlinks, modes, directories
    await kapselBuildsTheSame(ctx.dir, built);
    const out = await sh(
      "copies",
      [
        "ls /txt",
        "cat /copied/top /copied/inner/file /copied-slash/top /renamed.txt /both/one.txt /both/two.txt /via-link",
        "stat -c '%U:%G %n' /owned /owned/top /owned/inner/file /copied/top",
        "stat -c '%u:%g %a %n' /numeric /mode",
        "cat /work/one.txt",
      ].join("; "),
    );
    assert.equal(
      out,
      [
        "one.txt",
        "two.txt",
        "top",
        "inner",
        "top",
        "one",
        "one",
        "two",
        "one",
        "app:app /owned",
        "app:app /owned/top",
        "app:app /owned/inner/file",
        "root:root /copied/top",
        "55:66 644 /numeric",
        "0:0 751 /mode",
        "one",
        "",
      ].join("\n"),
    );
  });

  test("ADD unpacks a local archive, fetches a URL (mode 600, Last-Modified), checks --checksum", async () => {
    using ctx = contextDir({ "payload/a.txt": "in the archive\n" });
    execFileSync("tar", ["-czf", join(ctx.dir, "bundle.tar.gz"), "-C", join(ctx.dir, "payload"), "."]);
    const sum = `sha256:${createHash("sha256").update(payload).digest("hex")}`;
    writeFileSync(
      join(ctx.dir, "Dockerfile"),
      `FROM busybox:latest
ADD bundle.tar.gz /unpacked/
ADD --checksum=${sum} ${base}/files/remote.txt /downloads/
COPY bundle.tar.gz /kept/
`,
    );
    const built = await build(ctx.dir, "-t", "adds");
    await kapselBuildsTheSame(ctx.dir, built);
    const out = await sh(
      "adds",
      "cat /unpacked/a.txt /downloads/remote.txt; stat -c '%a %Y' /downloads/remote.txt; ls /kept",
    );
    assert.equal(out, `in the archive\n${payload}600 1727776800\nbundle.tar.gz\n`);

    writeFileSync(
      join(ctx.dir, "Dockerfile"),
      `FROM busybox:latest\nADD --checksum=sha256:${"0".repeat(64)} ${base}/files/remote.txt /x\n`,
    );
    for (const cli of CLIS) {
      const bad = await d[cli](["build", ctx.dir], { timeout: 60_000 });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /digest mismatch/);
    }
  });

  test("heredocs: RUN <<EOF runs a script, COPY <<EOF writes a file", async () => {
    using ctx = contextDir({
      Dockerfile: `FROM busybox:latest
ARG WHO=heredoc
RUN <<EOF
echo first > /script.out
echo second >> /script.out
EOF
RUN <<EOF
#!/bin/sh
echo "shebang $0" > /shebang.out
EOF
RUN cat > /redirect.out <<EOT
piped
EOT
COPY <<EOF /etc/greeting
hello \${WHO}
EOF
COPY <<"EOF" /etc/literal
hello \${WHO}
EOF
`,
    });
    const built = await build(ctx.dir, "-t", "heredocs");
    await kapselBuildsTheSame(ctx.dir, built);
    const out = await sh("heredocs", "cat /script.out /shebang.out /redirect.out /etc/greeting /etc/literal");
    // a quoted delimiter: no expansion
    assert.equal(out, `first\nsecond\nshebang /dev/pipes/EOF\npiped\nhello heredoc\nhello \${WHO}\n`);
  });
});
