import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  kvStringsToMap,
  kvStringsToMapWithNil,
  readKvStrings,
  validateEnv,
  validateLabel,
} from "./key-value.ts";
import { parseKvText, readEnvFile, readKvFile, readLabelFile } from "./kv-file.ts";

const dir = mkdtempSync(join(tmpdir(), "kapsel-kvfile-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const env = (vars: Record<string, string>) => (key: string) => vars[key];

describe("env and label files (docker's pkg/kvfile)", () => {
  it("keeps KEY=VALUE lines as written, quotes and trailing spaces included", () => {
    const text = 'FOO=bar\nQUOTED="a b"  \nEMPTY=\nWITH=eq=sign\n';
    assert.deepEqual(parseKvText(text), ["FOO=bar", 'QUOTED="a b"  ', "EMPTY=", "WITH=eq=sign"]);
  });

  it("drops comments, blank lines, leading whitespace, a BOM and CR line ends", () => {
    const text = "\uFEFF# comment\n\n   \t INDENTED=1\r\n  # indented comment\nLAST=2";
    assert.deepEqual(parseKvText(text), ["INDENTED=1", "LAST=2"]);
  });

  it("takes a bare KEY's value from the lookup, and drops it when unset", () => {
    const text = "HOME\nUNSET\nEMPTY\n";
    assert.deepEqual(parseKvText(text, env({ HOME: "/root", EMPTY: "" })), ["HOME=/root", "EMPTY="]);
    assert.deepEqual(parseKvText(text), []);
  });

  it("rejects lines without a name or with whitespace in the name", () => {
    assert.throws(() => parseKvText("=value\n"), { message: "no variable name on line '=value'" });
    assert.throws(() => parseKvText("MY VAR=1\n"), { message: "variable 'MY VAR' contains whitespaces" });
    assert.throws(() => parseKvText("VAR =1\n"), { message: "variable 'VAR ' contains whitespaces" });
  });

  it("rejects invalid UTF-8 naming the line", () => {
    assert.throws(() => parseKvText(new Uint8Array([0x41, 0x3d, 0x31, 0x0a, 0x42, 0x3d, 0xff])), {
      message: "invalid utf8 bytes at line 2: [66 61 255]",
    });
  });

  it("prefixes parse errors with the file name, and reports a missing file as Go does", () => {
    const bad = file("bad.env", "A B=1\n");
    assert.throws(() => readKvFile(bad), {
      message: `invalid env file (${bad}): variable 'A B' contains whitespaces`,
    });
    assert.throws(() => readKvFile(join(dir, "nope")), {
      message: `open ${join(dir, "nope")}: no such file or directory`,
    });
  });

  it("reads --env-file with the environment and --label-file without", () => {
    const path = file("vars", "A=1\nHOME\n");
    assert.deepEqual(readEnvFile(path, env({ HOME: "/home/me" })), ["A=1", "HOME=/home/me"]);
    assert.deepEqual(readLabelFile(path), ["A=1"]);
  });

  it("puts flag values after the files' entries so that they win", () => {
    const path = file("base.env", "A=1\nB=2\n");
    const all = readKvStrings([path], ["B=3"], env({}));
    assert.deepEqual(all, ["A=1", "B=2", "B=3"]);
    assert.deepEqual(kvStringsToMap(all), { A: "1", B: "3" });
  });
});

describe("KEY=VALUE helpers (docker's opts)", () => {
  it("expands a bare -e KEY from the environment, keeping it when unset", () => {
    const lookup = env({ HOME: "/root", EMPTY: "" });
    assert.equal(validateEnv("HOME", lookup), "HOME=/root");
    assert.equal(validateEnv("EMPTY", lookup), "EMPTY=");
    assert.equal(validateEnv("UNSET", lookup), "UNSET");
    assert.equal(validateEnv("A=b=c", lookup), "A=b=c");
    assert.throws(() => validateEnv("=x", lookup), { message: "invalid environment variable: =x" });
  });

  it("validates label names", () => {
    assert.equal(validateLabel("a=b"), "a=b");
    assert.equal(validateLabel("  a"), "  a");
    assert.throws(() => validateLabel("=b"), { message: "invalid label '=b': empty name" });
    assert.throws(() => validateLabel("a b=c"), { message: "label 'a b' contains whitespaces" });
  });

  it("converts KEY=VALUE lists to maps, bare keys as empty or null", () => {
    assert.deepEqual(kvStringsToMap(["a=1", "b", "c=", "a=2"]), { a: "2", b: "", c: "" });
    assert.deepEqual(kvStringsToMapWithNil(["a=1", "b", "c="]), { a: "1", b: null, c: "" });
  });
});
