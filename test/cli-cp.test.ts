import assert from "node:assert/strict";
import {
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { after, before, describe, test } from "node:test";
import tar from "tar-stream";
import { type CommandResult, startDaemon, type TestDaemon } from "./harness/daemon.ts";

// `cp` through the real docker CLI and kapsel against one private daemon: files and trees both
// ways, Docker's trailing "/" and "/." rules, symlinks (-L), tar streams on stdin/stdout, -a,
// and the same messages for the same mistakes.

/** kapsel names itself where docker does. */
const asDocker = (text: string) =>
  text.replace(/(^|Usage: {2}|\t|Run '|See '|'|command: |Aliases:\n {2}|, )kapsel\b/gm, "$1docker");

/** A tar of text files (ASCII only, so it survives being passed as a string). */
async function textTar(files: Record<string, string>): Promise<string> {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(files))
    pack.entry({ name, mode: 0o644, mtime: new Date(0) }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString("latin1");
}

async function tarNames(text: string): Promise<string[]> {
  const extract = tar.extract();
  const names: string[] = [];
  extract.end(Buffer.from(text, "latin1"));
  for await (const e of extract) {
    names.push(e.header.type === "symlink" ? `${e.header.name} -> ${e.header.linkname}` : e.header.name);
    e.resume();
  }
  return names;
}

/** A host tree listed as "path" (files with their text, dirs with a slash, links with ->). */
function listTree(root: string, rel = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(`${root}/${rel}`).sort()) {
    const p = rel === "" ? name : `${rel}/${name}`;
    const st = lstatSync(`${root}/${p}`);
    if (st.isSymbolicLink()) out.push(`${p} -> ${readlinkSync(`${root}/${p}`)}`);
    else if (st.isDirectory()) out.push(`${p}/`, ...listTree(root, p));
    else out.push(`${p}: ${readFileSync(`${root}/${p}`, "utf8").trim()}`);
  }
  return out;
}

describe("cp", () => {
  let d: TestDaemon;
  let host: string;
  const C = "cpsrc";
  before(async () => {
    d = await startDaemon();
    host = mkdtempSync("/tmp/kapsel-cp-");
    const r = await d.docker(["run", "-d", "--name", C, "busybox", "sleep", "600"]);
    assert.equal(r.code, 0, r.stderr);
    const setup = await d.docker([
      "exec",
      C,
      "sh",
      "-c",
      "mkdir -p /data/sub /data/empty && echo hello > /data/a.txt && echo b > /data/sub/b && ln -s a.txt /data/link && ln -s /data/sub /data/dirlink",
    ]);
    assert.equal(setup.code, 0, setup.stderr);
  });
  after(async () => {
    await d?.[Symbol.asyncDispose]();
    if (host) rmSync(host, { recursive: true, force: true });
  });

  /**
   * Runs both CLIs; `lastLine` compares only stderr's last line (docker logs noise before it).
   * docker's logrus lines (its tar goroutine on a pipe the daemon closed early, depending on
   * timing) are left out always.
   */
  async function same(
    args: string[],
    o: { input?: string; lastLine?: boolean } = {},
  ): Promise<CommandResult> {
    const raw = await d.docker(args, { input: o.input });
    const docker = { ...raw, stderr: raw.stderr.replace(/^time="[^"]*" level=\w+ msg=.*\n/gm, "") };
    const kapsel = await d.kapsel(args, { input: o.input });
    const last = (r: CommandResult) =>
      o.lastLine ? { ...r, stderr: r.stderr.trimEnd().split("\n").at(-1) ?? "" } : r;
    assert.deepEqual(
      last({ ...kapsel, stdout: asDocker(kapsel.stdout), stderr: asDocker(kapsel.stderr) }),
      last(docker),
      `kapsel ${args.join(" ")}`,
    );
    return docker;
  }

  for (const cli of ["docker", "kapsel"] as const) {
    const ok = async (args: string[], input?: string) => {
      const r = await d[cli](args, { input });
      assert.equal(r.code, 0, `${cli} ${args.join(" ")}: ${r.stderr}`);
      return r;
    };
    const inside = async (script: string) => (await ok(["exec", C, "sh", "-c", script])).stdout;

    test(`${cli}: copying out of a container follows docker's path rules`, async () => {
      const out = `${host}/out-${cli}`;
      mkdirSync(`${out}/existing`, { recursive: true });
      await ok(["cp", `${C}:/data/a.txt`, out]);
      await ok(["cp", `${C}:/data/a.txt`, `${out}/renamed.txt`]);
      await ok(["cp", `${C}:/data`, `${out}/tree`]); // a new directory named after the destination
      await ok(["cp", `${C}:/data`, `${out}/existing`]); // into an existing one, as data/
      await ok(["cp", `${C}:/data/sub/.`, `${out}/contents`]); // the contents only
      await ok(["cp", `${C}:/data/link`, `${out}/link-as-is`]);
      await ok(["cp", "-L", `${C}:/data/link`, `${out}/link-followed`]);
      assert.deepEqual(listTree(out), [
        "a.txt: hello",
        "contents/",
        "contents/b: b",
        "existing/",
        "existing/data/",
        "existing/data/a.txt: hello",
        "existing/data/dirlink -> /data/sub",
        "existing/data/empty/",
        "existing/data/link -> a.txt",
        "existing/data/sub/",
        "existing/data/sub/b: b",
        "link-as-is -> a.txt",
        "link-followed: hello",
        "renamed.txt: hello",
        "tree/",
        "tree/a.txt: hello",
        "tree/dirlink -> /data/sub",
        "tree/empty/",
        "tree/link -> a.txt",
        "tree/sub/",
        "tree/sub/b: b",
      ]);
      // the archive itself on stdout; nothing on stderr off a terminal
      const r = await d[cli](["cp", `${C}:/data/sub`, "-"]);
      assert.deepEqual([r.code, r.stderr], [0, ""]);
      assert.deepEqual(await tarNames(r.stdout), ["sub/", "sub/b"]);
    });

    test(`${cli}: copying into a container follows docker's path rules`, async () => {
      const src = `${host}/in-${cli}`;
      mkdirSync(`${src}/dir/inner`, { recursive: true });
      writeFileSync(`${src}/f.txt`, "file\n");
      writeFileSync(`${src}/dir/inner/g`, "g\n");
      symlinkSync("inner/g", `${src}/dir/ln`);
      const to = `/in-${cli}`;
      await inside(`mkdir -p ${to}/existing`);
      await ok(["cp", `${src}/f.txt`, `${C}:${to}/`]);
      await ok(["cp", `${src}/f.txt`, `${C}:${to}/renamed.txt`]);
      await ok(["cp", `${src}/dir`, `${C}:${to}/newdir`]);
      await ok(["cp", `${src}/dir`, `${C}:${to}/existing`]);
      await ok(["cp", `${src}/dir/.`, `${C}:${to}/contents`]);
      await ok(["cp", "-", `${C}:${to}/existing`], await textTar({ "from-stdin.txt": "stdin\n" }));
      assert.equal(
        await inside(
          `cd ${to} && find . | sort && cat f.txt renamed.txt newdir/inner/g existing/from-stdin.txt && readlink newdir/ln`,
        ),
        [
          ".",
          "./contents",
          "./contents/inner",
          "./contents/inner/g",
          "./contents/ln",
          "./existing",
          "./existing/dir",
          "./existing/dir/inner",
          "./existing/dir/inner/g",
          "./existing/dir/ln",
          "./existing/from-stdin.txt",
          "./f.txt",
          "./newdir",
          "./newdir/inner",
          "./newdir/inner/g",
          "./newdir/ln",
          "./renamed.txt",
          "file",
          "file",
          "g",
          "stdin",
          "inner/g",
          "",
        ].join("\n"),
      );
    });

    test(`${cli}: files keep their owners; -a gives them the container's user`, async () => {
      const f = `${host}/owned-${cli}`;
      writeFileSync(f, "x");
      chownSync(f, 1234, 5678);
      await ok(["cp", f, `${C}:/tmp/plain-${cli}`]);
      await ok(["cp", "-a", f, `${C}:/tmp/archive-${cli}`]);
      assert.equal(
        await inside(`stat -c %u:%g /tmp/plain-${cli} /tmp/archive-${cli}`),
        "1234:5678\n1234:5678\n",
      );
      // a container that is not running, with a user: -a chowns to it
      const U = `cpuser-${cli}`;
      await ok(["create", "--name", U, "-u", "99:98", "busybox"]);
      await ok(["cp", "-a", f, `${U}:/tmp/a`]);
      await ok(["cp", f, `${U}:/tmp/b`]);
      const owners = async (path: string) => {
        const extract = tar.extract();
        extract.end(Buffer.from((await ok(["cp", `${U}:${path}`, "-"])).stdout, "latin1"));
        for await (const e of extract) {
          e.resume();
          return `${e.header.uid}:${e.header.gid}`;
        }
      };
      assert.deepEqual([await owners("/tmp/a"), await owners("/tmp/b")], ["99:98", "1234:5678"]);
    });
  }

  test("docker and kapsel print the same for cp's messages and mistakes", async () => {
    mkdirSync(`${host}/same/dir`, { recursive: true });
    writeFileSync(`${host}/same/file`, "123456");
    for (const args of [
      ["cp", "-q=false", `${C}:/data/a.txt`, `${host}/same/q.txt`],
      ["cp", "-q=false", `${host}/same/file`, `${C}:/tmp/q.txt`],
      ["cp", "nope:/x", `${host}/same/`],
      [`cp`, `${C}:/nonexistent`, `${host}/same/`],
      ["cp", `${C}:/data/a.txt`, "/nonexistent-dir/x"],
      ["cp", `${C}:/data`, `${host}/same/file`],
      ["cp", `${host}/same/nope`, `${C}:/tmp`],
      ["cp", `${host}/same/file`, `${C}:/nonexistent-dir/`],
      ["cp", "-", `${C}:/data/a.txt`],
      ["cp", "a", "b"],
      ["cp", `${C}:/a`, `${C}:/b`],
      ["cp", "", `${C}:/b`],
      ["cp", `${C}:/a`],
      ["container", "cp", "--help"],
    ]) {
      await same(args);
    }
    // docker's tar goroutine logs about its closed pipe before the error itself
    await same(["cp", `${host}/same/dir`, `${C}:/data/a.txt`], { lastLine: true });
  });
});
