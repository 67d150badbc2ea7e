import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { DOCKER_BIN, KAPSEL_BIN, runCommand, startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { CLIS, layerDirs, lines, rootfsTar } from "./images-fixtures.ts";

// docker import (from a file and from stdin, with changes and a message), what it says of
// archives it cannot read, docker diff, and docker export imported back, through the docker
// CLI and kapsel.
describe("images: import, diff, export", () => {
  let d: TestDaemon;
  let tmp: string;

  before(async () => {
    d = await startDaemon();
    tmp = mkdtempSync("/tmp/kapsel-images-import-");
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const cli of CLIS) {
    const run = (args: string[]) => d[cli](args);
    const bin = cli === "docker" ? DOCKER_BIN : KAPSEL_BIN;
    /** `<cli> import - [name]` with the file on stdin (binary: through the shell). */
    const importStdin = (file: string, ...name: string[]) =>
      runCommand("sh", ["-c", `"$0" import - "$@" < "${file}"`, bin, ...name], d.env);

    test(`${cli}: import from a URL downloads the tar; a missing one is a clear error`, async () => {
      const tar = rootfsTar(tmp, `${cli}-url.tar`, { "etc/motd": "from a URL\n" });
      const server = createServer((req, res) => {
        if (req.url !== "/rootfs.tar") {
          res.writeHead(404).end("nothing here");
          return;
        }
        const body = readFileSync(tar);
        res.writeHead(200, { "Content-Length": body.length }).end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const port = (server.address() as AddressInfo).port;
      try {
        const r = await run(["import", `http://127.0.0.1:${port}/rootfs.tar`, `${cli}-from-url`]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /sha256:[0-9a-f]{64}\n$/);
        const cat = await run(["run", "--rm", `${cli}-from-url`, "/bin/cat", "/etc/motd"]);
        assert.equal(cat.stdout, "from a URL\n");
        const missing = await run(["import", `http://127.0.0.1:${port}/nope.tar`, `${cli}-nope`]);
        assert.equal(missing.code, 1);
        assert.match(missing.stderr, /failed to GET http:\/\/127\.0\.0\.1:\d+\/nope\.tar with status 404/);
      } finally {
        server.close();
      }
    });

    test(`${cli}: import of a file with -c CMD, -c ENV, -m and a name makes a runnable image`, async () => {
      const tar = rootfsTar(tmp, `${cli}-file.tar`, { "etc/motd": "hello from the file\n" });
      const r = await run([
        "import",
        "-c",
        'CMD ["/bin/sh", "-c", "echo $A; cat /etc/motd"]',
        "-c",
        "ENV A=b",
        "-m",
        "my message",
        tar,
        `${cli}-imported:1`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
      assert.equal(r.stderr, "");
      const [img] = JSON.parse((await run(["image", "inspect", `${cli}-imported:1`])).stdout);
      assert.equal(img.Id, r.stdout.trim());
      assert.deepEqual(img.RepoTags, [`${cli}-imported:1`]);
      assert.deepEqual(img.Config.Cmd, ["/bin/sh", "-c", "echo $A; cat /etc/motd"]);
      assert.deepEqual(img.Config.Env, ["A=b"]);
      assert.equal(img.Comment, "my message");
      assert.equal(img.RootFS.Layers.length, 1);
      const history = await d.docker([
        "history",
        "--format",
        "{{.CreatedBy}}|{{.Comment}}",
        `${cli}-imported:1`,
      ]);
      assert.equal(history.stdout, "|my message\n");
      const out = await run(["run", "--rm", `${cli}-imported:1`]);
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout, "b\nhello from the file\n");
    });

    test(`${cli}: import from stdin (-) takes gzip, xz and plain tars; an image without a name is dangling`, async () => {
      const tar = rootfsTar(tmp, `${cli}-stdin.tar`, { "etc/motd": "from stdin\n" });
      execFileSync("sh", ["-c", `gzip -1 -c "${tar}" > "${tar}.gz" && xz -0 -c "${tar}" > "${tar}.xz"`]);
      for (const [file, name] of [
        [`${tar}.gz`, `${cli}-gz`],
        [`${tar}.xz`, `${cli}-xz`],
      ]) {
        const r = await importStdin(file, name);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
        assert.equal((await run(["run", "--rm", name, "cat", "/etc/motd"])).stdout, "from stdin\n");
      }
      const plain = await importStdin(tar);
      assert.equal(plain.code, 0, plain.stderr);
      const dangling = await run([
        "images",
        "--filter",
        "dangling=true",
        "--format",
        "{{.ID}}",
        "--no-trunc",
      ]);
      assert.ok(lines(dangling.stdout).includes(plain.stdout.trim()));
      await run(["rmi", plain.stdout.trim()]);
    });

    test(`${cli}: import of what is not a tar fails clearly and leaves nothing behind`, async () => {
      const images = (await run(["images", "-a", "-q", "--no-trunc"])).stdout;
      const layers = layerDirs(d.dataRoot);
      const notTar = join(tmp, `${cli}-not.tar`);
      writeFileSync(notTar, "this is not a tar archive\n");
      const big = join(tmp, `${cli}-big.bin`);
      writeFileSync(big, Buffer.alloc(4 << 20, "not a tar header either "));
      const badGzip = join(tmp, `${cli}-bad.tar.gz`);
      writeFileSync(
        badGzip,
        Buffer.concat([gzipSync("x".repeat(100)).subarray(0, 10), Buffer.from("corrupt!")]),
      );
      const cases: Array<[string, string]> = [
        [notTar, "invalid tar archive: unexpected end of data"],
        [big, "invalid tar archive: invalid tar header"],
        [badGzip, "invalid gzip data: "],
      ];
      for (const [file, message] of cases) {
        const r = await run(["import", file, `${cli}-bad`]);
        assert.equal(r.code, 1, `${file}: ${r.stdout}`);
        assert.ok(r.stderr.startsWith(`Error response from daemon: ${message}`), `${file}: ${r.stderr}`);
        const s = await importStdin(file, `${cli}-bad`);
        assert.equal(s.code, 1);
        assert.ok(
          s.stderr.startsWith(`Error response from daemon: ${message}`),
          `${file} on stdin: ${s.stderr}`,
        );
      }
      const missing = await run(["import", join(tmp, "no-such-file.tar")]);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, `open ${join(tmp, "no-such-file.tar")}: no such file or directory\n`);
      assert.equal((await run(["images", "-a", "-q", "--no-trunc"])).stdout, images);
      assert.deepEqual(layerDirs(d.dataRoot), layers);
      assert.deepEqual(readdirSync(join(d.dataRoot, "storage/tmp")), []);
    });

    test(`${cli}: import with a bad change or name is refused before reading the archive`, async () => {
      const tar = rootfsTar(tmp, `${cli}-refused.tar`);
      const change = await run(["import", "-c", "RUN echo no", tar]);
      assert.equal(change.code, 1);
      assert.equal(change.stderr, "Error response from daemon: run is not a valid change command\n");
      const name = await run(["import", tar, "Bad:Name"]);
      assert.equal(name.code, 1);
      assert.match(
        name.stderr,
        /invalid reference format: repository name \(library\/Bad\) must be lowercase/,
      );
    });

    test(`${cli}: diff shows what a container added, changed and deleted, as Docker does`, async () => {
      const name = `${cli}-diff`;
      const created = await run(["create", "--name", name, "busybox", "true"]);
      assert.equal(created.code, 0, created.stderr);
      const clean = await run(["diff", name]);
      assert.equal(clean.code, 0, clean.stderr);
      assert.equal(clean.stdout, "");
      await d.docker(["rm", name]);
      const script =
        "echo new > /newfile; mkdir -p /newdir/sub; echo x > /newdir/sub/f; echo changed >> /etc/passwd; " +
        "rm /bin/ls; rm -rf /home; touch /tmp/t";
      assert.equal((await d.docker(["run", "--name", name, "busybox", "sh", "-c", script])).code, 0);
      const r = await run(["diff", name]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        [
          "C /bin",
          "D /bin/ls",
          "C /etc",
          "C /etc/passwd",
          "D /home",
          "A /newdir",
          "A /newdir/sub",
          "A /newdir/sub/f",
          "A /newfile",
          "C /tmp",
          "A /tmp/t",
          "",
        ].join("\n"),
      );
      const missing = await run(["diff", `${cli}-nosuch`]);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, `Error response from daemon: No such container: ${cli}-nosuch\n`);
    });

    test(`${cli}: export of a container, imported again, gives a working image`, async () => {
      const out = join(tmp, `${cli}-export.tar`);
      const r = await run(["export", "-o", out, `${cli}-diff`]);
      assert.equal(r.code, 0, r.stderr);
      const names = execFileSync("tar", ["-tf", out], { encoding: "utf8" }).split("\n");
      for (const n of [".dockerenv", "etc/hostname", "etc/hosts", "etc/resolv.conf", "newfile", "bin/sh"])
        assert.ok(names.includes(n), `${n} in the export`);
      assert.ok(!names.includes("bin/ls") && !names.includes("home/"));
      const imported = await run(["import", out, `${cli}-reimported`]);
      assert.equal(imported.code, 0, imported.stderr);
      const check = await run([
        "run",
        "--rm",
        `${cli}-reimported`,
        "sh",
        "-c",
        "cat /newfile /newdir/sub/f; ls /home",
      ]);
      assert.equal(check.stdout, "new\nx\n");
      assert.match(check.stderr, /ls: \/home: No such file or directory/);
      await d.docker(["rm", `${cli}-diff`]);
    });
  }
});
