import assert from "node:assert/strict";
import { test } from "node:test";
import { ignoreMatcher, type MatchInfo, parseDockerignore } from "./dockerignore.ts";
import { isKind } from "./errors.ts";
import { goClean as cleanPath } from "./go-path.ts";

const ignores = (pattern: string | string[], path: string) =>
  ignoreMatcher(Array.isArray(pattern) ? pattern : [pattern]).ignores(path);

/** A walker's view: parents matched first, their MatchInfo passed down (MatchesUsingParentResults). */
function walkIgnores(patterns: string[], path: string): boolean {
  const m = ignoreMatcher(patterns);
  const dirs = path.split("/").slice(0, -1);
  let info: MatchInfo = [];
  for (let i = 0; i < dirs.length; i++) {
    if (dirs.slice(0, i + 1).join("/") === "") continue;
    info = m.matchWithParent(dirs.slice(0, i + 1).join("/"), info).info;
  }
  return m.matchWithParent(path, info).ignored;
}

test("parseDockerignore reads patterns as ignorefile.ReadAll", () => {
  const content = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ";
  assert.deepEqual(parseDockerignore(content), [
    "test1",
    "test2",
    "a/file/here",
    "lastfile",
    "!inverted/abs/path",
    "!",
    "!",
  ]);
  assert.deepEqual(parseDockerignore("\ufeffa\r\n./b/\r\n  c/../d  \n #x\n/\n"), ["a", "b", "d", "#x", "/"]);
  assert.deepEqual(parseDockerignore(""), []);
});

// patternmatcher's TestMatches table.
const matches: Array<[string, string, boolean]> = [
  ["**", "file", true],
  ["**", "file/", true],
  ["**/", "file", true],
  ["**/", "file/", true],
  ["**", "/", true],
  ["**/", "/", true],
  ["**", "dir/file", true],
  ["**/", "dir/file", true],
  ["**", "dir/file/", true],
  ["**/", "dir/file/", true],
  ["**/**", "dir/file", true],
  ["**/**", "dir/file/", true],
  ["dir/**", "dir/file", true],
  ["dir/**", "dir/file/", true],
  ["dir/**", "dir/dir2/file", true],
  ["dir/**", "dir/dir2/file/", true],
  ["**/dir", "dir", true],
  ["**/dir", "dir/file", true],
  ["**/dir2/*", "dir/dir2/file", true],
  ["**/dir2/*", "dir/dir2/file/", true],
  ["**/dir2/**", "dir/dir2/dir3/file", true],
  ["**/dir2/**", "dir/dir2/dir3/file/", true],
  ["**file", "file", true],
  ["**file", "dir/file", true],
  ["**/file", "dir/file", true],
  ["**file", "dir/dir/file", true],
  ["**/file", "dir/dir/file", true],
  ["**/file*", "dir/dir/file", true],
  ["**/file*", "dir/dir/file.txt", true],
  ["**/file*txt", "dir/dir/file.txt", true],
  ["**/file*.txt", "dir/dir/file.txt", true],
  ["**/file*.txt*", "dir/dir/file.txt", true],
  ["**/**/*.txt", "dir/dir/file.txt", true],
  ["**/**/*.txt2", "dir/dir/file.txt", false],
  ["**/*.txt", "file.txt", true],
  ["**/**/*.txt", "file.txt", true],
  ["a**/*.txt", "a/file.txt", true],
  ["a**/*.txt", "a/dir/file.txt", true],
  ["a**/*.txt", "a/dir/dir/file.txt", true],
  ["a/*.txt", "a/dir/file.txt", false],
  ["a/*.txt", "a/file.txt", true],
  ["a/*.txt**", "a/file.txt", true],
  ["a[b-d]e", "ae", false],
  ["a[b-d]e", "ace", true],
  ["a[b-d]e", "aae", false],
  ["a[^b-d]e", "aze", true],
  [".*", ".foo", true],
  [".*", "foo", false],
  ["abc.def", "abcdef", false],
  ["abc.def", "abc.def", true],
  ["abc.def", "abcZdef", false],
  ["abc?def", "abcZdef", true],
  ["abc?def", "abcdef", false],
  ["a\\\\", "a\\", true],
  ["**/foo/bar", "foo/bar", true],
  ["**/foo/bar", "dir/foo/bar", true],
  ["**/foo/bar", "dir/dir2/foo/bar", true],
  ["abc/**", "abc", false],
  ["abc/**", "abc/def", true],
  ["abc/**", "abc/def/ghi", true],
  ["**/.foo", ".foo", true],
  ["**/.foo", "bar.foo", false],
  ["a(b)c/def", "a(b)c/def", true],
  ["a(b)c/def", "a(b)c/xyz", false],
  ["a.|)$(}+{bc", "a.|)$(}+{bc", true],
  [
    "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
    "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
    true,
  ],
  ["dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", true],
  ["a\\*b", "a*b", true],
];

const multi: Array<[string[], string, boolean]> = [
  [["**", "!util/docker/web"], "util/docker/web/foo", false],
  [["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", true],
  [
    ["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"],
    "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
    false,
  ],
  [["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", false],
];

test("ignores matches patternmatcher's TestMatches table, parents included", () => {
  for (const [pattern, path, want] of matches)
    assert.equal(ignores(pattern, path), want, `${pattern} ${path}`);
  for (const [patterns, path, want] of multi)
    assert.equal(ignores(patterns, path), want, `${patterns} ${path}`);
});

test("matchWithParent gives the same answers walking down or standing alone", () => {
  for (const [pattern, path, want] of matches) {
    assert.equal(walkIgnores([pattern], path), want, `walk ${pattern} ${path}`);
    assert.equal(ignoreMatcher([pattern]).matchWithParent(path).ignored, want, `alone ${pattern} ${path}`);
  }
  for (const [patterns, path, want] of multi) {
    assert.equal(walkIgnores(patterns, path), want, `walk ${patterns} ${path}`);
    assert.equal(ignoreMatcher(patterns).matchWithParent(path).ignored, want, `alone ${patterns} ${path}`);
  }
});

// patternmatcher's TestMatch (borrowed from Go's filepath.Match tests); "error" = malformed.
const globs: Array<[string, string, boolean | "error"]> = [
  ["abc", "abc", true],
  ["*", "abc", true],
  ["*c", "abc", true],
  ["a*", "a", true],
  ["a*", "abc", true],
  ["a*", "ab/c", true],
  ["a*/b", "abc/b", true],
  ["a*/b", "a/c/b", false],
  ["a*b*c*d*e*/f", "axbxcxdxe/f", true],
  ["a*b*c*d*e*/f", "axbxcxdxexxx/f", true],
  ["a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false],
  ["a*b*c*d*e*/f", "axbxcxdxexxx/fff", false],
  ["a*b?c*x", "abxbbxdbxebxczzx", true],
  ["a*b?c*x", "abxbbxdbxebxczzy", false],
  ["ab[c]", "abc", true],
  ["ab[b-d]", "abc", true],
  ["ab[e-g]", "abc", false],
  ["ab[^c]", "abc", false],
  ["ab[^b-d]", "abc", false],
  ["ab[^e-g]", "abc", true],
  ["a\\*b", "a*b", true],
  ["a\\*b", "ab", false],
  ["a?b", "a☺b", true],
  ["a[^a]b", "a☺b", true],
  ["a???b", "a☺b", false],
  ["a[^a][^a][^a]b", "a☺b", false],
  ["[a-ζ]*", "α", true],
  ["*[a-ζ]", "A", false],
  ["a?b", "a/b", false],
  ["a*b", "a/b", false],
  ["[\\]a]", "]", true],
  ["[\\-]", "-", true],
  ["[x\\-]", "x", true],
  ["[x\\-]", "-", true],
  ["[x\\-]", "z", false],
  ["[\\-x]", "x", true],
  ["[\\-x]", "-", true],
  ["[\\-x]", "a", false],
  ["[]a]", "]", "error"],
  ["[-]", "-", "error"],
  ["[x-]", "x", "error"],
  ["[x-]", "-", "error"],
  ["[x-]", "z", "error"],
  ["[-x]", "x", "error"],
  ["[-x]", "-", "error"],
  ["[-x]", "a", "error"],
  ["\\", "a", "error"],
  ["[a-b-c]", "a", "error"],
  ["[", "a", "error"],
  ["[^", "a", "error"],
  ["[^bc", "a", "error"],
  ["a[", "a", "error"],
  ["a[", "ab", "error"],
  ["*x", "xxx", true],
];

test("ignoreMatcher follows Go's filepath.Match syntax, as patternmatcher's TestMatch", () => {
  for (const [pattern, path, want] of globs) {
    if (want === "error") {
      assert.throws(() => ignoreMatcher([pattern]), { message: "syntax error in pattern" }, pattern);
    } else {
      assert.equal(ignores(pattern, path), want, `${pattern} ${path}`);
    }
  }
});

test("ignoreMatcher: exceptions, the root and malformed exclusions", () => {
  assert.equal(ignores("*", "fileutils.go"), true);
  assert.equal(ignores("*.go", "fileutils.go"), true);
  assert.equal(ignores(["!fileutils.go", "*.go"], "fileutils.go"), true);
  assert.equal(ignores(["docs", "!docs/README.md"], "docs/README.md"), false);
  assert.equal(ignores(["docs/", "!docs/README.md"], "docs/README.md"), false);
  assert.equal(ignores(["docs/*", "!docs/README.md"], "docs/README.md"), false);
  assert.equal(ignores(["*.go", "!fileutils.go"], "fileutils.go"), false);
  assert.equal(ignores("*.go", "."), false);
  assert.equal(ignores([], "/any/path/there"), false);
  assert.equal(ignores(["docs", "  !docs/README.md  "], "docs/README.md"), false);
  assert.equal(ignores(["", "docs"], "docs/x"), true);
  assert.equal(ignores("foo", "foo/bar/baz"), true);
  assert.equal(ignores("a]b", "a]b"), true);
  assert.throws(
    () => ignoreMatcher(["!"]),
    (e) => isKind(e, "invalid") && (e as Error).message === 'illegal exclusion pattern: "!"',
  );
  assert.throws(
    () => ignoreMatcher(["["]),
    (e) => isKind(e, "invalid"),
  );
});

test("ignoreMatcher is also a predicate", () => {
  const m = ignoreMatcher(["node_modules", "*.log"]);
  assert.deepEqual(["a.log", "src/a.ts", "node_modules/x"].filter(m), ["a.log", "node_modules/x"]);
});

test("mayHaveExceptionsUnder looks for exceptions under the directory as Docker's walk does", () => {
  const m = ignoreMatcher(["docs", "!docs/README.md", "build", "!**/keep"]);
  assert.equal(m.mayHaveExceptionsUnder("docs"), true);
  assert.equal(m.mayHaveExceptionsUnder("build"), false);
  assert.equal(m.mayHaveExceptionsUnder("doc"), false);
  assert.equal(ignoreMatcher(["docs"]).mayHaveExceptionsUnder("docs"), false);
  assert.equal(ignoreMatcher(["a", "!a/b/c"]).mayHaveExceptionsUnder("a/b"), true);
  assert.equal(ignoreMatcher(["a", "!a"]).mayHaveExceptionsUnder("a"), true);
});

test("matchWithParent keeps Docker's walk result where parent info changes the answer", () => {
  // A later inclusion skipped for the directory is not re-checked against it for its children.
  const patterns = ["a", "!a/b", "a"];
  assert.equal(ignores(patterns, "a/b"), true);
  assert.equal(walkIgnores(patterns, "a/b"), false);
});

test("goClean is Go's path.Clean", () => {
  const cases: Array<[string, string]> = [
    ["", "."],
    ["./foo", "foo"],
    ["foo/", "foo"],
    ["/../a", "/a"],
    ["a/../..", ".."],
    ["a//b/./c/..", "a/b"],
    ["/", "/"],
  ];
  for (const [p, want] of cases) assert.equal(cleanPath(p), want, p);
});
