// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile variables, not JS ones
import assert from "node:assert/strict";
import { test } from "node:test";
import { isKind } from "../../../lib/errors.ts";
import { envListLookup, expandInstruction, expandWord, expandWords, parseDockerfile } from "./index.ts";
import type { Instruction } from "./types.ts";

const env = envListLookup(["A=0", "HOME=/root", "PORTS=80 443/udp", "V=1.2", "EMPTY="]);
const one = (text: string): Instruction => parseDockerfile(`FROM x\n${text}`).stages[0].instructions[0];

test("expandWord and expandWords follow Docker's ProcessWord / ProcessWords", () => {
  assert.equal(expandWord("$HOME/${V}-${UNSET:-dflt}'$A'\"$A\"", env), "/root/1.2-dflt$A0");
  assert.equal(expandWord("a`$A", env, "`"), "a$A");
  assert.deepEqual(expandWords("$PORTS 8080", env), ["80", "443/udp", "8080"]);
  assert.deepEqual(expandWords('"$PORTS"', env), ["80 443/udp"]);
  assert.throws(
    () => expandWord("${EMPTY:?must be set}", env),
    (e) =>
      isKind(e, "invalid") &&
      (e as Error).message === 'failed to process "${EMPTY:?must be set}": EMPTY: must be set',
  );
  assert.throws(
    () => expandWord("${A", env),
    (e) => isKind(e, "invalid"),
  );
});

test("envListLookup: a later entry wins, a bare name is set to empty", () => {
  const l = envListLookup(["X=1", "X=2", "Y"]);
  assert.equal(l("X"), "2");
  assert.equal(l("Y"), "");
  assert.equal(l("Z"), undefined);
});

test("expandInstruction: ENV sees the variables from before the instruction, not its own pairs", () => {
  const e = expandInstruction(one('ENV A=1 B=$A C="x $A y" $A=k'), env);
  assert.ok(e.kind === "ENV");
  assert.deepEqual(e.pairs, [
    { key: "A", value: "1" },
    { key: "B", value: "0" },
    { key: "C", value: "x 0 y" },
    { key: "0", value: "k" },
  ]);
  const legacy = expandInstruction(one("ENV P $HOME/bin  and  more"), env);
  assert.deepEqual(legacy.kind === "ENV" && legacy.pairs, [{ key: "P", value: "/root/bin  and  more" }]);
});

test("expandInstruction: LABEL, ARG, FROM, EXPOSE, USER, WORKDIR, STOPSIGNAL, VOLUME", () => {
  const label = expandInstruction(one('LABEL "v$V"="$HOME x"'), env);
  assert.deepEqual(label.kind === "LABEL" && label.pairs, [{ key: "v1.2", value: "/root x" }]);
  const arg = expandInstruction(one("ARG X=$V Y"), env);
  assert.deepEqual(arg.kind === "ARG" && arg.args, [
    { name: "X", default: "1.2" },
    { name: "Y", default: undefined },
  ]);
  const df = parseDockerfile("ARG V\nFROM --platform=$P alpine:$V AS b");
  const from = expandInstruction(df.stages[0].from, envListLookup(["V=3.20", "P=linux/arm64"]));
  assert.deepEqual([from.image, from.platform, from.alias], ["alpine:3.20", "linux/arm64", "b"]);
  const expose = expandInstruction(one("EXPOSE $PORTS"), env);
  assert.deepEqual(expose.kind === "EXPOSE" && expose.ports, ["80", "443/udp"]);
  const user = expandInstruction(one("USER ${U:-app}:$A"), env);
  assert.equal(user.kind === "USER" && user.user, "app:0");
  const wd = expandInstruction(one("WORKDIR $HOME/src"), env);
  assert.equal(wd.kind === "WORKDIR" && wd.path, "/root/src");
  const sig = expandInstruction(one("STOPSIGNAL ${SIG:-SIGTERM}"), env);
  assert.equal(sig.kind === "STOPSIGNAL" && sig.signal, "SIGTERM");
  const vol = expandInstruction(one('VOLUME ["$HOME/data", "/v$V"]'), env);
  assert.deepEqual(vol.kind === "VOLUME" && vol.paths, ["/root/data", "/v1.2"]);
});

test("expandInstruction: COPY/ADD paths and flags; heredoc bodies only when the delimiter is unquoted", () => {
  const c = expandInstruction(
    one(
      'COPY --from=$A --chown=$A:$A --chmod=6$A$A $HOME/a <<EOF <<"RAW" /dst/$V/\n"$HOME" \\$A\nEOF\n$HOME\nRAW',
    ),
    env,
  );
  assert.ok(c.kind === "COPY");
  assert.deepEqual([c.from, c.chown, c.chmod], ["0", "0:0", "600"]);
  assert.deepEqual(c.flags, { from: "0", chown: "0:0", chmod: "600" });
  assert.deepEqual([c.sources, c.dest], [["/root/a"], "/dst/1.2/"]);
  assert.deepEqual(
    c.heredocs.map((h) => h.content),
    ['"/root" $A\n', "$HOME\n"],
  );
  const add = expandInstruction(one("ADD --checksum=sha256:$A https://x/$V.tgz /"), env);
  assert.ok(add.kind === "ADD");
  assert.deepEqual([add.checksum, add.sources], ["sha256:0", ["https://x/1.2.tgz"]]);
});

test("expandInstruction leaves RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD and MAINTAINER alone", () => {
  for (const text of [
    "RUN echo $HOME",
    "RUN <<EOF\necho $HOME\nEOF",
    "CMD echo $HOME",
    'ENTRYPOINT ["$HOME"]',
    'SHELL ["$HOME"]',
    "HEALTHCHECK CMD $HOME",
    "ONBUILD RUN $HOME",
    "MAINTAINER $HOME",
  ]) {
    const i = one(text);
    assert.equal(expandInstruction(i, env), i, text);
  }
});

test("expandInstruction does not change its argument", () => {
  const i = one("ENV X=$A");
  const before = structuredClone(i);
  expandInstruction(i, env);
  assert.deepEqual(i, before);
});
