import assert from "node:assert/strict";
import { test } from "node:test";
import { DockerfileError } from "./errors.ts";
import { chompHeredoc, heredocsFromLine, parseHeredoc } from "./heredoc.ts";
import { parseWords } from "./line-args.ts";
import { type Node, parseLines } from "./line-parser.ts";

/** BuildKit's Node.Dump for one instruction (the format of its parser testfiles' results). */
function dump(n: Node): string {
  let s = n.value.toLowerCase();
  if (n.flags.length > 0) s += ` [${n.flags.map((f) => JSON.stringify(f)).join(" ")}]`;
  if (n.sub) s += ` (${dump(n.sub)})`;
  for (const v of n.next) s += ` ${JSON.stringify(v)}`;
  return s;
}

const dumpAll = (text: string) => parseLines(text).nodes.map(dump);

test("parseLines splits instructions as BuildKit's parser testfiles", () => {
  // from testfiles/env, escape, json, flags, kartar-entrypoint-oddities, continue-at-eof
  assert.deepEqual(
    dumpAll(
      "FROM ubuntu\nENV name value\nENV name=value\nENV name=value name2=value2\nENV name=\"value value1\"\nENV name=value\\ value2\nENV name=\"value'quote space'value2\"\nENV name='value\"double quote\"value2'\nENV name=value\\ value2 name2=value2\\ value3\nENV name=\"a\\\"b\"\nENV name=\"a\\'b\"\nENV name='a\\'b'\nENV name='a\\'b''\nENV name='a\\\"b'\nENV name=\"''\"\n",
    ),
    [
      'from "ubuntu"',
      'env "name" "value" ""',
      'env "name" "value" "="',
      'env "name" "value" "=" "name2" "value2" "="',
      'env "name" "\\"value value1\\"" "="',
      'env "name" "value\\\\ value2" "="',
      'env "name" "\\"value\'quote space\'value2\\"" "="',
      'env "name" "\'value\\"double quote\\"value2\'" "="',
      'env "name" "value\\\\ value2" "=" "name2" "value2\\\\ value3" "="',
      'env "name" "\\"a\\\\\\"b\\"" "="',
      'env "name" "\\"a\\\\\'b\\"" "="',
      'env "name" "\'a\\\\\'b\'" "="',
      'env "name" "\'a\\\\\'b\'\'" "="',
      'env "name" "\'a\\\\\\"b\'" "="',
      'env "name" "\\"\'\'\\"" "="',
    ],
  );
  assert.deepEqual(dumpAll('CMD ["echo", "hi"]\nCMD [ "a" , "b" ]\nCMD ["a", \'b\']\nCMD ["a",]\nCMD ["a"'), [
    'cmd "echo" "hi"',
    'cmd "a" "b"',
    'cmd "[\\"a\\", \'b\']"',
    'cmd "[\\"a\\",]"',
    'cmd "[\\"a\\""',
  ]);
  assert.deepEqual(
    dumpAll('COPY foo bar\nADD --chown=a:b "--x" /y\nRUN --mount="type=cache,target=/a b" -- x\nRUN -- --y'),
    [
      'copy "foo" "bar"',
      'add ["--chown=a:b"] "\\"--x\\"" "/y"',
      'run ["--mount=type=cache,target=/a b"] "x"',
      'run "--y"',
    ],
  );
  assert.deepEqual(dumpAll("FROM x\nRUN echo \\"), ['from "x"', 'run "echo"']);
  assert.deepEqual(dumpAll('ONBUILD RUN echo hi\nHEALTHCHECK --retries=3 CMD ["a"]\nHEALTHCHECK NONE'), [
    'onbuild (run "echo hi")',
    'healthcheck ["--retries=3"] "CMD" "a"',
    'healthcheck "NONE"',
  ]);
});

test("parseLines drops comments inside continuations and joins continued lines as Docker prints them", () => {
  const r = parseLines("FROM x\nRUN a \\\n# comment\n   b \\\n    # indented comment\n  c\n");
  assert.equal(r.nodes[1].original, "RUN a    b   c");
  assert.deepEqual([r.nodes[1].startLine, r.nodes[1].endLine], [2, 6]);
  assert.deepEqual(r.warnings, []);
});

test("parseLines reports line numbers as BuildKit's testfile-line", () => {
  const text =
    "# ESCAPE=\\\n\n\n\nFROM brimstone/ubuntu:14.04\n\n\n# TORUN -v /var/run/docker.sock:/var/run/docker.sock\n\n\nENV GOPATH \\\n/go\n\n\n\n# Install the packages we need, clean up after them and us\nRUN apt-get update \\\n\t&& dpkg -l | awk '/^ii/ {print $2}' > /tmp/dpkg.clean \\\n\n\n    && apt-get --no-install-recommends install -y git golang ca-certificates \\\n    && apt-get clean \\\n    && rm -rf /var/lib/apt/lists \\\n\n\t&& go get -v github.com/brimstone/consuldock \\\n    && mv $GOPATH/bin/consuldock /usr/local/bin/consuldock \\\n\n\t&& dpkg -l | awk '/^ii/ {print $2}' > /tmp/dpkg.dirty \\\n\t&& apt-get remove --purge -y $(diff /tmp/dpkg.clean /tmp/dpkg.dirty | awk '/^>/ {print $2}') \\\n\t&& rm /tmp/dpkg.* \\\n\t&& rm -rf $GOPATH\n\n\n\n\n";
  const r = parseLines(text);
  assert.deepEqual(
    r.nodes.map((n) => [n.startLine, n.endLine]),
    [
      [5, 5],
      [11, 12],
      [17, 31],
    ],
  );
});

test("parseLines warns on empty continuation lines as BuildKit", () => {
  const r = parseLines(
    "\nFROM alpine:3.6\n\nRUN valid \\\n    continuation\n\nRUN something \\\n\n    following \\\n\n    more\n\nRUN another \\\n\n    thing\n\nRUN non-indented \\\n# this is a comment\n   after-comment\n\nRUN indented \\\n    # this is an indented comment\n    comment\n\t",
  );
  assert.deepEqual(r.warnings, [
    { line: 11, message: "Empty continuation line found in: RUN something     following     more" },
    { line: 15, message: "Empty continuation line found in: RUN another     thing" },
  ]);
});

test("parseLines reads parser directives only at the top", () => {
  const r = parseLines("# Syntax = docker/dockerfile:1\n#ESCAPE=`\n# check=skip=all\nFROM x\nRUN a `\n b");
  assert.equal(r.escape, "`");
  assert.deepEqual(Object.fromEntries(r.directives), {
    syntax: "docker/dockerfile:1",
    escape: "`",
    check: "skip=all",
  });
  assert.equal(r.nodes[1].original, "RUN a  b");
  // after a comment or a blank line, `# escape=` is a comment
  assert.equal(parseLines("# hello\n# escape=`\nFROM x").escape, "\\");
  assert.equal(parseLines("\n# escape=`\nFROM x").escape, "\\");
  // a line continued with \ when the escape is ` is not continued
  assert.deepEqual(dumpAll("# escape=`\nRUN dir c:\\\nFROM x"), ['run "dir c:\\\\"', 'from "x"']);
});

test("parseLines fails on malformed files with BuildKit's messages", () => {
  const fails = (text: string, message: string, line: number) =>
    assert.throws(
      () => parseLines(text),
      (e) => e instanceof DockerfileError && e.syntax && e.message === message && e.line === line,
      text,
    );
  fails("\n\n# only comments\n", "file with no instructions", 3);
  fails("FROM x\nENV a", "ENV must have two arguments", 2);
  fails("FROM x\nLABEL a", "LABEL must have two arguments", 2);
  fails(
    'FROM x\nENV a=b c"d e"',
    'Syntax error - can\'t find = in "c\\"d e\\"". Must be of the form: name=value',
    2,
  );
  fails(
    'FROM x\nCMD [ "a", [ "b" ] ]',
    "when using JSON array syntax, arrays must be comprised of strings only",
    2,
  );
  fails("FROM x\nRUN <<EOF\nno end\n", "unterminated heredoc", 2);
  fails("# escape=`\n# escape=\\\nFROM x", "only one escape parser directive can be used", 2);
});

test("parseLines attaches heredocs as BuildKit's TestParseExtractsHeredoc", () => {
  const r = parseLines(
    "\nFROM alpine:3.6\nENV NAME=me\nRUN ls\nUSER <<INVALID\nINVALID\nRUN <<EMPTY\nEMPTY\nRUN 3<<EMPTY2\nEMPTY2\nRUN \"<<NOHEREDOC\"\nRUN <<INDENT\n\tfoo\n\tbar\nINDENT\nRUN <<-UNINDENT\n\tbaz\n\tquux\nUNINDENT\nRUN <<-UNINDENT2\n\tbaz\n\tquux\n\tUNINDENT2\nRUN <<-EXPAND\n\texpand $NAME\nEXPAND\nRUN <<-'NOEXPAND'\n\tdon't expand $NAME\nNOEXPAND\nRUN <<COPY\necho hello world\necho foo bar\nCOPY\nRUN <<COMMENT\n# internal comment\necho hello world\necho foo bar # trailing comment\nCOMMENT\nRUN --mount=type=cache,target=/foo <<MOUNT\necho hello\nMOUNT\nCOPY <<FILE1 <<FILE2 /dest\ncontent 1\nFILE1\ncontent 2\nFILE2\nCOPY <<EOF /quotes\n\"foo\"\n'bar'\nEOF\nCOPY <<X <<Y /dest\nY\nX\nX\nY\nRUN <<COMPLEX python3\nprint('hello world')\nCOMPLEX\nCOPY <<file.txt /dest\nhello world\nfile.txt\nRUN <<eo'f'\necho foo\neof\nRUN <<eo\\'f\necho foo\neo'f\nRUN <<'e'o\\'f\necho foo\neo'f\nRUN <<'one two'\necho bar\none two\nRUN <<$EOF\n$EOF\nRUN <<  EOF\nEOF\nRUN <<  EOF  > foo\nEOF\n\t",
  );
  const d = (name: string, content: string, expand = true, chomp = false, fd = 0) => ({
    name,
    content,
    expand,
    chomp,
    fd,
  });
  const want = [
    [], // ENV
    [], // RUN ls
    [], // USER <<INVALID
    [], // INVALID
    [d("EMPTY", "")],
    [d("EMPTY2", "", true, false, 3)],
    [], // RUN "<<NOHEREDOC"
    [d("INDENT", "\tfoo\n\tbar\n")],
    [d("UNINDENT", "\tbaz\n\tquux\n", true, true)],
    [d("UNINDENT2", "\tbaz\n\tquux\n", true, true)],
    [d("EXPAND", "\texpand $NAME\n", true, true)],
    [d("NOEXPAND", "\tdon't expand $NAME\n", false, true)],
    [d("COPY", "echo hello world\necho foo bar\n")],
    [d("COMMENT", "# internal comment\necho hello world\necho foo bar # trailing comment\n")],
    [d("MOUNT", "echo hello\n")],
    [d("FILE1", "content 1\n"), d("FILE2", "content 2\n")],
    [d("EOF", "\"foo\"\n'bar'\n")],
    [d("X", "Y\n"), d("Y", "X\n")],
    [d("COMPLEX", "print('hello world')\n")],
    [d("file.txt", "hello world\n")],
    [d("eof", "echo foo\n", false)],
    [d("eo'f", "echo foo\n")],
    [d("eo'f", "echo foo\n", false)],
    [d("one two", "echo bar\n", false)],
    [d("$EOF", "")],
    [d("EOF", "")],
    [d("EOF", "")],
  ];
  assert.deepEqual(
    r.nodes.slice(1).map((n) => n.heredocs),
    want,
  );
});

test("parseLines ignores heredoc words in exec form", () => {
  const r = parseLines('FROM alpine:3.6\nRUN ["whoami"]\nRUN ["<<EOF"]\nRUN ["<<\'EOF\'"]\n');
  assert.deepEqual(
    r.nodes.map((n) => n.heredocs),
    [[], [], [], []],
  );
});

test("parseHeredoc and heredocsFromLine recognise heredoc words as BuildKit", () => {
  for (const src of [
    "<<EOF",
    "<<'EOF'",
    '<<"EOF"',
    "<<-EOF",
    "<<-'EOF'",
    '<<-"EOF"',
    '<<EO"F"',
    "<< EOF",
    "<<- EOF",
  ]) {
    assert.equal(parseHeredoc(src)?.name, "EOF", src);
  }
  for (const src of ["<<'EOF", '<<"EOF', "<<EOF'", '<<EOF"']) assert.throws(() => parseHeredoc(src), src);
  for (const src of ["", "EOF", "<<", "<<-", "<EOF", "<<<EOF", "<<EOF sh"]) {
    assert.equal(parseHeredoc(src), undefined, src);
  }
  const names = (line: string) => heredocsFromLine(line).map((h) => h.name);
  assert.deepEqual(names("RUN <<EOF"), ["EOF"]);
  assert.deepEqual(names("RUN <<-EOF"), ["EOF"]);
  // "<<-" then a space: the lexer splits "<<-" from the name, so this is no heredoc (BuildKit's
  // own test lists "EOF" but only checks the heredocs it found)
  assert.deepEqual(names("RUN <<- EOF"), []);
  assert.deepEqual(names("RUN << -EOF"), ["-EOF"]);
  assert.deepEqual(names("RUN <<'EOF'"), ["EOF"]);
  assert.deepEqual(names("RUN 4<<EOF"), ["EOF"]);
  assert.deepEqual(names("RUN <<EOF <<EOF2"), ["EOF", "EOF2"]);
  assert.deepEqual(names("RUN '<<EOF'"), []);
  assert.deepEqual(names('RUN "<<EOF"'), []);
  assert.equal(chompHeredoc("\thello\n\tworld\n"), "hello\nworld\n");
});

test("parseWords keeps quotes and escapes as BuildKit's TestParseWords", () => {
  const cases: Array<[string, string[]]> = [
    ["foo", ["foo"]],
    ["foo bar", ["foo", "bar"]],
    ["foo\\ bar", ["foo\\ bar"]],
    ["foo=bar", ["foo=bar"]],
    ["foo bar 'abc xyz'", ["foo", "bar", "'abc xyz'"]],
    ['foo bar "abc xyz"', ["foo", "bar", '"abc xyz"']],
    ["àöû", ["àöû"]],
    ['föo bàr "âbc xÿz"', ["föo", "bàr", '"âbc xÿz"']],
  ];
  for (const [input, want] of cases) assert.deepEqual(parseWords(input, "\\"), want, input);
});
