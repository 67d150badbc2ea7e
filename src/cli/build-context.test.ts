import assert from "node:assert/strict";
import { linkSync, mkdtempSync, realpathSync, rmSync, utimesSync } from "node:fs";
import { PassThrough, type Readable } from "node:stream";
import { after, test } from "node:test";
import tar from "tar-stream";
import {
  dockerfileRelPath,
  packContext,
  readDockerignore,
  resolveContextDir,
  trimBuildFilesFromExcludes,
  walkContext,
} from "./build-context.ts";
import { contextFromStdin, isArchive } from "./build-stdin.ts";
import { treeMaker } from "./test-support.ts";

const tmp = realpathSync(mkdtempSync("/tmp/kapsel-build-test-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const tree = treeMaker(tmp);

interface Seen {
  name: string;
  type: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string | null;
  body: string;
}

async function read(stream: Readable): Promise<Seen[]> {
  const out: Seen[] = [];
  const extract = tar.extract();
  stream.pipe(extract as unknown as NodeJS.WritableStream);
  for await (const e of extract) {
    const chunks: Buffer[] = [];
    for await (const c of e) chunks.push(c as Buffer);
    const h = e.header;
    out.push({
      name: h.name,
      type: h.type ?? "",
      mode: h.mode,
      uid: h.uid,
      gid: h.gid,
      mtime: h.mtime ? h.mtime.getTime() / 1000 : undefined,
      linkname: h.linkname,
      body: Buffer.concat(chunks).toString(),
    });
  }
  return out;
}

async function contextNames(dir: string, dockerfile = "Dockerfile"): Promise<string[]> {
  const excludes = trimBuildFilesFromExcludes(readDockerignore(dir), dockerfile, false);
  return (await walkContext(dir, excludes)).map((e) => e.header.name);
}

test("the context walk: Go's order, .dockerignore applied, the build files always sent", async () => {
  const dir = tree({
    Dockerfile: "FROM x\n",
    ".dockerignore": "# comment\n*/b\nkeep\n!keep/x/y\nnode_modules\n**/*.md\nDockerfile\n.dockerignore\n",
    "a/b/f1": "1",
    "a/f2": "2",
    "a.txt": "t",
    "keep/x/y": "3",
    "keep/z": "4",
    "node_modules/m/i": "5",
    "docs/r.md": "6",
    "docs/s.txt": "7",
  });
  assert.deepEqual(await contextNames(dir), [
    ".dockerignore",
    "Dockerfile",
    "a/",
    "a/f2",
    "a.txt",
    "docs/",
    "docs/s.txt",
    // keep/ is excluded but walked for its exception; keep/x/ was excluded as part of keep
    "keep/x/y",
  ]);
});

test("context entries: owner 0:0, modes and whole-second mtimes as on disk, hard and symbolic links", async () => {
  const dir = tree({ Dockerfile: "FROM x\n", f: "data", l: "->f" });
  linkSync(`${dir}/f`, `${dir}/g`);
  utimesSync(`${dir}/f`, 1_700_000_000.75, 1_700_000_000.75);
  const entries = await read(packContext(await walkContext(dir, [])));
  assert.deepEqual(
    entries.map((e) => [e.name, e.type, e.uid, e.gid, e.linkname ?? null, e.body]),
    [
      ["Dockerfile", "file", 0, 0, null, "FROM x\n"],
      ["f", "file", 0, 0, null, "data"],
      ["g", "link", 0, 0, "f", ""],
      ["l", "symlink", 0, 0, "f", ""],
    ],
  );
  assert.equal(entries[1].mtime, 1_700_000_000);
  assert.equal(entries[1].mode, 0o644);
});

test("a Dockerfile from outside the context is added under a random name and ignored", async () => {
  const withIgnore = tree({ Dockerfile: "FROM x\n", ".dockerignore": "tmp" });
  const extra = { content: Buffer.from("FROM y\n"), name: ".dockerfile.0123456789abcdef0123" };
  const a = await read(packContext(await walkContext(withIgnore, ["tmp", "!.dockerignore"]), extra));
  assert.deepEqual(
    a.map((e) => [e.name, e.body]),
    [
      [".dockerignore", "tmp\n.dockerfile.0123456789abcdef0123\n"],
      ["Dockerfile", "FROM x\n"],
      [".dockerfile.0123456789abcdef0123", "FROM y\n"],
    ],
  );
  assert.equal(a[2].mode, 0o600);
  const without = tree({ Dockerfile: "FROM x\n" });
  const b = await read(packContext(await walkContext(without, []), extra));
  assert.deepEqual(
    b.map((e) => [e.name, e.body]),
    [
      ["Dockerfile", "FROM x\n"],
      [".dockerfile.0123456789abcdef0123", "FROM y\n"],
      [".dockerignore", ".dockerignore\n.dockerfile.0123456789abcdef0123\n"],
    ],
  );
});

test("where the Dockerfile is: default, lower-case fallback, -f from the current directory, errors", () => {
  const dir = tree({ dockerfile: "FROM x", "sub/D2": "FROM y", link: "->sub" });
  assert.equal(dockerfileRelPath(dir, ""), "dockerfile");
  assert.equal(dockerfileRelPath(dir, "sub/D2", dir), "sub/D2");
  assert.equal(dockerfileRelPath(`${dir}/sub`, `${dir}/dockerfile`), "../dockerfile");
  assert.equal(dockerfileRelPath(dir, "-"), "-");
  assert.throws(
    () => dockerfileRelPath(`${dir}/sub`, ""),
    new RegExp(
      `^Error: unable to evaluate symlinks in Dockerfile path: lstat ${dir}/sub/Dockerfile: no such file or directory$`,
    ),
  );
  assert.equal(resolveContextDir(`${dir}/link`), `${dir}/sub`);
  assert.throws(
    () => resolveContextDir(`${dir}/dockerfile`),
    new RegExp(`^Error: context must be a directory: ${dir}/dockerfile$`),
  );
});

test("build context from stdin: a tar (or compressed) goes as it is; a Dockerfile becomes one", async () => {
  const pack = tar.pack();
  pack.entry({ name: "Dockerfile" }, "FROM x\n");
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  const tarBytes = Buffer.concat(chunks);
  assert.equal(isArchive(tarBytes.subarray(0, 1024)), true);
  assert.equal(isArchive(Buffer.from([0x1f, 0x8b, 8, 0])), true);
  assert.equal(isArchive(Buffer.from("FROM busybox\nRUN true\n")), false);
  assert.equal(isArchive(Buffer.alloc(1024)), false);

  const stdin = (data: Buffer) => {
    const s = new PassThrough();
    s.end(data);
    return s;
  };
  const asTar = await contextFromStdin(stdin(tarBytes), "");
  assert.equal(asTar.dockerfile, "");
  const sent: Buffer[] = [];
  for await (const c of asTar.body) sent.push(c as Buffer);
  assert.deepEqual(Buffer.concat(sent), tarBytes);

  const asDockerfile = await contextFromStdin(stdin(Buffer.from("FROM busybox\n")), "");
  assert.equal(asDockerfile.dockerfile, "Dockerfile");
  assert.deepEqual(
    (await read(asDockerfile.body)).map((e) => [e.name, e.body]),
    [["Dockerfile", "FROM busybox\n"]],
  );
  await assert.rejects(
    contextFromStdin(stdin(Buffer.from("FROM busybox\n")), "x"),
    /^Error: ambiguous Dockerfile source: both stdin and flag correspond to Dockerfiles$/,
  );
});
