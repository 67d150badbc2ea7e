// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile variables, not JS ones
import assert from "node:assert/strict";
import { test } from "node:test";
import { type EnvLookup, LexError, lex, patternRegex, reversePattern } from "./shell-lex.ts";

const envs =
  (m: Record<string, string>): EnvLookup =>
  (k) =>
    Object.hasOwn(m, k) ? m[k] : undefined;

// BuildKit's frontend/dockerfile/shell/envVarTest (the rows for every platform and for Unix).
const envVarTable: Array<[string, string]> = [
  ["hello", "hello"],
  ["he'll'o", "hello"],
  ["he'llo", "error"],
  ["he\\'llo", "he'llo"],
  ["he\\\\'llo", "error"],
  ["abc\\tdef", "abctdef"],
  ['"abc\\tdef"', "abc\\tdef"],
  ['"abc\\\\tdef"', "abc\\tdef"],
  ["'abc\\tdef'", "abc\\tdef"],
  ["hello\\", "hello"],
  ["hello\\\\", "hello\\"],
  ['"hello', "error"],
  ['"hello\\"', "error"],
  ['"hel\'lo"', "hel'lo"],
  ["'hello", "error"],
  ["'hello\\'", "hello\\"],
  ["'hello\\there'", "hello\\there"],
  ["'hello\\\\there'", "hello\\\\there"],
  ["\"''\"", "''"],
  ["$.", "$."],
  ["he$1x", "hex"],
  ["he$.x", "he$.x"],
  ["he$pwd.", "he."],
  ["he$PWD", "he/home"],
  ["he\\$PWD", "he$PWD"],
  ["he\\\\$PWD", "he\\/home"],
  ['"he\\$PWD"', "he$PWD"],
  ['"he\\\\$PWD"', "he\\/home"],
  ["\\${}", "${}"],
  ["\\${}aaa", "${}aaa"],
  ["he\\${}", "he${}"],
  ["he\\${}xx", "he${}xx"],
  ["${}", "error"],
  ["${}aaa", "error"],
  ["he${}", "error"],
  ["he${}xx", "error"],
  ["he${hi}", "he"],
  ["he${hi}xx", "hexx"],
  ["he${PWD}", "he/home"],
  ["he${.}", "error"],
  ["he${XXX:-000}xx", "he000xx"],
  ["he${PWD:-000}xx", "he/homexx"],
  ["he${XXX:-$PWD}xx", "he/homexx"],
  ["he${XXX:-${PWD:-yyy}}xx", "he/homexx"],
  ["he${XXX:-${YYY:-yyy}}xx", "heyyyxx"],
  ["he${XXX:YYY}", "error"],
  ["he${XXX?}", "error"],
  ["he${XXX:?}", "error"],
  ["he${PWD?}", "he/home"],
  ["he${PWD:?}", "he/home"],
  ["he${NULL?}", "he"],
  ["he${NULL:?}", "error"],
  ["he${XXX:+${PWD}}xx", "hexx"],
  ["he${PWD:+${XXX}}xx", "hexx"],
  ["he${PWD:+${SHELL}}xx", "hebashxx"],
  ["he${XXX:+000}xx", "hexx"],
  ["he${PWD:+000}xx", "he000xx"],
  ["'he${XX}'", "he${XX}"],
  ['"he${PWD}"', "he/home"],
  ["\"he'$PWD'\"", "he'/home'"],
  ['"$PWD"', "/home"],
  ["'$PWD'", "$PWD"],
  ["'\\$PWD'", "\\$PWD"],
  ["'\"hello\"'", '"hello"'],
  ["he\\$PWD", "he$PWD"],
  ['"he\\$PWD"', "he$PWD"],
  ["'he\\$PWD'", "he\\$PWD"],
  ["he${PWD", "error"],
  ["he${PWD:=000}xx", "error"],
  ["he${PWD:+${PWD}:}xx", "he/home:xx"],
  ["he${XXX:-\\$PWD:}xx", "he$PWD:xx"],
  ["he${XXX:-\\${PWD}z}xx", "he${PWDz}xx"],
  ["안녕하세요", "안녕하세요"],
  ["안'녕'하세요", "안녕하세요"],
  ["안'녕하세요", "error"],
  ["안녕\\'하세요", "안녕'하세요"],
  ["안\\\\'녕하세요", "error"],
  ["안녕\\t하세요", "안녕t하세요"],
  ['"안녕\\t하세요"', "안녕\\t하세요"],
  ["'안녕\\t하세요", "error"],
  ["안녕하세요\\", "안녕하세요"],
  ["안녕하세요\\\\", "안녕하세요\\"],
  ['"안녕하세요', "error"],
  ['"안녕하세요\\"', "error"],
  ['"안녕\'하세요"', "안녕'하세요"],
  ["'안녕하세요", "error"],
  ["'안녕하세요\\'", "안녕하세요\\"],
  ["안녕$1x", "안녕x"],
  ["안녕$.x", "안녕$.x"],
  ["안녕$pwd.", "안녕."],
  ["안녕$PWD", "안녕/home"],
  ["안녕\\$PWD", "안녕$PWD"],
  ["안녕\\\\$PWD", "안녕\\/home"],
  ["안녕\\${}", "안녕${}"],
  ["안녕\\${}xx", "안녕${}xx"],
  ["안녕${}", "error"],
  ["안녕${}xx", "error"],
  ["안녕${hi}", "안녕"],
  ["안녕${hi}xx", "안녕xx"],
  ["안녕${PWD}", "안녕/home"],
  ["안녕${.}", "error"],
  ["안녕${XXX:-000}xx", "안녕000xx"],
  ["안녕${PWD:-000}xx", "안녕/homexx"],
  ["안녕${XXX:-$PWD}xx", "안녕/homexx"],
  ["안녕${XXX:-${PWD:-yyy}}xx", "안녕/homexx"],
  ["안녕${XXX:-${YYY:-yyy}}xx", "안녕yyyxx"],
  ["안녕${XXX:YYY}", "error"],
  ["안녕${XXX:+${PWD}}xx", "안녕xx"],
  ["안녕${PWD:+${XXX}}xx", "안녕xx"],
  ["안녕${PWD:+${SHELL}}xx", "안녕bashxx"],
  ["안녕${XXX:+000}xx", "안녕xx"],
  ["안녕${PWD:+000}xx", "안녕000xx"],
  ["'안녕${XX}'", "안녕${XX}"],
  ['"안녕${PWD}"', "안녕/home"],
  ["\"안녕'$PWD'\"", "안녕'/home'"],
  ["'\"안녕\"'", '"안녕"'],
  ["안녕\\$PWD", "안녕$PWD"],
  ['"안녕\\$PWD"', "안녕$PWD"],
  ["'안녕\\$PWD'", "안녕\\$PWD"],
  ["안녕${PWD", "error"],
  ["안녕${PWD:=000}xx", "error"],
  ["안녕${PWD:+${PWD}:}xx", "안녕/home:xx"],
  ["안녕${XXX:-\\$PWD:}xx", "안녕$PWD:xx"],
  ["안녕${XXX:-\\${PWD}z}xx", "안녕${PWDz}xx"],
  ["$KOREAN", "한국어"],
  ["안녕$KOREAN", "안녕한국어"],
  ["${{aaa}", "error"],
  ["${aaa}}", "}"],
  ["${aaa", "error"],
  ["${{aaa:-bbb}", "error"],
  ["${aaa:-bbb}}", "bbb}"],
  ["${aaa:-bbb", "error"],
  ["${aaa:-bbb}", "bbb"],
  ["${aaa:-${bbb:-ccc}}", "ccc"],
  ["${aaa:-bbb ${foo}", "error"],
  ["${aaa:-bbb {foo}", "bbb {foo"],
  ["${:}", "error"],
  ["${:-bbb}", "error"],
  ["${:+bbb}", "error"],
  ["$1", ""],
  ["${1}", ""],
  ["${1:+bbb}", ""],
  ["${1:-bbb}", "bbb"],
  ["$2", ""],
  ["${2}", ""],
  ["${2:+bbb}", ""],
  ["${2:-bbb}", "bbb"],
  ["$3", ""],
  ["${3}", ""],
  ["${3:+bbb}", ""],
  ["${3:-bbb}", "bbb"],
  ["$4", ""],
  ["${4}", ""],
  ["${4:+bbb}", ""],
  ["${4:-bbb}", "bbb"],
  ["$5", ""],
  ["${5}", ""],
  ["${5:+bbb}", ""],
  ["${5:-bbb}", "bbb"],
  ["$6", ""],
  ["${6}", ""],
  ["${6:+bbb}", ""],
  ["${6:-bbb}", "bbb"],
  ["$7", ""],
  ["${7}", ""],
  ["${7:+bbb}", ""],
  ["${7:-bbb}", "bbb"],
  ["$8", ""],
  ["${8}", ""],
  ["${8:+bbb}", ""],
  ["${8:-bbb}", "bbb"],
  ["$9", ""],
  ["${9}", ""],
  ["${9:+bbb}", ""],
  ["${9:-bbb}", "bbb"],
  ["$999", ""],
  ["${999}", ""],
  ["${999:+bbb}", ""],
  ["${999:-bbb}", "bbb"],
  ["$999aaa", "aaa"],
  ["${999}aaa", "aaa"],
  ["${999:+bbb}aaa", "aaa"],
  ["${999:-bbb}aaa", "bbbaaa"],
  ["$001", ""],
  ["${001}", ""],
  ["${001:+bbb}", ""],
  ["${001:-bbb}", "bbb"],
  ["$001aaa", "aaa"],
  ["${001}aaa", "aaa"],
  ["${001:+bbb}aaa", "aaa"],
  ["${001:-bbb}aaa", "bbbaaa"],
  ["$@", ""],
  ["${@}", ""],
  ["${@:+bbb}", ""],
  ["${@:-bbb}", "bbb"],
  ["$@@@", "@@"],
  ["$@aaa", "aaa"],
  ["${@}aaa", "aaa"],
  ["${@:+bbb}aaa", "aaa"],
  ["${@:-bbb}aaa", "bbbaaa"],
  ["$*", ""],
  ["${*}", ""],
  ["${*:+bbb}", ""],
  ["${*:-bbb}", "bbb"],
  ["$#", ""],
  ["${#}", ""],
  ["${#:+bbb}", ""],
  ["${#:-bbb}", "bbb"],
  ["$?", ""],
  ["${?}", ""],
  ["${?:+bbb}", ""],
  ["${?:-bbb}", "bbb"],
  ["$-", ""],
  ["${-}", ""],
  ["${-:+bbb}", ""],
  ["${-:-bbb}", "bbb"],
  ["$$", ""],
  ["${$}", ""],
  ["${$:+bbb}", ""],
  ["${$:-bbb}", "bbb"],
  ["$!", ""],
  ["${!}", ""],
  ["${!:+bbb}", ""],
  ["${!:-bbb}", "bbb"],
  ["$0", ""],
  ["${0}", ""],
  ["${0:+bbb}", ""],
  ["${0:-bbb}", "bbb"],
];

test("lex expands BuildKit's envVarTest table", () => {
  const env = envs({ PWD: "/home", SHELL: "bash", KOREAN: "한국어", NULL: "" });
  for (const [source, expected] of envVarTable) {
    if (expected === "error") {
      assert.throws(() => lex(source, env), LexError, source);
    } else {
      assert.equal(lex(source, env).result, expected, source);
    }
  }
});

// BuildKit's frontend/dockerfile/shell/wordsTest: ProcessWords, with ENV lines adding variables.
const wordsTable: Array<{ env: string } | { input: string; expect: string[] }> = [
  { input: "hello", expect: ["hello"] },
  { input: "hello${hi}bye", expect: ["hellobye"] },
  { env: "hi=hi" },
  { input: "hello${hi}bye", expect: ["hellohibye"] },
  { env: "space=abc  def" },
  { input: "hello${space}bye", expect: ["helloabc", "defbye"] },
  { input: 'hello"${space}"bye', expect: ["helloabc  defbye"] },
  { input: 'hello "${space}"bye', expect: ["hello", "abc  defbye"] },
  { env: "leading=  ab c" },
  { input: "hello${leading}def", expect: ["hello", "ab", "cdef"] },
  { input: 'hello"${leading}" def', expect: ["hello  ab c", "def"] },
  { input: 'hello"${leading}"', expect: ["hello  ab c"] },
  { input: "hello${leading}", expect: ["hello", "ab", "c"] },
  { env: "trailing=ab c   " },
  { input: "hello${trailing}", expect: ["helloab", "c"] },
  { input: "hello${trailing}d", expect: ["helloab", "c", "d"] },
  { input: 'hello"${trailing}"d', expect: ["helloab c   d"] },
  { input: 'hel"lo${trailing}"', expect: ["helloab c   "] },
  { input: 'hello" there  "', expect: ["hello there  "] },
  { input: "hello there", expect: ["hello", "there"] },
  { input: "hello\\ there", expect: ["hello there"] },
  { input: 'hello" there', expect: ["error"] },
  { input: 'hello\\" there', expect: ['hello"', "there"] },
  { input: 'hello"\\\\there"', expect: ["hello\\there"] },
  { input: 'hello"\\there"', expect: ["hello\\there"] },
  { input: "hello'\\\\there'", expect: ["hello\\\\there"] },
  { input: "hello'\\there'", expect: ["hello\\there"] },
  { input: "hello'$there'", expect: ["hello$there"] },
];

test("lex splits words as BuildKit's wordsTest table", () => {
  const env: Record<string, string> = {};
  for (const row of wordsTable) {
    if ("env" in row) {
      const i = row.env.indexOf("=");
      env[row.env.slice(0, i)] = row.env.slice(i + 1);
      continue;
    }
    let words: string[];
    try {
      words = lex(row.input, envs(env)).words;
    } catch {
      words = ["error"];
    }
    assert.deepEqual(words, row.expect, row.input);
  }
});

test("lex reports the message of ${VAR:?msg} and ${VAR?msg}", () => {
  const set = envs({ VAR: "plain", ARG: "x" });
  const empty = envs({ VAR: "", ARG: "x" });
  const unset = envs({ ARG: "x" });
  const noEmpty = "${VAR:?message here$ARG}";
  const noUnset = "${VAR?message here$ARG}";
  assert.equal(lex(noEmpty, set).result, "plain");
  assert.throws(() => lex(noEmpty, empty), /message herex/);
  assert.throws(() => lex(noEmpty, unset), /message herex/);
  assert.equal(lex(noUnset, set).result, "plain");
  assert.equal(lex(noUnset, empty).result, "");
  assert.throws(() => lex(noUnset, unset), /message herex/);
  assert.throws(() => lex("${VAR:?}", unset), {
    message: 'failed to process "${VAR:?}": VAR: is not allowed to be unset',
  });
  assert.throws(() => lex("${VAR:?}", empty), {
    message: 'failed to process "${VAR:?}": VAR: is not allowed to be empty',
  });
});

// BuildKit's TestProcessWithMatches.
const matchCases: Array<{
  input: string;
  envs: Record<string, string>;
  expected?: string;
  matches?: string[];
  unmatched?: string[];
}> = [
  { input: "x", envs: { DUMMY: "dummy" }, expected: "x" },
  { input: "x ${UNUSED}", envs: { DUMMY: "dummy" }, expected: "x ", unmatched: ["UNUSED"] },
  { input: "x ${FOO}", envs: { FOO: "y" }, expected: "x y", matches: ["FOO"] },
  {
    input: "${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}",
    envs: { FOO: "xxx", BAR: "" },
    expected: "xxx  ccc",
    matches: ["FOO", "BAR"],
    unmatched: ["BAZ"],
  },
  {
    input: "${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}",
    envs: { FOO: "xxx", BAR: "" },
    expected: "xxx bbb ccc",
    matches: ["FOO", "BAR"],
    unmatched: ["BAZ"],
  },
  { input: "${FOO:-}", envs: { FOO: "xxx", BAR: "" }, expected: "xxx", matches: ["FOO"] },
  { input: "${FOO:-}", envs: {}, expected: "", unmatched: ["FOO"] },
  {
    input: "${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}",
    envs: { FOO: "xxx", BAR: "" },
    expected: "aaa bbb ",
    matches: ["FOO", "BAR"],
    unmatched: ["BAZ"],
  },
  {
    input: "${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}",
    envs: { FOO: "xxx", BAR: "" },
    expected: "aaa  ",
    matches: ["FOO", "BAR"],
    unmatched: ["BAZ"],
  },
  { input: "${FOO?aaa}", envs: { FOO: "xxx", BAR: "" }, expected: "xxx", matches: ["FOO"] },
  { input: "${BAR?bbb}", envs: { FOO: "xxx", BAR: "" }, expected: "", matches: ["BAR"] },
  { input: "${BAZ?ccc}", envs: { FOO: "xxx", BAR: "" } },
  { input: "${FOO:?aaa}", envs: { FOO: "xxx", BAR: "" }, expected: "xxx", matches: ["FOO"] },
  { input: "${BAR:?bbb}", envs: { FOO: "xxx", BAR: "" } },
  { input: "${BAZ:?ccc}", envs: { FOO: "xxx", BAR: "" } },
  { input: "${BAZ:?}", envs: { FOO: "xxx", BAR: "" } },
  { input: "${FOO=aaa}", envs: { FOO: "xxx", BAR: "" } },
  { input: "${FOO=:aaa}", envs: { FOO: "xxx", BAR: "" } },
  { input: "${FOO=}", envs: {} },
  {
    input: "${FOO#()[]{\\}^$.\\*\\?|\\\\}",
    envs: { FOO: "()[]{}^$.*?|\\x" },
    expected: "x",
    matches: ["FOO"],
  },
  { input: "${FOO%%\\**}", envs: { FOO: "xx**" }, expected: "xx", matches: ["FOO"] },
  { input: "${FOO#*x*y}", envs: { FOO: "xxyy" }, expected: "y", matches: ["FOO"] },
  { input: "${FOO#*}", envs: { FOO: "xxyy" }, expected: "xxyy", matches: ["FOO"] },
  { input: "${FOO#$BAR}", envs: { FOO: "xxyy", BAR: "x" }, expected: "xyy", matches: ["FOO", "BAR"] },
  { input: "${FOO#$BAR}", envs: { FOO: "xxyy", BAR: "" }, expected: "xxyy", matches: ["FOO", "BAR"] },
  { input: "${FOO#}", envs: { FOO: "xxyy" }, expected: "xxyy", matches: ["FOO"] },
  { input: "${FOO##*x}", envs: { FOO: "xxyy" }, expected: "yy", matches: ["FOO"] },
  { input: "${FOO##}", envs: { FOO: "xxyy" }, expected: "xxyy", matches: ["FOO"] },
  { input: "${FOO#?\\?}", envs: { FOO: "???y" }, expected: "?y", matches: ["FOO"] },
  {
    input: "${ABC:-.}${FOO%x}${ABC:-.}",
    envs: { FOO: "xxyy" },
    expected: ".xxyy.",
    matches: ["FOO"],
    unmatched: ["ABC"],
  },
  { input: "${FOO%%\\**\\*}", envs: { FOO: "a***yy*" }, expected: "a", matches: ["FOO"] },
  { input: "${FOO%}", envs: { FOO: "xxyy" }, expected: "xxyy", matches: ["FOO"] },
  { input: "${FOO%%$BAR}", envs: { FOO: "xxyy", BAR: "" }, expected: "xxyy", matches: ["FOO", "BAR"] },
  { input: "${FOO:#}", envs: {} },
  { input: "${FOO:##}", envs: {} },
  { input: "${FOO:%}", envs: {} },
  { input: "${FOO:%%}", envs: {} },
  {
    input: "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
    envs: { FOO: "/foo*/*/*.txt", NEEDLE: "\\*/" },
    expected: "/foo.*/*.txt - /foo..*.txt",
    matches: ["FOO", "NEEDLE"],
  },
  {
    input: "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
    envs: { FOO: "/tmp/tmp/bar.txt", NEEDLE: "/tmp" },
    expected: "/tmp/bar.txt - /bar.txt",
    matches: ["FOO", "NEEDLE"],
  },
  {
    input: "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
    envs: { FOO: "/a/foo/b/c.txt", NEEDLE: "/?/", REPLACEMENT: "/" },
    expected: "/foo/b/c.txt - /foo/c.txt",
    matches: ["FOO", "NEEDLE", "REPLACEMENT"],
  },
  {
    input: "${FOO/$NEEDLE/$REPLACEMENT}",
    envs: { FOO: "http://google.de", NEEDLE: "http://", REPLACEMENT: "https://" },
    expected: "https://google.de",
    matches: ["FOO", "NEEDLE", "REPLACEMENT"],
  },
  { input: "${FOO//\\//\\/}", envs: { FOO: "/tmp/foo.txt" }, expected: "\\/tmp\\/foo.txt", matches: ["FOO"] },
  { input: "${FOO/$BAR/ww}", envs: { FOO: "xxyy", BAR: "" }, expected: "wwxxyy", matches: ["FOO", "BAR"] },
  { input: "${FOO//ww}", envs: { FOO: "xxyy" } },
  { input: "${FOO//}", envs: { FOO: "xxyy" } },
  { input: "${FOO///}", envs: { FOO: "xxyy" }, expected: "xxyy", matches: ["FOO"] },
  { input: "${FOO///}", envs: {}, expected: "", unmatched: ["FOO"] },
];

test("lex reports matched and unmatched variables as BuildKit's TestProcessWithMatches", () => {
  for (const c of matchCases) {
    if (c.expected === undefined) {
      assert.throws(() => lex(c.input, envs(c.envs)), LexError, c.input);
      continue;
    }
    const r = lex(c.input, envs(c.envs));
    assert.equal(r.result, c.expected, c.input);
    assert.deepEqual([...r.matched].sort(), (c.matches ?? []).sort(), c.input);
    assert.deepEqual([...r.unmatched].sort(), (c.unmatched ?? []).sort(), c.input);
  }
});

test("lex expands BuildKit's release-file-name example", () => {
  const release = "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz";
  const base = { VERSION: "v1.2.3", TARGETOS: "linux" };
  const arm = { ...base, TARGETARCH: "arm", TARGETVARIANT: "v7" };
  assert.equal(lex(release, envs(arm)).result, "something-v1.2.3.linux-arm-v7.tar.gz");
  const arm64 = { ...base, TARGETARCH: "arm64", TARGETVARIANT: "" };
  assert.equal(lex(release, envs(arm64)).result, "something-v1.2.3.linux-arm64.tar.gz");
  assert.equal(
    lex(release, envs({ ...base, TARGETARCH: "arm64" })).result,
    "something-v1.2.3.linux-arm64.tar.gz",
  );
});

test("patternRegex converts shell patterns and rejects bad escapes", () => {
  assert.equal(patternRegex("*", true, true).source, "^[^\\n]*");
  assert.equal(patternRegex("\\*", true, true).source, "^\\*");
  assert.ok(patternRegex("(()[]{\\}^$.\\*\\?|\\\\", true, true).test("(()[]{}^$.*?|\\"));
  for (const bad of ["\\", "\\x", "\\\\\\"])
    assert.throws(() => patternRegex(bad, true, true), LexError, bad);
});

test("reversePattern keeps escapes before their character", () => {
  assert.equal(reversePattern("a\\*c"), "c\\*a");
  assert.equal(reversePattern("\\\\\\ab"), "b\\a\\\\");
  assert.equal(reversePattern("ab\\"), "\\ba");
  assert.equal(reversePattern("👽\\🚀🖖"), "🖖\\🚀👽");
  assert.equal(reversePattern("\\\\b"), "b\\\\");
});

test("lex keeps unset references and quotes for heredoc detection", () => {
  const r = lex(`RUN <<"EOF" cat $X \${Y:-z}`, () => undefined, {
    rawQuotes: true,
    rawEscapes: true,
    skipUnsetEnv: true,
  });
  assert.deepEqual(r.words, ["RUN", '<<"EOF"', "cat", "$X", "${Y:-z}"]);
  assert.deepEqual(lex("<< EOF x", () => undefined).words, ["<< EOF", "x"]);
});

test("lex honours the backtick escape token", () => {
  assert.equal(lex("a`$b`\\c", envs({ b: "B" }), { escape: "`" }).result, "a$b\\c");
});

test("lex word splitting drops what precedes ${x:-y} in a word, as BuildKit since v0.15 does", () => {
  // BuildKit shares one buffer between a word and the ${...} scanned inside it (a bug upstream,
  // kept so that EXPOSE behaves as Docker's); the expanded result itself is right.
  const r = lex("80/${PROTO:-tcp} 443", () => undefined);
  assert.equal(r.result, "80/tcp 443");
  assert.deepEqual(r.words, ["tcp", "443"]);
  assert.deepEqual(lex("80/$PROTO 443", envs({ PROTO: "udp" })).words, ["80/udp", "443"]);
});
