import assert from "node:assert/strict";
import { test } from "node:test";
import {
  assertsDirectory,
  goBase,
  goClean,
  goDir,
  goRel,
  preserveTrailingDotOrSeparator,
} from "../lib/go-path.ts";
import {
  type CopyInfo,
  getRebaseName,
  planArchiveCopy,
  rebaseName,
  splitCpArg,
  splitPathDirEntry,
} from "./cp-paths.ts";

test("splitCpArg: CONTAINER:PATH, except absolute paths and paths starting with a dot", () => {
  assert.deepEqual(splitCpArg("web:/etc/hosts"), { container: "web", path: "/etc/hosts" });
  assert.deepEqual(splitCpArg("web:"), { container: "web", path: "" });
  assert.deepEqual(splitCpArg("/tmp/a:b"), { container: "", path: "/tmp/a:b" });
  assert.deepEqual(splitCpArg("./file:name.txt"), { container: "", path: "./file:name.txt" });
  assert.deepEqual(splitCpArg("file.txt"), { container: "", path: "file.txt" });
  assert.deepEqual(splitCpArg("-"), { container: "", path: "-" });
  assert.deepEqual(splitCpArg("c:d:e"), { container: "c", path: "d:e" });
});

test("Go's Clean, Dir, Base and Rel", () => {
  assert.equal(goClean(""), ".");
  assert.equal(goClean("/a/b/../c/./"), "/a/c");
  assert.equal(goClean("/../x"), "/x");
  assert.equal(goClean("../../a"), "../../a");
  assert.equal(goDir("/a/b/"), "/a/b");
  assert.equal(goDir("a"), ".");
  assert.equal(goDir("/a"), "/");
  assert.equal(goBase("/a/b/"), "b");
  assert.equal(goBase("/"), "/");
  assert.equal(goBase(""), ".");
  assert.equal(goRel("/tmp", "/tmp/d/a"), "d/a");
  assert.equal(goRel("/", "/tmp"), "tmp");
  assert.equal(goRel("/tmp/ctx", "/tmp/Dockerfile"), "../Dockerfile");
  assert.equal(goRel("/tmp/d", "/tmp/d/."), ".");
});

test("a trailing / or /. survives cleaning, and says 'a directory'", () => {
  assert.equal(preserveTrailingDotOrSeparator("/a/b", "/a/b/"), "/a/b/");
  assert.equal(preserveTrailingDotOrSeparator("/a/b", "/a/b/."), "/a/b/.");
  assert.equal(preserveTrailingDotOrSeparator("/a/b", "/a/b"), "/a/b");
  assert.equal(preserveTrailingDotOrSeparator("/", "/."), "/.");
  assert.equal(assertsDirectory("/a/"), true);
  assert.equal(assertsDirectory("/a/."), true);
  assert.equal(assertsDirectory("/a"), false);
});

test("splitPathDirEntry keeps a final '.' as the entry", () => {
  assert.deepEqual(splitPathDirEntry("/a/b"), ["/a", "b"]);
  assert.deepEqual(splitPathDirEntry("/a/b/"), ["/a", "b"]);
  assert.deepEqual(splitPathDirEntry("/a/b/."), ["/a/b", "."]);
  assert.deepEqual(splitPathDirEntry("/a"), ["/", "a"]);
});

test("getRebaseName: the link's name is kept when resolving changed the last element", () => {
  assert.deepEqual(getRebaseName("/data/link", "/data/target"), ["/data/target", "link"]);
  assert.deepEqual(getRebaseName("/data/link/", "/data/target"), ["/data/target/", "link"]);
  assert.deepEqual(getRebaseName("/data/link/.", "/data/target"), ["/data/target/.", ""]);
  assert.deepEqual(getRebaseName("/data/same", "/other/same"), ["/other/same", ""]);
});

const info = (path: string, exists: boolean, isDir: boolean, rebase = ""): CopyInfo => ({
  path,
  exists,
  isDir,
  rebaseName: rebase,
});

test("planArchiveCopy: moby's PrepareArchiveCopy cases", () => {
  // into an existing directory: as is
  assert.deepEqual(planArchiveCopy(info("/src/f", true, false), info("/dst", true, true)), {
    dstDir: "/dst",
  });
  // a directory onto an existing file
  assert.throws(
    () => planArchiveCopy(info("/src/d", true, true), info("/dst/f", true, false)),
    /^Error: cannot copy directory$/,
  );
  // a file onto an existing file: renamed to it, extracted beside it
  assert.deepEqual(planArchiveCopy(info("/src/f", true, false), info("/dst/g", true, false)), {
    dstDir: "/dst",
    rebase: ["f", "g"],
  });
  // a directory to a new path: created under that name
  assert.deepEqual(planArchiveCopy(info("/src/d", true, true), info("/dst/new", false, false)), {
    dstDir: "/dst",
    rebase: ["d", "new"],
  });
  // the contents of a directory to a new path
  assert.deepEqual(planArchiveCopy(info("/src/d/.", true, true), info("/dst/new", false, false)), {
    dstDir: "/dst",
    rebase: [".", "new"],
  });
  // a file to a missing directory
  assert.throws(
    () => planArchiveCopy(info("/src/f", true, false), info("/dst/new/", false, false)),
    /^Error: no such directory$/,
  );
  // a file to a new name; a rebase name wins over the source's base
  assert.deepEqual(planArchiveCopy(info("/src/t", true, false, "link"), info("/dst/n", false, false)), {
    dstDir: "/dst",
    rebase: ["link", "n"],
  });
});

test("rebaseName replaces the first occurrence; a root base prefixes", () => {
  assert.equal(rebaseName("d/a/d", "d", "new"), "new/a/d");
  assert.equal(rebaseName("./x", ".", "new"), "new/x");
  assert.equal(rebaseName(".", ".", "new"), "new");
  assert.equal(rebaseName("etc/x", "/", "new/"), "new/etc/x");
  assert.equal(rebaseName("x$&y", "x", "$1"), "$1$&y");
});
