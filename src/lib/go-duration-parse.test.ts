import assert from "node:assert/strict";
import { test } from "node:test";
import { parseGoDuration } from "./go-duration.ts";

test("parseGoDuration reads Go durations in nanoseconds", () => {
  const cases: Array<[string, number]> = [
    ["0", 0],
    ["5s", 5e9],
    ["30s", 30e9],
    ["1m30s", 90e9],
    ["1.5h", 5400e9],
    ["500ms", 500e6],
    ["-2us", -2000],
    ["1µs", 1000],
    ["1μs", 1000],
    ["10ns", 10],
    [".5s", 5e8],
    ["1.s", 1e9],
    ["+3m", 180e9],
    ["1h2m3s4ms5us6ns", 3723004005006],
    ["0.3s", 3e8],
  ];
  for (const [s, want] of cases) assert.equal(parseGoDuration(s), want, s);
});

test("parseGoDuration fails with Go's messages", () => {
  const cases: Array<[string, string]> = [
    ["", 'time: invalid duration ""'],
    ["3", 'time: missing unit in duration "3"'],
    ["1x", 'time: unknown unit "x" in duration "1x"'],
    ["s", 'time: invalid duration "s"'],
    [".s", 'time: invalid duration ".s"'],
    ["-", 'time: invalid duration "-"'],
    ["9999999999999999999s", 'time: invalid duration "9999999999999999999s"'],
  ];
  for (const [s, message] of cases) assert.throws(() => parseGoDuration(s), { message }, s);
});
