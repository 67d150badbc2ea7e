import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { posix } from "node:path";
import { Readable } from "node:stream";
import { after, test } from "node:test";
import tar from "tar-stream";
import { receiveContext } from "./context.ts";
import { FileHashes } from "./file-hashes.ts";
import { FileStore } from "./file-store.ts";

const tmp = mkdtempSync("/tmp/kapsel-context-test-");
after(() => rmSync(tmp, { recursive: true, force: true }));

const OLD = new Date(1_600_000_000_000);

async function tarOf(entries: Array<Partial<tar.Header> & { name: string; body?: string }>): Promise<Buffer> {
  const pack = tar.pack();
  for (const { body, ...h } of entries) pack.entry({ mode: 0o644, mtime: OLD, ...h }, body ?? "");
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

const receive = (
  body: Buffer | string,
  o: { dockerfile?: string; maxBytes?: number; store?: FileStore } = {},
) =>
  receiveContext(Readable.from([Buffer.from(body)]), {
    tmpDir: tmp,
    maxBytes: o.maxBytes ?? 1e9,
    hashes: new FileHashes(),
    dockerfile: o.dockerfile,
    store: o.store,
  });

test("a body that is not a tar is the Dockerfile, with an empty context", async () => {
  const ctx = await receive("FROM busybox\n");
  assert.deepEqual(ctx.dockerfile, { path: "Dockerfile", text: "FROM busybox\n" });
  assert.deepEqual([...ctx.entries.keys()], [""]);
  await ctx.close();
  assert.equal(existsSync(ctx.root), false);
});

test("entries keep the tar's metadata and content hashes; a lower-case dockerfile is found", async () => {
  const ctx = await receive(
    await tarOf([
      { name: "dockerfile", body: "FROM scratch\n" },
      { name: "dir/", type: "directory", mode: 0o750, uid: 5, gid: 6 },
      { name: "dir/a.txt", body: "abc", mode: 0o600 },
      { name: "link", type: "symlink", linkname: "dir/a.txt" },
    ]),
  );
  assert.equal(ctx.dockerfile.path, "Dockerfile");
  assert.deepEqual(ctx.get("dir"), {
    type: "dir",
    size: 0,
    mode: 0o750,
    uid: 5,
    gid: 6,
    mtime: OLD.getTime(),
  });
  assert.equal(
    ctx.get("dir/a.txt")?.digest,
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  assert.equal(ctx.get("link")?.linkname, "dir/a.txt");
  assert.deepEqual(ctx.list(""), ["dir", "dockerfile", "link"]);
  await ctx.close();
});

test("a tar cut right after its last file (the docker CLI's -f -) is read whole", async () => {
  const full = await tarOf([{ name: "Dockerfile", body: "FROM scratch\n" }]);
  const cut = full.subarray(0, 512 + 13);
  const ctx = await receive(cut);
  assert.equal(ctx.dockerfile.text, "FROM scratch\n");
  await ctx.close();
});

test(".dockerignore drops entries; a directory holding a kept file stays", async () => {
  const ctx = await receive(
    await tarOf([
      { name: "Dockerfile", body: "FROM scratch\n" },
      { name: ".dockerignore", body: "logs\n!logs/keep.log\n*.tmp\n" },
      { name: "logs/", type: "directory" },
      { name: "logs/a.log", body: "a" },
      { name: "logs/keep.log", body: "k" },
      { name: "x.tmp", body: "t" },
      { name: "y.txt", body: "y" },
    ]),
  );
  assert.deepEqual([...ctx.entries.keys()].sort(), [
    "",
    ".dockerignore",
    "Dockerfile",
    "logs",
    "logs/keep.log",
    "y.txt",
  ]);
  await ctx.close();
});

test("errors: no Dockerfile, an empty one, too much content, an entry below a symlink", async () => {
  await assert.rejects(
    receive(await tarOf([{ name: "a", body: "x" }])),
    /Cannot locate specified Dockerfile: Dockerfile/,
  );
  await assert.rejects(
    receive(await tarOf([{ name: "Dockerfile", body: "" }])),
    /the Dockerfile \(Dockerfile\) cannot be empty/,
  );
  await assert.rejects(
    receive(
      await tarOf([
        { name: "Dockerfile", body: "FROM scratch\n" },
        { name: "big", body: "x".repeat(100) },
      ]),
      {
        maxBytes: 50,
      },
    ),
    /the build context holds more than 50 B of files/,
  );
  await assert.rejects(
    receive(
      await tarOf([
        { name: "up", type: "symlink", linkname: "/etc" },
        { name: "up/passwd", body: "x" },
      ]),
    ),
    /up\/passwd is below up, which is not a directory/,
  );
  assert.deepEqual(readdirSync(tmp), []);
});

test("a file kept from an earlier build is not written again", async () => {
  const store = new FileStore(posix.join(tmp, "..", `${posix.basename(tmp)}-files`), 1e9);
  const hashes = new FileHashes();
  const body = await tarOf([
    { name: "Dockerfile", body: "FROM scratch\n" },
    { name: "data.bin", body: "kept content" },
  ]);
  const once = () => receiveContext(Readable.from([body]), { tmpDir: tmp, maxBytes: 1e9, hashes, store });
  const first = await once();
  assert.equal(first.get("data.bin")?.blob, undefined);
  await first.close();
  const second = await once();
  const blob = second.get("data.bin")?.blob;
  assert.ok(blob);
  assert.equal(existsSync(posix.join(second.root, "data.bin")), false);
  assert.equal(readFileSync(second.hostPath("data.bin"), "utf8"), "kept content");
  await second.close();
  rmSync(posix.join(tmp, "..", `${posix.basename(tmp)}-files`), { recursive: true, force: true });
});

test("a file with the same header but new content is not taken for the kept one", async () => {
  const store = new FileStore(posix.join(tmp, "..", `${posix.basename(tmp)}-files`), 1e9);
  const hashes = new FileHashes();
  // docker-py writes every context file with mtime 0: only the bytes tell the files apart
  const context = (text: string) => tarOf([{ name: "Dockerfile", body: text, mtime: new Date(0) }]);
  const first = await receiveContext(Readable.from([await context("FROM a\n")]), {
    tmpDir: tmp,
    maxBytes: 1e9,
    hashes,
    store,
  });
  await first.close();
  const second = await receiveContext(Readable.from([await context("FROM b\n")]), {
    tmpDir: tmp,
    maxBytes: 1e9,
    hashes,
    store,
  });
  assert.equal(readFileSync(second.hostPath("Dockerfile"), "utf8"), "FROM b\n");
  await second.close();
  rmSync(posix.join(tmp, "..", `${posix.basename(tmp)}-files`), { recursive: true, force: true });
});
