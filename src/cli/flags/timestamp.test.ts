import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { getTimestamp } from "./timestamp.ts";

const NOW = new Date(Date.UTC(2024, 0, 2, 12, 0, 0, 500));
const unix = (ms: number) => String(Math.floor(ms / 1000));

describe("getTimestamp (moby's TestGetTimestamp, local zone UTC)", () => {
  const ok: [string, string][] = [
    ["2006-01-02T15:04:05.999999999+07:00", "1136189045.999999999"],
    ["2006-01-02T15:04:05.999999999Z", "1136214245.999999999"],
    ["2006-01-02T15:04:05.999999999", "1136214245.999999999"],
    ["2006-01-02T15:04:05Z", "1136214245.000000000"],
    ["2006-01-02T15:04:05", "1136214245.000000000"],
    ["2006-01-02T15:04Z", "1136214240.000000000"],
    ["2006-01-02T15:04+00:00", "1136214240.000000000"],
    ["2006-01-02T15:04-00:00", "1136214240.000000000"],
    ["2006-01-02T15:04", "1136214240.000000000"],
    ["2006-01-02T15Z", "1136214000.000000000"],
    ["2006-01-02T15+00:00", "1136214000.000000000"],
    ["2006-01-02T15-00:00", "1136214000.000000000"],
    ["2006-01-02T15", "1136214000.000000000"],
    ["2006-01-02T1Z", "1136163600.000000000"],
    ["2006-01-02T1", "1136163600.000000000"],
    ["2006-01-02+00:00", "1136160000.000000000"],
    ["2006-01-02-00:00", "1136160000.000000000"],
    ["2006-01-02-00:01", "1136160060.000000000"],
    ["2006-01-02Z", "1136160000.000000000"],
    ["2006-01-02", "1136160000.000000000"],
    ["2015-05-13T20:39:09Z", "1431549549.000000000"],
    ["2013-01-02T13:23:37.5Z", "1357133017.500000000"],
    ["1136073600", "1136073600"],
    ["1136073600.000000001", "1136073600.000000001"],
    ["1m", unix(NOW.getTime() - 60_000)],
    ["1.5h", unix(NOW.getTime() - 90 * 60_000)],
    ["1h30m", unix(NOW.getTime() - 90 * 60_000)],
    ["10m", unix(NOW.getTime() - 600_000)],
  ];
  for (const [value, expected] of ok) {
    it(`reads ${JSON.stringify(value)} as ${expected}`, () =>
      assert.equal(getTimestamp(value, NOW, 0), expected));
  }

  const bad = [
    "2006-01-02T15:04:0Z",
    "2006-01-02T15:04:0",
    "2006-01-02T15:0Z",
    "2006-01-02T15:0",
    "2006-01-02TZ",
    "2006-01-02T",
    "invalid",
    "",
    "1136073600.bar",
  ];
  for (const value of bad) {
    it(`rejects ${JSON.stringify(value)}`, () => assert.throws(() => getTimestamp(value, NOW, 0)));
  }
});

describe("getTimestamp details", () => {
  it("reads zone-less times in the given local offset", () => {
    assert.equal(getTimestamp("2006-01-02T15:04:05", NOW, 60), "1136210645.000000000");
  });

  it("words errors as Go and docker do", () => {
    assert.throws(() => getTimestamp("invalid", NOW, 0), {
      message: 'failed to parse value as time or duration: "invalid"',
    });
    assert.throws(() => getTimestamp("2006-01-02T", NOW, 0), {
      message: 'parsing time "2006-01-02T" as "2006-01-02T15": cannot parse "" as "15"',
    });
    assert.throws(() => getTimestamp("2006-13-02", NOW, 0), {
      message: 'parsing time "2006-13-02": month out of range',
    });
    assert.throws(() => getTimestamp("2006-02-30", NOW, 0), {
      message: 'parsing time "2006-02-30": day out of range',
    });
    assert.throws(() => getTimestamp("2006-01-02T15:04:05Zjunk", NOW, 0), {
      message: 'parsing time "2006-01-02T15:04:05Zjunk": extra text: "junk"',
    });
  });

  it("takes 0 as Unix time 0, not as a duration", () => {
    assert.equal(getTimestamp("0", NOW, 0), "0");
  });
});
