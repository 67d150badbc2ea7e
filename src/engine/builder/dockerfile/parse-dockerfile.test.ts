// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile variables, not JS ones
import assert from "node:assert/strict";
import { test } from "node:test";
import { isKind } from "../../../lib/errors.ts";
import { parseDockerfile } from "./index.ts";
import type { Instruction } from "./types.ts";

/** The instructions of a one-stage Dockerfile after `FROM x`. */
const body = (text: string): Instruction[] => parseDockerfile(`FROM x\n${text}`).stages[0].instructions;
const one = (text: string) => body(text)[0];

function fails(text: string, message: string) {
  assert.throws(
    () => parseDockerfile(text),
    (e) => isKind(e, "invalid") && (e as Error).message === message,
    `${JSON.stringify(text)} → ${message}`,
  );
}

test("parseDockerfile groups instructions into stages, ARGs before FROM into metaArgs", () => {
  const df = parseDockerfile(
    "# syntax=docker/dockerfile:1\nARG BASE=alpine\nARG V\nFROM ${BASE}:${V} AS Build\nRUN make\nfrom scratch\nCOPY --from=build /out /\n",
  );
  assert.equal(df.syntax, "docker/dockerfile:1");
  assert.equal(df.escape, "\\");
  assert.deepEqual(
    df.metaArgs.map((a) => a.args),
    [[{ name: "BASE", default: "alpine" }], [{ name: "V" }]],
  );
  assert.equal(df.stages.length, 2);
  const [build, final] = df.stages;
  assert.deepEqual(
    [build.index, build.name, build.from.image, build.from.alias],
    [0, "build", "${BASE}:${V}", "Build"],
  );
  assert.deepEqual(
    [final.index, final.name, final.from.image, final.from.keyword],
    [1, undefined, "scratch", "from"],
  );
  assert.equal(build.instructions[0].original, "RUN make");
  const copy = final.instructions[0];
  assert.ok(copy.kind === "COPY");
  assert.deepEqual(
    [copy.from, copy.sources, copy.dest, copy.flags],
    ["build", ["/out"], "/", { from: "build" }],
  );
});

test("parseDockerfile keeps `original` as the classic builder prints it after `Step N/M : `", () => {
  const df = parseDockerfile(
    "  FROM   busybox   AS   a  \nRUN echo a \\\n    && echo b\nENV A=1 \\\n  B=2\n",
  );
  assert.equal(df.stages[0].from.original, "FROM   busybox   AS   a");
  assert.deepEqual(
    df.stages[0].instructions.map((i) => i.original),
    ["RUN echo a     && echo b", "ENV A=1   B=2"],
  );
});

test("parseDockerfile fails with Docker's messages", () => {
  fails("", "the Dockerfile (Dockerfile) cannot be empty");
  assert.throws(() => parseDockerfile("", { name: "sub/Dockerfile.dev" }), {
    message: "the Dockerfile (sub/Dockerfile.dev) cannot be empty",
  });
  fails("\n# just a comment\n", "failed to parse Dockerfile: file with no instructions");
  fails(
    "FROM busybox\nFOO bar",
    "dockerfile parse error on line 2: unknown instruction: FOO (did you mean FROM?)",
  );
  fails(
    "FROM busybox\n\nrunn x",
    "dockerfile parse error on line 3: unknown instruction: runn (did you mean run?)",
  );
  fails(
    "FROM busybox\nBOGUSINSTRUCTION x",
    "dockerfile parse error on line 2: unknown instruction: BOGUSINSTRUCTION",
  );
  fails("RUN echo hi\nFROM busybox", "no build stage in current context");
  fails(
    "FROM --platfrom=x busybox",
    "dockerfile parse error on line 1: unknown flag: --platfrom (did you mean platform?)",
  );
  fails("FROM a AS one\nFROM b AS ONE", "one stage name already used");
  fails("FROM", "dockerfile parse error on line 1: FROM requires either one or three arguments");
  fails("FROM a b c", "dockerfile parse error on line 1: FROM requires either one or three arguments");
  fails(
    "FROM a AS b/c",
    'dockerfile parse error on line 1: invalid name for build stage: "b/c", name can\'t start with a number or contain symbols',
  );
  fails("FROM a\nENV =x", "dockerfile parse error on line 2: ENV names can not be blank");
  fails("FROM a\nLABEL =x", "dockerfile parse error on line 2: LABEL names can not be blank");
  fails("FROM a\nARG =x", "dockerfile parse error on line 2: ARG names can not be blank");
  fails("FROM a\nENV a", "failed to parse Dockerfile: ENV must have two arguments");
  fails(
    "FROM a\nCOPY --chwon=1 a b",
    "dockerfile parse error on line 2: unknown flag: --chwon (did you mean chown?)",
  );
  fails(
    "FROM a\nCOPY --link=maybe a b",
    "dockerfile parse error on line 2: expecting boolean value for flag --link, not: maybe",
  );
  fails("FROM a\nCOPY --from a b", "dockerfile parse error on line 2: missing a value on flag: --from");
  fails(
    "FROM a\nCOPY --from=x --from=y a b",
    "dockerfile parse error on line 2: duplicate flag specified: --from",
  );
  fails("FROM a\nRUN --network=bridge x", 'dockerfile parse error on line 2: invalid network mode "bridge"');
  fails("FROM a\nENV --x=1 a=b", "dockerfile parse error on line 2: unknown flag: --x");
  fails(
    "FROM a\nCOPY <<EOF <<X\nEOF\nX",
    "dockerfile parse error on line 2: COPY cannot accept a heredoc as a destination",
  );
  fails("FROM a\nSHELL", "dockerfile parse error on line 2: SHELL requires at least one argument");
  fails("FROM a\nSHELL []", "dockerfile parse error on line 2: SHELL requires at least one argument");
  fails(
    'FROM a\nVOLUME [""]',
    "dockerfile parse error on line 2: VOLUME specified can not be an empty string",
  );
  fails(
    "FROM a\nHEALTHCHECK NONE x",
    "dockerfile parse error on line 2: HEALTHCHECK NONE takes no arguments",
  );
  fails("FROM a\nHEALTHCHECK CMD", "dockerfile parse error on line 2: Missing command after HEALTHCHECK CMD");
  fails(
    "FROM a\nHEALTHCHECK --timeout=50ns CMD x",
    'dockerfile parse error on line 2: Interval "timeout" cannot be less than 1ms',
  );
  fails(
    "FROM a\nHEALTHCHECK --interval=5 CMD x",
    'dockerfile parse error on line 2: time: missing unit in duration "5"',
  );
  fails(
    "FROM a\nHEALTHCHECK --retries=-1 CMD x",
    "dockerfile parse error on line 2: --retries cannot be negative (-1)",
  );
  fails("FROM a\nONBUILD", "dockerfile parse error on line 2: ONBUILD requires at least one argument");
  fails(
    "FROM a\nONBUILD MAINTAINER me",
    "dockerfile parse error on line 2: MAINTAINER isn't allowed as an ONBUILD trigger",
  );
  fails("FROM a\nRUN x\nRUN <<EOF\nbody", "failed to parse Dockerfile: unterminated heredoc");
});

test("parseDockerfile checks argument counts as BuildKit's instruction tests", () => {
  for (const cmd of ["MAINTAINER", "WORKDIR", "USER", "STOPSIGNAL"]) {
    fails(`FROM a\n${cmd}`, `dockerfile parse error on line 2: ${cmd} requires exactly one argument`);
  }
  for (const cmd of ["ENV", "LABEL", "ONBUILD", "HEALTHCHECK", "EXPOSE", "VOLUME", "ARG"]) {
    fails(`FROM a\n${cmd}`, `dockerfile parse error on line 2: ${cmd} requires at least one argument`);
  }
  for (const cmd of ["ADD", "COPY"]) {
    fails(
      `FROM a\n${cmd} arg1`,
      `dockerfile parse error on line 2: ${cmd} requires at least two arguments, but only one was provided. Destination could not be determined`,
    );
  }
  fails("FROM a\nMAINTAINER --boo joe@example.com", "dockerfile parse error on line 2: unknown flag: --boo");
});

test("RUN, CMD and ENTRYPOINT: exec form, shell form, a malformed array as shell form", () => {
  assert.deepEqual(one('RUN ["echo", "a b"]'), {
    ...one('RUN ["echo", "a b"]'),
    json: true,
    args: ["echo", "a b"],
  });
  const shell = one("RUN echo $HOME   'x'");
  assert.ok(shell.kind === "RUN");
  assert.deepEqual([shell.json, shell.args], [false, ["echo $HOME   'x'"]]);
  const broken = one("CMD ['single', 'quotes']");
  assert.ok(broken.kind === "CMD");
  assert.deepEqual([broken.json, broken.args], [false, ["['single', 'quotes']"]]);
  const empty = one("ENTRYPOINT []");
  assert.ok(empty.kind === "ENTRYPOINT");
  assert.deepEqual([empty.json, empty.args], [true, []]);
  const flags = one("RUN --mount=type=cache,target=/a --mount=type=tmpfs,target=/b --network=none make");
  assert.deepEqual(
    [flags.flags, flags.flagValues],
    [
      { mount: "type=tmpfs,target=/b", network: "none" },
      { mount: ["type=cache,target=/a", "type=tmpfs,target=/b"], network: ["none"] },
    ],
  );
  assert.equal(one("run echo").keyword, "run");
});

test("RUN heredocs: bodies chomped for <<-, quoted delimiters marked, several on one line", () => {
  const [a, b, c] = body(
    "RUN <<EOF\necho $A\nEOF\nRUN <<-'EOT' python3\n\tprint(1)\n\tEOT\nRUN cat <<A <<\"B\" > /x\na\nA\nb\nB\nCMD x",
  );
  assert.ok(a.kind === "RUN" && b.kind === "RUN" && c.kind === "RUN");
  assert.deepEqual(a.args, ["<<EOF"]);
  assert.deepEqual(a.heredocs, [{ name: "EOF", content: "echo $A\n", chomp: false, quoted: false, fd: 0 }]);
  assert.deepEqual([a.line, a.endLine], [2, 4]);
  assert.deepEqual(b.args, ["<<-'EOT' python3"]);
  assert.deepEqual(b.heredocs, [{ name: "EOT", content: "print(1)\n", chomp: true, quoted: true, fd: 0 }]);
  assert.deepEqual(
    c.heredocs.map((h) => [h.name, h.content, h.quoted]),
    [
      ["A", "a\n", false],
      ["B", "b\n", true],
    ],
  );
  assert.equal(c.original, 'RUN cat <<A <<"B" > /x');
});

test("COPY and ADD: flags pulled out, JSON form, heredoc sources", () => {
  const c = one(
    "COPY --from=build --chown=1:2 --chmod=644 --link --exclude=*.md --exclude=*.txt --parents src/ a* /app/",
  );
  assert.ok(c.kind === "COPY");
  assert.deepEqual(
    [c.sources, c.dest, c.from, c.chown, c.chmod, c.link, c.excludes, c.parents],
    [["src/", "a*"], "/app/", "build", "1:2", "644", true, ["*.md", "*.txt"], true],
  );
  const j = one('COPY ["a b", "c", "/x y/"]');
  assert.ok(j.kind === "COPY");
  assert.deepEqual([j.sources, j.dest], [["a b", "c"], "/x y/"]);
  const add = one("ADD --checksum=sha256:abc --keep-git-dir=false --unpack https://x/y.tgz /d");
  assert.ok(add.kind === "ADD");
  assert.deepEqual(
    [add.checksum, add.keepGitDir, add.unpack, add.link],
    ["sha256:abc", false, true, undefined],
  );
  const h = one('COPY <<one.txt <<-"two" /etc/\nhello $X\none.txt\n\tworld\n\ttwo');
  assert.ok(h.kind === "COPY");
  assert.deepEqual(h.sources, []);
  assert.deepEqual(h.heredocs, [
    { name: "one.txt", content: "hello $X\n", chomp: false, quoted: false, fd: 0 },
    { name: "two", content: "world\n", chomp: true, quoted: true, fd: 0 },
  ]);
  fails("FROM a\nADD --from=x a b", "dockerfile parse error on line 2: unknown flag: --from");
});

test("ENV, LABEL, ARG: both forms, quotes kept for expansion", () => {
  const legacy = one("ENV PATH /usr/bin:$PATH  with spaces");
  assert.ok(legacy.kind === "ENV");
  assert.deepEqual(
    [legacy.pairs, legacy.legacy],
    [[{ key: "PATH", value: "/usr/bin:$PATH  with spaces" }], true],
  );
  const modern = one('ENV a=1 b="x y" c=\\$d e=');
  assert.ok(modern.kind === "ENV");
  assert.deepEqual(modern.pairs, [
    { key: "a", value: "1" },
    { key: "b", value: '"x y"' },
    { key: "c", value: "\\$d" },
    { key: "e", value: "" },
  ]);
  assert.equal(modern.legacy, false);
  const label = one('LABEL "com.example.vendor"="ACME Inc" version=1.0');
  assert.ok(label.kind === "LABEL");
  assert.deepEqual(label.pairs, [
    { key: '"com.example.vendor"', value: '"ACME Inc"' },
    { key: "version", value: "1.0" },
  ]);
  const arg = one('ARG a b=2 c="x y" d=');
  assert.ok(arg.kind === "ARG");
  assert.deepEqual(arg.args, [
    { name: "a" },
    { name: "b", default: "2" },
    { name: "c", default: '"x y"' },
    { name: "d", default: "" },
  ]);
});

test("the other instructions", () => {
  const [expose, volume, volumeJSON, user, workdir, stop, maint, shell] = body(
    'EXPOSE 8080 80/udp 443\nVOLUME /a /b\nVOLUME ["/c d"]\nUSER app:app\nWORKDIR /srv/app dir\nSTOPSIGNAL SIGKILL\nMAINTAINER Jane <j@x>\nSHELL ["/bin/bash", "-c"]',
  );
  assert.deepEqual(expose.kind === "EXPOSE" && expose.ports, ["443", "80/udp", "8080"]);
  assert.deepEqual(volume.kind === "VOLUME" && volume.paths, ["/a", "/b"]);
  assert.deepEqual(volumeJSON.kind === "VOLUME" && volumeJSON.paths, ["/c d"]);
  assert.equal(user.kind === "USER" && user.user, "app:app");
  assert.equal(workdir.kind === "WORKDIR" && workdir.path, "/srv/app dir");
  assert.equal(stop.kind === "STOPSIGNAL" && stop.signal, "SIGKILL");
  assert.equal(maint.kind === "MAINTAINER" && maint.maintainer, "Jane <j@x>");
  assert.deepEqual(shell.kind === "SHELL" && shell.shell, ["/bin/bash", "-c"]);
});

test("HEALTHCHECK: NONE, CMD forms, durations in nanoseconds", () => {
  const none = one("HEALTHCHECK none");
  assert.deepEqual(none.kind === "HEALTHCHECK" && none.test, ["NONE"]);
  const hc = one(
    "HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=2s --start-interval=1.5s --retries=3 CMD curl -f http://x/ || exit 1",
  );
  assert.ok(hc.kind === "HEALTHCHECK");
  assert.deepEqual(
    [hc.test, hc.interval, hc.timeout, hc.startPeriod, hc.startInterval, hc.retries],
    [["CMD-SHELL", "curl -f http://x/ || exit 1"], 90e9, 500e6, 2e9, 1.5e9, 3],
  );
  const exec = one('HEALTHCHECK CMD ["/bin/check", "-q"]');
  assert.ok(exec.kind === "HEALTHCHECK");
  assert.deepEqual(
    [exec.test, exec.interval, exec.retries],
    [["CMD", "/bin/check", "-q"], undefined, undefined],
  );
  const zero = one("HEALTHCHECK --interval=0s CMD x");
  assert.equal(zero.kind === "HEALTHCHECK" && zero.interval, 0);
});

test("ONBUILD keeps the trigger text; with heredocs, their bodies as Docker stores them", () => {
  const [a, b] = body("onbuild   RUN echo hi\nONBUILD COPY <<EOF /x\nbody\nEOF");
  assert.equal(a.kind === "ONBUILD" && a.expression, "RUN echo hi");
  assert.equal(b.kind === "ONBUILD" && b.expression, "COPY <<EOF /x\nbody\nEOF");
});

test("parseDockerfile honours # escape=` (Windows-style Dockerfiles)", () => {
  const df = parseDockerfile("# escape=`\nFROM x\nRUN dir c:\\ `\n  && echo done\nCOPY a c:\\dest\\");
  assert.equal(df.escape, "`");
  assert.deepEqual(
    df.stages[0].instructions.map((i) => i.original),
    ["RUN dir c:\\   && echo done", "COPY a c:\\dest\\"],
  );
});

test("parseDockerfile reports empty continuation lines as Docker prints them", () => {
  const df = parseDockerfile("FROM x\nRUN a \\\n\n  b\n");
  assert.deepEqual(df.warnings, [{ line: 4, message: "Empty continuation line found in: RUN a   b" }]);
});

test("parseDockerfile errors carry the line", () => {
  assert.throws(
    () => parseDockerfile("FROM a\n\nWHAT x"),
    (e) => (e as { line?: number }).line === 3,
  );
});
