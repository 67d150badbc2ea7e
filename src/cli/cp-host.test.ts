import assert from "node:assert/strict";
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  utimesSync,
} from "node:fs";
import { Readable } from "node:stream";
import { after, test } from "node:test";
import tar from "tar-stream";
import { untar } from "./cp-extract.ts";
import {
  copyInfoDestinationPath,
  copyInfoSourcePath,
  evalSymlinks,
  resolveLocalPath,
  validateOutputPath,
} from "./cp-host.ts";
import { planArchiveCopy } from "./cp-paths.ts";
import { rebaseArchive, tarResource } from "./cp-tar.ts";
import { treeMaker } from "./test-support.ts";

const tmp = realpathSync(mkdtempSync("/tmp/kapsel-cp-test-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const tree = treeMaker(tmp);

async function entries(tarStream: Readable): Promise<string[]> {
  const names: string[] = [];
  const extract = tar.extract();
  tarStream.pipe(extract as unknown as NodeJS.WritableStream);
  for await (const e of extract) {
    const h = e.header;
    names.push(h.type === "symlink" || h.type === "link" ? `${h.name} -> ${h.linkname}` : h.name);
    e.resume();
  }
  return names;
}

function tarOf(list: Array<{ name: string; type?: string; linkname?: string; body?: string }>): Readable {
  const pack = tar.pack();
  for (const e of list) {
    const type = (e.type ?? "file") as "file";
    pack.entry(
      { name: e.name, type, linkname: e.linkname, mode: type === "file" ? 0o644 : 0o755 },
      e.body ?? "",
    );
  }
  pack.finalize();
  return Readable.from(pack as unknown as AsyncIterable<Buffer>);
}

test("evalSymlinks resolves as realpath does, and fails with Go's errors", () => {
  const root = tree({ "real/x/f": "1", abs: `->${tmp}`, rel: "->real/x", up: "->real/../real" });
  assert.equal(evalSymlinks(`${root}/rel/f`), `${root}/real/x/f`);
  assert.equal(evalSymlinks(`${root}/up/x/../x/f`), `${root}/real/x/f`);
  assert.equal(evalSymlinks(`${root}/abs`), tmp);
  assert.equal(evalSymlinks(`${root}/real/x/`), `${root}/real/x`);
  assert.throws(
    () => evalSymlinks(`${root}/nope/f`),
    new RegExp(`^Error: lstat ${root}/nope: no such file or directory$`),
  );
  assert.throws(() => evalSymlinks(`${root}/real/x/f/g`), /^Error: not a directory$/);
});

test("a local source: a final symlink is copied as one unless -L", () => {
  const root = tree({ "dir/f": "1", link: "->dir" });
  assert.deepEqual(copyInfoSourcePath(`${root}/link`, false), {
    path: `${root}/link`,
    exists: true,
    isDir: false,
    rebaseName: "",
  });
  assert.deepEqual(copyInfoSourcePath(`${root}/link`, true), {
    path: `${root}/dir`,
    exists: true,
    isDir: true,
    rebaseName: "link",
  });
  // a trailing slash resolves the link, and the archive keeps its name
  assert.deepEqual(copyInfoSourcePath(`${root}/link/`, false), {
    path: `${root}/dir/`,
    exists: true,
    isDir: true,
    rebaseName: "link",
  });
  assert.throws(
    () => copyInfoSourcePath(`${root}/nope`, false),
    /^Error: lstat .*\/nope: no such file or directory$/,
  );
});

test("a local destination: symlinks followed, a missing one needs its parent", () => {
  const root = tree({ "dir/": null, file: "x", broken: "->dir/new", tofile: "->file" });
  assert.deepEqual(copyInfoDestinationPath(`${root}/dir`), {
    path: `${root}/dir`,
    exists: true,
    isDir: true,
    rebaseName: "",
  });
  assert.deepEqual(copyInfoDestinationPath(`${root}/broken`), {
    path: `${root}/dir/new`,
    exists: false,
    isDir: false,
    rebaseName: "",
  });
  assert.equal(copyInfoDestinationPath(`${root}/tofile`).path, `${root}/file`);
  // Go's os.IsNotExist is false for ENOTDIR: the lstat error itself
  assert.throws(
    () => copyInfoDestinationPath(`${root}/file/x`),
    /^Error: lstat .*\/file\/x: not a directory$/,
  );
  assert.throws(
    () => copyInfoDestinationPath(`${root}/no/x`),
    /^Error: stat .*\/no: no such file or directory$/,
  );
});

test("output paths: the parent must exist, devices are refused", () => {
  assert.throws(
    () => validateOutputPath("/nonexistent-dir/x"),
    /^Error: invalid output path: directory "\/nonexistent-dir" does not exist$/,
  );
  assert.throws(
    () => validateOutputPath("/dev/null"),
    /^Error: invalid output path: "\/dev\/null" must be a directory or a regular file: got a device$/,
  );
  validateOutputPath(`${tmp}/new-file`);
  assert.equal(resolveLocalPath("a/b/", "/w"), "/w/a/b/");
  assert.equal(resolveLocalPath("./.", "/w"), "/w/.");
  assert.equal(resolveLocalPath("../x", "/w/y"), "/w/x");
});

test("tarResource names entries from the source's base; '/.' gives its contents", async () => {
  const root = tree({ "d/a": "1", "d/sub/b": "2", "d/l": "->a" });
  linkSync(`${root}/d/a`, `${root}/d/z-hard`);
  assert.deepEqual(await entries(await tarResource(copyInfoSourcePath(`${root}/d`, false))), [
    "d/",
    "d/a",
    "d/l -> a",
    "d/sub/",
    "d/sub/b",
    "d/z-hard -> d/a",
  ]);
  assert.deepEqual(await entries(await tarResource(copyInfoSourcePath(`${root}/d/.`, false))), [
    "./",
    "./a",
    "./l -> a",
    "./sub/",
    "./sub/b",
    "./z-hard -> ./a",
  ]);
  assert.deepEqual(await entries(await tarResource(copyInfoSourcePath(`${root}/d/a`, false))), ["a"]);
  const rebased = rebaseArchive(await tarResource(copyInfoSourcePath(`${root}/d`, false)), "d", "new");
  assert.deepEqual((await entries(rebased)).slice(0, 2), ["new/", "new/a"]);
  assert.deepEqual(
    (await entries(rebaseArchive(await tarResource(copyInfoSourcePath(`${root}/d`, false)), "d", "new"))).at(
      -1,
    ),
    "new/z-hard -> new/a",
  );
});

test("a tree copied through tarResource and untar comes out the same: modes, links, times", async () => {
  const src = tree({ "d/a": "hello", "d/sub/b": "2", "d/l": "->a", "d/empty/": null });
  utimesSync(`${src}/d/a`, 1_000_000_000, 1_000_000_000);
  const dst = tree({ "out/": null });
  const srcInfo = copyInfoSourcePath(`${src}/d`, false);
  const plan = planArchiveCopy(srcInfo, copyInfoDestinationPath(`${dst}/out/copy`));
  const [from, to] = plan.rebase ?? ["", ""];
  assert.deepEqual([plan.dstDir, from, to], [`${dst}/out`, "d", "copy"]);
  const archive = await tarResource(srcInfo);
  await untar(rebaseArchive(archive, from, to), plan.dstDir, { noOverwriteDirNonDir: true });
  assert.equal(readFileSync(`${dst}/out/copy/a`, "utf8"), "hello");
  assert.equal(readFileSync(`${dst}/out/copy/sub/b`, "utf8"), "2");
  assert.equal(readlinkSync(`${dst}/out/copy/l`), "a");
  assert.ok(lstatSync(`${dst}/out/copy/empty`).isDirectory());
  assert.equal(lstatSync(`${dst}/out/copy/a`).mtimeMs, 1_000_000_000_000);
});

test("untar never writes through a symlink out of the destination", async () => {
  const outside = tree({ "victim/": null });
  const dst = tree({ "out/": null });
  // a link to an absolute host path, then a file "through" it: lands inside dest (chroot-like)
  await untar(
    tarOf([
      { name: "esc", type: "symlink", linkname: `${outside}/victim` },
      { name: "esc/pwned", body: "x" },
    ]),
    `${dst}/out`,
  );
  assert.equal(existsSync(`${outside}/victim/pwned`), false);
  assert.equal(readFileSync(`${dst}/out${outside}/victim/pwned`, "utf8"), "x");

  // a relative link climbing out is refused (Docker's "invalid symlink")
  await assert.rejects(
    untar(tarOf([{ name: "up", type: "symlink", linkname: "../../.." }]), `${dst}/out`),
    /invalid symlink/,
  );
  // names climbing out are refused
  await assert.rejects(untar(tarOf([{ name: "../x", body: "x" }]), `${dst}/out`), /is outside of/);
  // an existing symlink at a file's path is replaced, not written through
  symlinkSync(`${outside}/victim/target`, `${dst}/out/f`);
  await untar(tarOf([{ name: "f", body: "new" }]), `${dst}/out`);
  assert.equal(existsSync(`${outside}/victim/target`), false);
  assert.equal(readFileSync(`${dst}/out/f`, "utf8"), "new");
  // hard links to files out of the destination are refused
  await assert.rejects(
    untar(tarOf([{ name: "h", type: "link", linkname: "../../etc/passwd" }]), `${dst}/out`),
    /invalid hardlink/,
  );
});

test("untar: an existing directory is not replaced by a file, nor the reverse", async () => {
  const dst = tree({ "out/dir/": null, "out/file": "x" });
  await assert.rejects(
    untar(tarOf([{ name: "dir", body: "x" }]), `${dst}/out`, { noOverwriteDirNonDir: true }),
    /^Error: cannot overwrite directory ".*\/out\/dir" with non-directory ".*\/out"$/,
  );
  await assert.rejects(
    untar(tarOf([{ name: "file", type: "directory" }]), `${dst}/out`, { noOverwriteDirNonDir: true }),
    /^Error: cannot overwrite non-directory ".*\/out\/file" with directory ".*\/out"$/,
  );
});
