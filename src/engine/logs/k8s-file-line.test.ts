import assert from "node:assert/strict";
import { test } from "node:test";
import { parseLogLine, parseTimestamp, TimeCache } from "./k8s-file-line.ts";

const ts = (s: string) => parseTimestamp(Buffer.from(s), 0, s.length);

test("parseTimestamp reads conmon's nanosecond stamps with their offset", () => {
  assert.deepEqual(ts("2024-05-01T10:20:30.123456789+00:00"), {
    ms: Date.parse("2024-05-01T10:20:30.123Z"),
    nanos: 123456789,
  });
  assert.equal(ts("2024-05-01T12:20:30.5+02:00")?.ms, Date.parse("2024-05-01T10:20:30.500Z"));
  assert.equal(ts("2024-05-01T05:50:30.000000000-04:30")?.ms, Date.parse("2024-05-01T10:20:30.000Z"));
  assert.deepEqual(ts("2024-05-01T10:20:30Z"), { ms: Date.parse("2024-05-01T10:20:30Z"), nanos: 0 });
});

test("parseTimestamp rejects what is not RFC 3339", () => {
  assert.equal(ts("yesterday at noon, roughly"), undefined);
  assert.equal(ts("2024-05-01 10:20:30.000+00:00"), undefined);
  assert.equal(ts("2024-05-01T10:20:30.000"), undefined);
});

test("parseLogLine finds stream, tag and content in place", () => {
  const buf = Buffer.from("2024-05-01T10:20:30.123456789+00:00 stderr P part of a line\n");
  const line = parseLogLine(buf, 0, buf.length - 1, new TimeCache());
  assert.ok(line);
  assert.equal(line.stream, "stderr");
  assert.equal(line.partial, true);
  assert.equal(buf.subarray(line.contentStart, buf.length - 1).toString(), "part of a line");
  assert.equal(line.nanos, 123456789);
});

test("parseLogLine reuses the cached time for an identical stamp and notices a new one", () => {
  const cache = new TimeCache();
  const a = Buffer.from("2024-05-01T10:20:30.000000001+00:00 stdout F a\n");
  const b = Buffer.from("2024-05-01T10:20:30.000000001+00:00 stdout F b\n");
  const c = Buffer.from("2024-05-01T10:20:31.000000001+00:00 stdout F c\n");
  const la = parseLogLine(a, 0, a.length - 1, cache);
  const lb = parseLogLine(b, 0, b.length - 1, cache);
  const lc = parseLogLine(c, 0, c.length - 1, cache);
  assert.equal(la?.date, lb?.date);
  assert.equal(lc?.ms, (la?.ms ?? 0) + 1000);
});

test("parseLogLine skips lines that are not k8s-file records", () => {
  const cache = new TimeCache();
  for (const text of ["garbage", "2024-05-01T10:20:30Z stdin F x", "2024-05-01T10:20:30Z stdout X x"]) {
    const buf = Buffer.from(`${text}\n`);
    assert.equal(parseLogLine(buf, 0, buf.length - 1, cache), undefined, text);
  }
});
