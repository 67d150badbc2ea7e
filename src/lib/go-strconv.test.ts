import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseGoBool, parseGoFloat, parseGoInt, parseGoUint } from "./go-strconv.ts";

describe("parseGoInt (strconv.ParseInt base 0)", () => {
  const ok: [string, bigint][] = [
    ["0", 0n],
    ["-1", -1n],
    ["+5", 5n],
    ["0x10", 16n],
    ["0X1f", 31n],
    ["017", 15n],
    ["0o17", 15n],
    ["0b101", 5n],
    ["1_000", 1000n],
    ["0x_1F", 31n],
    ["9223372036854775807", 9223372036854775807n],
    ["-9223372036854775808", -9223372036854775808n],
  ];
  for (const [s, v] of ok) it(`reads ${JSON.stringify(s)} as ${v}`, () => assert.equal(parseGoInt(s), v));

  it("rejects bad syntax with Go's message", () => {
    for (const s of ["", "x", "08", "1__0", "_1", "1_", "0x", "1.5", " 1", "--1"]) {
      assert.throws(() => parseGoInt(s), {
        message: `strconv.ParseInt: parsing ${JSON.stringify(s)}: invalid syntax`,
      });
    }
  });

  it("rejects values beyond int64 as out of range", () => {
    assert.throws(() => parseGoInt("99999999999999999999"), {
      message: 'strconv.ParseInt: parsing "99999999999999999999": value out of range',
    });
  });

  it("reads a decimal-only base when asked", () => {
    assert.equal(parseGoInt("017", 10), 17n);
    assert.throws(() => parseGoInt("1_0", 10));
  });
});

describe("parseGoUint, parseGoBool, parseGoFloat", () => {
  it("reads unsigned values and rejects signs", () => {
    assert.equal(parseGoUint("0x10"), 16n);
    assert.throws(() => parseGoUint("-1"), { message: 'strconv.ParseUint: parsing "-1": invalid syntax' });
    assert.throws(() => parseGoUint("70000", 0, 16), {
      message: 'strconv.ParseUint: parsing "70000": value out of range',
    });
  });

  it("reads Go's boolean spellings only", () => {
    for (const t of ["1", "t", "T", "TRUE", "true", "True"]) assert.equal(parseGoBool(t), true);
    for (const f of ["0", "f", "F", "FALSE", "false", "False"]) assert.equal(parseGoBool(f), false);
    assert.throws(() => parseGoBool("yes"), { message: 'strconv.ParseBool: parsing "yes": invalid syntax' });
  });

  it("reads decimal and hex floats", () => {
    assert.equal(parseGoFloat("1.5"), 1.5);
    assert.equal(parseGoFloat(".5"), 0.5);
    assert.equal(parseGoFloat("1e3"), 1000);
    assert.equal(parseGoFloat("0x1p-2"), 0.25);
    assert.equal(parseGoFloat("-0"), -0);
    assert.throws(() => parseGoFloat("1.2.3"), {
      message: 'strconv.ParseFloat: parsing "1.2.3": invalid syntax',
    });
    assert.throws(() => parseGoFloat(""), { message: 'strconv.ParseFloat: parsing "": invalid syntax' });
  });
});
