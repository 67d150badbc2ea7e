import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { posix } from "node:path";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import tar from "tar-stream";
import { getXattrs, opaqueDirs } from "./fs-syscalls.ts";
import { unpackLayer } from "./layer-unpack.ts";

let dir: string;
before(async () => {
  dir = await mkdtemp("/tmp/kapsel-unpack-");
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function layer(
  entries: Array<{ name: string; type?: "directory"; content?: string }>,
): Promise<Readable> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === "directory") pack.entry({ name: e.name, type: "directory", mode: 0o755 }).end(undefined);
    else pack.entry({ name: e.name, mode: 0o644 }, Buffer.from(e.content ?? ""));
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  return Readable.from([Buffer.concat(chunks)]);
}

const MARKERS = [
  { name: "etc/", type: "directory" as const },
  { name: "etc/.wh.hosts" },
  { name: "var/", type: "directory" as const },
  { name: "var/.wh..wh..opq" },
  { name: "var/kept", content: "k" },
  { name: ".wh..wh.plnk" },
];

test("overlay mode turns .wh. files into 0/0 devices and .wh..wh..opq into the opaque xattr", async () => {
  const root = posix.join(dir, "overlay");
  await mkdir(root);
  const result = await unpackLayer(await layer(MARKERS), root, "overlay");
  const wh = await lstat(posix.join(root, "etc/hosts"));
  assert.ok(wh.isCharacterDevice());
  assert.equal(wh.rdev, 0);
  assert.equal(existsSync(posix.join(root, "etc/.wh.hosts")), false);
  assert.equal(existsSync(posix.join(root, "var/.wh..wh..opq")), false);
  assert.equal(existsSync(posix.join(root, ".wh..wh.plnk")), false);
  assert.deepEqual(result.opaque, ["var"]);
  assert.deepEqual(
    [...(await opaqueDirs([posix.join(root, "var"), posix.join(root, "etc")]))],
    [posix.join(root, "var")],
  );
});

test("apply mode deletes what whiteouts name and empties opaque directories, keeping this layer's files", async () => {
  const root = posix.join(dir, "apply");
  await mkdir(posix.join(root, "etc"), { recursive: true });
  await mkdir(posix.join(root, "var/lib"), { recursive: true });
  await writeFile(posix.join(root, "etc/hosts"), "h");
  await writeFile(posix.join(root, "etc/passwd"), "p");
  await writeFile(posix.join(root, "var/lib/old"), "o");
  await unpackLayer(await layer(MARKERS), root, "apply");
  assert.deepEqual(await readdir(posix.join(root, "etc")), ["passwd"]);
  assert.deepEqual(await readdir(posix.join(root, "var")), ["kept"]);
});

test("a whiteout followed by a directory of the same name makes that directory opaque", async () => {
  const root = posix.join(dir, "redo");
  await mkdir(root);
  const result = await unpackLayer(
    await layer([{ name: ".wh.opt" }, { name: "opt/", type: "directory" }]),
    root,
    "overlay",
  );
  assert.ok((await lstat(posix.join(root, "opt"))).isDirectory());
  assert.deepEqual(result.opaque, ["opt"]);
});

async function packed(
  entries: Array<Partial<tar.Header> & { name: string; body?: Buffer | string }>,
): Promise<Readable> {
  const pack = tar.pack();
  for (const { body, ...h } of entries) {
    if (body !== undefined) pack.entry({ mtime: new Date(0), ...h }, Buffer.from(body));
    else pack.entry({ mtime: new Date(0), ...h }).end(undefined);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  // small pieces, as a network would give them
  const all = Buffer.concat(chunks);
  const pieces: Buffer[] = [];
  for (let i = 0; i < all.length; i += 7000) pieces.push(all.subarray(i, i + 7000));
  return Readable.from(pieces);
}

test("owners, modes (setuid too), times and xattrs are kept for small and big files, links and directories", async () => {
  const root = posix.join(dir, "meta");
  await mkdir(root);
  const t = (s: number) => new Date(1_700_000_000_000 + s * 1000);
  const big = Buffer.alloc(300 * 1024, 7);
  await unpackLayer(
    await packed([
      { name: "d/", type: "directory", mode: 0o2750, uid: 1000, gid: 1000, mtime: t(1) },
      { name: "d/s", mode: 0o4755, uid: 1000, gid: 2000, mtime: t(2), body: "x" },
      { name: "d/t", mode: 0o644, mtime: t(3), body: "t", pax: { "SCHILY.xattr.user.kapsel": "v" } },
      { name: "g", mode: 0o666, mtime: t(4), body: "" },
      { name: "big", mode: 0o600, uid: 5, gid: 6, mtime: t(5), body: big },
      { name: "ln", type: "symlink", linkname: "d/s", uid: 7, gid: 8, mtime: t(6) },
      { name: "d/hl", type: "link", linkname: "d/s" },
    ]),
    root,
    "overlay",
  );
  const st = async (p: string) => lstat(posix.join(root, p));
  const expect = async (p: string, mode: number, uid: number, gid: number, mtime: Date) => {
    const s = await st(p);
    assert.deepEqual([s.mode & 0o7777, s.uid, s.gid, s.mtimeMs], [mode, uid, gid, mtime.getTime()], p);
  };
  await expect("d", 0o2750, 1000, 1000, t(1));
  await expect("d/s", 0o4755, 1000, 2000, t(2));
  await expect("d/t", 0o644, 0, 0, t(3));
  await expect("g", 0o666, 0, 0, t(4));
  await expect("big", 0o600, 5, 6, t(5));
  assert.deepEqual(await readFile(posix.join(root, "big")), big);
  const ln = await st("ln");
  assert.deepEqual([ln.isSymbolicLink(), ln.uid, ln.gid, ln.mtimeMs], [true, 7, 8, t(6).getTime()]);
  assert.equal((await st("d/hl")).ino, (await st("d/s")).ino);
  const xattrs = await getXattrs([posix.join(root, "d/t")], "user.kapsel");
  assert.equal(xattrs.get(posix.join(root, "d/t"))?.toString(), "v");
});

test("a name given twice is replaced, also when reached through a symlinked parent", async () => {
  for (const mode of ["overlay", "apply"] as const) {
    const root = posix.join(dir, `twice-${mode}`);
    await mkdir(root);
    if (mode === "apply") {
      // overlay unpacks into an empty dir (and relies on it); apply onto the parent's tree
      await mkdir(posix.join(root, "pre"));
      await writeFile(posix.join(root, "pre/old"), "old");
    }
    await unpackLayer(
      await packed([
        { name: "a/", type: "directory", mode: 0o755 },
        { name: "a/f", body: "1" },
        { name: "a/f", body: "2" },
        { name: "l", type: "symlink", linkname: "a" },
        { name: "l/g", body: "via link" },
        { name: "a/g", body: "direct" },
        { name: "a/h", body: "file first" },
        { name: "a/h/", type: "directory", mode: 0o755 },
        { name: "pre/old", body: "new" },
      ]),
      root,
      mode,
    );
    assert.equal(await readFile(posix.join(root, "a/f"), "utf8"), "2", mode);
    assert.equal(await readFile(posix.join(root, "a/g"), "utf8"), "direct", mode);
    assert.ok((await lstat(posix.join(root, "a/h"))).isDirectory(), mode);
    assert.equal(await readFile(posix.join(root, "pre/old"), "utf8"), "new", mode);
  }
});

test("copyTo keeps the tar's bytes as they came, and its sha256 is the diffId", async () => {
  const root = posix.join(dir, "copy");
  await mkdir(root);
  const input = await packed([{ name: "f", body: Buffer.alloc(2 * 1024 * 1024 + 3, 1) }]);
  const bytes = Buffer.concat(await input.toArray());
  const result = await unpackLayer(
    Readable.from([bytes.subarray(0, 5000), bytes.subarray(5000)]),
    root,
    "overlay",
    {
      copyTo: posix.join(dir, "copy.tar"),
    },
  );
  const copy = await readFile(posix.join(dir, "copy.tar"));
  assert.deepEqual(copy, bytes);
  assert.equal(result.diffId, `sha256:${createHash("sha256").update(bytes).digest("hex")}`);
});
