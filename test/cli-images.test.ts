import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DOCKER_BIN, KAPSEL_BIN, runCommand, startDaemon, type TestDaemon } from "./harness/daemon.ts";
import { PASSWORD, TestRegistry, USER } from "./harness/docker-registry.ts";
import { PtySession } from "./harness/pty.ts";
import { CLIS, lines, short } from "./images-fixtures.ts";

// The image commands of the CLI that move images around (commit, save, load, ...), run with
// the docker CLI and kapsel's against one private daemon: what each prints must be the same.
describe("cli: image commands", () => {
  let d: TestDaemon;
  let tmp: string;
  let reg: TestRegistry;
  let authReg: TestRegistry;

  before(async () => {
    [d, reg, authReg] = await Promise.all([
      startDaemon(),
      TestRegistry.start(),
      TestRegistry.start("htpasswd"),
    ]);
    tmp = mkdtempSync("/tmp/kapsel-cli-images-");
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    await reg?.[Symbol.asyncDispose]();
    await authReg?.[Symbol.asyncDispose]();
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const cli of CLIS) {
    const run = (args: string[], o: { input?: string } = {}) => d[cli](args, o);
    const bin = cli === "docker" ? DOCKER_BIN : KAPSEL_BIN;
    /** `<cli> args...` through the shell, for binary redirections (`> file`, `< file`). */
    const sh = (script: string, ...args: string[]) => runCommand("sh", ["-c", script, bin, ...args], d.env);

    test(`${cli}: commit with -a, -m, -c makes an image with the container's changes`, async () => {
      const name = `${cli}-commit-src`;
      const c = await run(["run", "--name", name, "busybox", "sh", "-c", "echo committed > /tmp/f"]);
      assert.equal(c.code, 0, c.stderr);
      const r = await run([
        "commit",
        "-a",
        "A. Author <a@example.com>",
        "-m",
        "a message",
        "-c",
        "ENV X=1",
        "-c",
        'CMD ["cat", "/tmp/f"]',
        name,
        `${cli}-committed:v1`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
      const id = r.stdout.trim();
      const out = await run(["run", "--rm", `${cli}-committed:v1`]);
      assert.equal(out.stdout, "committed\n");
      const inspect = await run([
        "image",
        "inspect",
        "--format",
        "{{.Id}}|{{.Author}}|{{.Comment}}|{{index .Config.Env 1}}",
        `${cli}-committed:v1`,
      ]);
      assert.equal(inspect.stdout, `${id}|A. Author <a@example.com>|a message|X=1\n`);
      const h = await run(["image", "history", "--format", "{{.ID}}|{{.Comment}}", `${cli}-committed:v1`]);
      assert.equal(lines(h.stdout)[0], `${short(id)}|a message`);
      // no name: a dangling image; `container commit` and --pause=false are the same command
      const bare = await run(["container", "commit", "--pause=false", name]);
      assert.equal(bare.code, 0, bare.stderr);
      assert.match(bare.stdout, /^sha256:[0-9a-f]{64}\n$/);
      const missing = await run(["commit", `${cli}-nosuch`]);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, `Error response from daemon: No such container: ${cli}-nosuch\n`);
      const digest = await run(["commit", name, `x@sha256:${"a".repeat(64)}`]);
      assert.equal(digest.code, 1);
      assert.equal(digest.stderr, "refusing to create a tag with a digest reference\n");
      await run(["rm", name]);
    });

    test(`${cli}: save -o and to stdout, load -i, from stdin and -q`, async () => {
      const ref = `${cli}-saved:1`;
      assert.equal((await run(["tag", "busybox", ref])).code, 0);
      const file = join(tmp, `${cli}-saved.tar`);
      const s = await run(["save", "-o", file, ref]);
      assert.equal(s.code, 0, s.stderr);
      assert.equal(s.stdout, "");
      const piped = join(tmp, `${cli}-piped.tar`);
      const p = await sh(`"$0" image save "$1" > "$2"`, ref, piped);
      assert.equal(p.code, 0, p.stderr);
      assert.ok(statSync(file).size > 1_000_000);
      assert.equal(statSync(piped).size, statSync(file).size);
      assert.ok(readFileSync(file).includes("manifest.json"));

      assert.equal((await run(["rmi", ref])).code, 0);
      const l = await run(["load", "-i", file]);
      assert.equal(l.code, 0, l.stderr);
      assert.equal(l.stdout, `Loaded image: ${ref}\n`);
      assert.equal((await run(["rmi", ref])).code, 0);
      const stdin = await sh(`"$0" image load < "$1"`, piped);
      assert.equal(stdin.stdout, `Loaded image: ${ref}\n`);
      const q = await run(["load", "-q", "-i", file]);
      assert.equal(q.stdout, `Loaded image: ${ref}\n`);

      const missing = await run(["load", "-i", join(tmp, "nosuch.tar")]);
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, `open ${join(tmp, "nosuch.tar")}: no such file or directory\n`);
      const noImage = await run(["save", "-o", join(tmp, "x.tar"), `${cli}-nosuch:1`]);
      assert.equal(noImage.code, 1);
      assert.match(noImage.stderr, new RegExp(`No such image: ${cli}-nosuch:1`));
      // stdout on a terminal: refused before asking the daemon
      await using tty = new PtySession([bin, "save", ref], { env: d.env });
      await tty.expect(/cowardly refusing to save to a terminal\. Use the -o flag or redirect/);
      assert.equal(await tty.exited, 1);
      const badDir = await run(["save", "-o", join(tmp, "no/dir/x.tar"), ref]);
      assert.equal(badDir.code, 1);
      assert.equal(
        badDir.stderr,
        `failed to save image: invalid output path: stat ${join(tmp, "no/dir")}: no such file or directory\n`,
      );
    });

    test(`${cli}: push and pull through a registry, plain progress off a terminal`, async () => {
      const repo = `${reg.host}/${cli}-bb`;
      assert.equal((await run(["tag", "busybox", `${repo}:1`])).code, 0);
      assert.equal((await run(["tag", "busybox", repo])).code, 0);
      const p = await run(["push", `${repo}:1`]);
      assert.equal(p.code, 0, p.stderr);
      assert.match(
        p.stdout,
        new RegExp(
          `^The push refers to repository \\[${repo}\\]\n(\\w{12}): Preparing\n\\1: (Pushed|Mounted from docker-bb)\n` +
            "1: digest: sha256:[0-9a-f]{64} size: \\d+\n$",
        ),
      );
      const dflt = await run(["image", "push", "-q", repo]);
      assert.equal(dflt.code, 0, dflt.stderr);
      assert.equal(dflt.stdout, `${repo}:latest\n`);
      assert.equal((await run(["rmi", `${repo}:1`, repo])).code, 0);
      const pl = await run(["pull", repo]);
      assert.equal(pl.code, 0, pl.stderr);
      assert.match(
        pl.stdout,
        new RegExp(
          `^Using default tag: latest\nlatest: Pulling from ${cli}-bb\nDigest: sha256:[0-9a-f]{64}\n` +
            `Status: Downloaded newer image for ${repo}:latest\n${repo}:latest\n$`,
        ),
      );
      const q = await run(["pull", "-q", `${repo}:1`]);
      assert.equal(q.stdout, `${repo}:1\n`);
      const all = await run(["pull", "-a", `${repo}:1`]);
      assert.equal(all.code, 1);
      assert.equal(all.stderr, "tag can't be used with --all-tags/-a\n");
      const missing = await run(["pull", `${reg.host}/nosuch:1`]);
      assert.equal(missing.code, 1);
      assert.equal(
        missing.stderr,
        `Error response from daemon: manifest for ${reg.host}/nosuch:1 not found: manifest unknown: manifest unknown\n`,
      );
    });

    test(`${cli}: login stores credentials in DOCKER_CONFIG, push uses them, logout drops them`, async () => {
      const config = mkdtempSync(join(tmp, `${cli}-config-`));
      const file = join(config, "config.json");
      const env = { ...d.env, DOCKER_CONFIG: config };
      const withConfig = (args: string[], input?: string) => runCommand(bin, args, env, { input });
      const login = ["login", "-u", USER, "--password-stdin", authReg.host];
      const bad = await withConfig(login, "wrong\n");
      assert.equal(bad.code, 1);
      assert.equal(
        bad.stderr,
        `Error response from daemon: login attempt to http://${authReg.host}/v2/ failed with status: 401 Unauthorized\n`,
      );
      const ok = await withConfig(login, `${PASSWORD}\n`);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, "Login Succeeded\n");
      assert.equal(
        ok.stderr,
        `\nWARNING! Your credentials are stored unencrypted in '${file}'.\n` +
          "Configure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n",
      );
      const saved = JSON.parse(readFileSync(file, "utf8"));
      assert.deepEqual(saved.auths, {
        [authReg.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString("base64") },
      });
      const again = await withConfig(["login", authReg.host]);
      assert.equal(again.stdout, "Login Succeeded\n");
      assert.equal(
        again.stderr,
        `Authenticating with existing credentials... [Username: ${USER}]\n\n` +
          ` Info -> To login with a different account, run '${cli} logout' followed by '${cli} login'\n\n\n`,
      );

      const ref = `${authReg.host}/${cli}-auth:1`;
      assert.equal((await run(["tag", "busybox", ref])).code, 0);
      const p = await withConfig(["push", "-q", ref]);
      assert.equal(p.code, 0, p.stderr);
      assert.equal(p.stdout, `${ref}\n`);
      // run pulls a missing image with the stored credentials too
      assert.equal((await run(["rmi", ref])).code, 0);
      const r = await withConfig(["run", "--rm", ref, "echo", "pulled with credentials"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, "pulled with credentials\n");
      const out = await withConfig(["logout", authReg.host]);
      assert.equal(out.stdout, `Removing login credentials for ${authReg.host}\n`);
      assert.deepEqual(JSON.parse(readFileSync(file, "utf8")).auths, {});
      const denied = await withConfig(["push", "-q", ref]);
      assert.equal(denied.code, 1);
      assert.match(denied.stderr, /no basic auth credentials\n$/);

      const both = await withConfig(["login", "-p", "x", "--password-stdin", authReg.host]);
      assert.equal(both.code, 1);
      assert.equal(both.stderr, "conflicting options: cannot specify both --password and --password-stdin\n");
      const noUser = await withConfig(["login", "--password-stdin", authReg.host], "x\n");
      assert.equal(noUser.stderr, "the --password-stdin option requires --username to be set\n");
    });

    test(`${cli}: pull on a terminal redraws one line per layer`, async () => {
      const name = `${cli}-layered`;
      const c = await run([
        "run",
        "--name",
        name,
        "busybox",
        "sh",
        "-c",
        "head -c 300000 /dev/urandom > /big",
      ]);
      assert.equal(c.code, 0, c.stderr);
      const ref = `${reg.host}/${cli}-layered:1`;
      assert.equal((await run(["commit", name, ref])).code, 0);
      await run(["rm", name]);
      assert.equal((await run(["push", ref])).code, 0);
      assert.equal((await run(["rmi", ref])).code, 0);
      await using tty = new PtySession([bin, "pull", ref], { env: d.env });
      assert.equal(await tty.exited, 0);
      // what docker 28 prints on an 80-column terminal (no bar below 110 columns)
      const up = (id: string, text: string) => `\x1b[1A\x1b[2K\r${id}: ${text}\r\x1b[1B`;
      const expected =
        `1: Pulling from ${cli}-layered\r\n` +
        `\r\n${up("ID", "Already exists ")}` +
        `\r\n${up("ID", "Pulling fs layer ")}` +
        up("ID", "Downloading  301.6kB/301.6kB") +
        up("ID", "Verifying Checksum ") +
        up("ID", "Download complete ") +
        up("ID", "Extracting  301.6kB/301.6kB") +
        up("ID", "Pull complete ") +
        "Digest: sha256:DIGEST\r\n" +
        `Status: Downloaded newer image for ${ref}\r\n${ref}\r\n`;
      // the partial counts in between depend on timing: only the final ones are compared
      const partial =
        /\x1b\[1A\x1b\[2K\rID: (Downloading|Extracting) +(?!301\.6kB)[\d.]+kB\/301\.6kB\r\x1b\[1B/g;
      const seen = tty.output
        .replace(/\b[0-9a-f]{12}: /g, "ID: ")
        .replace(/sha256:[0-9a-f]{64}/, "sha256:DIGEST")
        .replace(partial, "");
      assert.equal(seen, expected);
    });
  }
});
