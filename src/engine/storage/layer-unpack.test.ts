import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { lstat, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { posix } from "node:path";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import tar from "tar-stream";
import { opaqueDirs } from "./fs-syscalls.ts";
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
