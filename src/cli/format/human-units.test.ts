import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { humanDuration } from "../../lib/human-duration.ts";
import { bytesSize, customSize, humanSize, humanSizeWithPrecision, timeAgo } from "./human-units.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;
const YEAR = 365 * DAY;

describe("humanDuration (go-units duration_test.go)", () => {
  const cases: [number, string][] = [
    [450, "Less than a second"],
    [-5 * SECOND, "Less than a second"],
    [1 * SECOND, "1 second"],
    [45 * SECOND, "45 seconds"],
    [59 * SECOND, "59 seconds"],
    [60 * SECOND, "About a minute"],
    [3 * MINUTE, "3 minutes"],
    [35 * MINUTE + 40 * SECOND, "35 minutes"],
    [59 * MINUTE, "59 minutes"],
    [1 * HOUR, "About an hour"],
    [1 * HOUR + 29 * MINUTE, "About an hour"],
    [1 * HOUR + 31 * MINUTE, "2 hours"],
    [3 * HOUR + 29 * MINUTE, "3 hours"],
    [3 * HOUR + 31 * MINUTE, "4 hours"],
    [24 * HOUR, "24 hours"],
    [1 * DAY + 12 * HOUR, "36 hours"],
    [2 * DAY, "2 days"],
    [13 * DAY + 5 * HOUR, "13 days"],
    [2 * WEEK, "2 weeks"],
    [4 * WEEK + 3 * DAY, "4 weeks"],
    [1 * MONTH, "4 weeks"],
    [1 * MONTH + 2 * WEEK, "6 weeks"],
    [2 * MONTH, "2 months"],
    [5 * MONTH + 2 * WEEK, "5 months"],
    [24 * MONTH, "24 months"],
    [24 * MONTH + 2 * WEEK, "2 years"],
    [3 * YEAR + 2 * MONTH, "3 years"],
  ];
  for (const [ms, expected] of cases) {
    it(`says ${JSON.stringify(expected)} for ${ms} ms`, () => assert.equal(humanDuration(ms), expected));
  }

  it("appends ago for docker's CREATED column", () => {
    assert.equal(timeAgo(1000, 6000), "5 seconds ago");
    assert.equal(timeAgo(0, 2 * HOUR), "2 hours ago");
  });
});

describe("humanSize and bytesSize (go-units size_test.go)", () => {
  it("prints decimal sizes with 4 significant digits", () => {
    assert.equal(humanSize(1000), "1kB");
    assert.equal(humanSize(1024), "1.024kB");
    assert.equal(humanSize(1000000), "1MB");
    assert.equal(humanSize(1048576), "1.049MB");
    assert.equal(humanSize(2e6), "2MB");
    assert.equal(humanSize(3.42e9), "3.42GB");
    assert.equal(humanSize(5.372e12), "5.372TB");
    assert.equal(humanSize(2.22e15), "2.22PB");
    assert.equal(humanSize(1e13 * 1e15), "1e+04YB");
  });

  it("prints docker images sizes with 3 significant digits", () => {
    assert.equal(humanSizeWithPrecision(1_862_000, 3), "1.86MB");
    assert.equal(humanSizeWithPrecision(0, 3), "0B");
    assert.equal(humanSizeWithPrecision(999, 3), "999B");
    assert.equal(humanSizeWithPrecision(999_999, 3), "1e+03kB");
    assert.equal(humanSizeWithPrecision(1125, 3), "1.12kB"); // Go rounds exact ties to even
    assert.equal(humanSizeWithPrecision(77_800_000, 3), "77.8MB");
  });

  it("prints binary sizes with 4 significant digits", () => {
    assert.equal(bytesSize(1024), "1KiB");
    assert.equal(bytesSize(1024 * 1024), "1MiB");
    assert.equal(bytesSize(3.42 * 2 ** 30), "3.42GiB");
    assert.equal(bytesSize(5.372 * 2 ** 40), "5.372TiB");
    assert.equal(bytesSize(2.22 * 2 ** 50), "2.22PiB");
    assert.equal(bytesSize(2 ** 50 * 2 ** 50), "1.049e+06YiB");
    assert.equal(bytesSize(0), "0B");
  });

  it("formats with a caller's Go format", () => {
    assert.equal(customSize("%.2f %s", 1536, 1024, ["B", "KiB"]), "1.50 KiB");
  });
});
