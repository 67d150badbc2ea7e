import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatGoDuration, parseGoDuration } from "./go-duration.ts";

describe("parseGoDuration (Go's time.ParseDuration)", () => {
  const ok: [string, number][] = [
    ["0", 0],
    ["5s", 5e9],
    ["30s", 30e9],
    ["1478s", 1478e9],
    ["-5s", -5e9],
    ["+5s", 5e9],
    ["-0", 0],
    ["+0", 0],
    ["5.0s", 5e9],
    ["5.6s", 5.6e9],
    ["5.s", 5e9],
    [".5s", 0.5e9],
    ["1.0s", 1e9],
    ["1.00s", 1e9],
    ["1.004s", 1.004e9],
    ["100.00100s", 100.001e9],
    ["10ns", 10],
    ["11us", 11_000],
    ["12µs", 12_000],
    ["12μs", 12_000],
    ["13ms", 13e6],
    ["14s", 14e9],
    ["15m", 15 * 60e9],
    ["16h", 16 * 3600e9],
    ["3h30m", 3.5 * 3600e9],
    ["10.5s4m", 4 * 60e9 + 10.5e9],
    ["-2m3.4s", -(2 * 60e9 + 3.4e9)],
    ["1h2m3s4ms5us6ns", 3600e9 + 2 * 60e9 + 3e9 + 4e6 + 5e3 + 6],
    ["39h9m14.425s", 39 * 3600e9 + 9 * 60e9 + 14.425e9],
    ["52763797000ns", 52763797000],
    ["0.3333333333333333333h", 20 * 60e9],
    ["1.5h", 90 * 60e9],
  ];
  for (const [s, ns] of ok)
    it(`reads ${JSON.stringify(s)} as ${ns} ns`, () => assert.equal(parseGoDuration(s), ns));

  const invalid = [
    "",
    "3",
    "-",
    "s",
    ".",
    "-.",
    ".s",
    "+.s",
    "1d",
    "\x85\x85",
    "\xffff",
    "hello \xffff world",
  ];
  for (const s of invalid) it(`rejects ${JSON.stringify(s)}`, () => assert.throws(() => parseGoDuration(s)));

  it("words its errors as Go does", () => {
    assert.throws(() => parseGoDuration("x"), { message: 'time: invalid duration "x"' });
    assert.throws(() => parseGoDuration("5"), { message: 'time: missing unit in duration "5"' });
    assert.throws(() => parseGoDuration("1d"), { message: 'time: unknown unit "d" in duration "1d"' });
    assert.throws(() => parseGoDuration("9223372036854775808ns"), {
      message: 'time: invalid duration "9223372036854775808ns"',
    });
  });
});

describe("formatGoDuration (Go's Duration.String)", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [1, "1ns"],
    [1100, "1.1µs"],
    [2.2e6, "2.2ms"],
    [3.3e9, "3.3s"],
    [4 * 60e9 + 5e9, "4m5s"],
    [4 * 60e9 + 5.001e9, "4m5.001s"],
    [5 * 3600e9 + 6 * 60e9 + 7.001e9, "5h6m7.001s"],
    [8 * 60e9 + 1, "8m0.000000001s"],
    [3600e9, "1h0m0s"],
    [-1e9, "-1s"],
    [10e9, "10s"],
  ];
  for (const [ns, s] of cases) it(`prints ${ns} ns as ${s}`, () => assert.equal(formatGoDuration(ns), s));

  it("prints the largest duration exactly from a bigint", () => {
    assert.equal(formatGoDuration(2n ** 63n - 1n), "2562047h47m16.854775807s");
  });
});
