import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type LogEntry, type ReadLogsOptions, readLogs } from "./index.ts";

const FIXTURE = new URL("./fixtures/conmon-k8s-file.log", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "kapsel-logs-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

async function read(path: string, opts: ReadLogsOptions = {}): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  for await (const e of readLogs(path, opts)) out.push({ ...e, data: Buffer.from(e.data) });
  return out;
}
const texts = (entries: LogEntry[]) => entries.map((e) => `${e.stream}:${e.data.toString()}`);

test("readLogs returns each entry with its newline, partial lines joined per stream", async () => {
  assert.deepEqual(texts(await read(FIXTURE)), [
    "stdout:hello\n",
    "stderr:oops: something failed\n",
    "stderr:between the pieces\n",
    "stdout:first piece, second piece, last piece\n",
    "stdout:\n",
    "stdout:offset +02:00 is 10:20:34Z\n",
    "stderr:no fraction, Z zone\n",
    "stdout:tab\tand unicode ✓ kept as bytes\n",
    "stdout:unfinished at the end",
  ]);
});

test("readLogs gives a joined line the time of its first piece, with nanoseconds", async () => {
  const entries = await read(FIXTURE);
  const joined = entries.find((e) => e.data.toString().startsWith("first piece"));
  assert.equal(joined?.time.toISOString(), "2024-05-01T10:20:31.000Z");
  assert.equal(joined?.nanos, 1);
  assert.equal(entries[5].time.toISOString(), "2024-05-01T10:20:34.000Z");
});

test("readLogs filters streams", async () => {
  const errs = await read(FIXTURE, { stdout: false });
  assert.deepEqual(texts(errs), [
    "stderr:oops: something failed\n",
    "stderr:between the pieces\n",
    "stderr:no fraction, Z zone\n",
  ]);
  assert.equal((await read(FIXTURE, { stderr: false })).length, 6);
});

test("readLogs applies since and until", async () => {
  const entries = await read(FIXTURE, {
    since: new Date("2024-05-01T10:20:31Z"),
    until: new Date("2024-05-01T10:20:34Z"),
  });
  assert.deepEqual(texts(entries), [
    "stderr:between the pieces\n",
    "stdout:first piece, second piece, last piece\n",
    "stdout:\n",
    "stdout:offset +02:00 is 10:20:34Z\n",
  ]);
});

test("readLogs tail counts whole entries from the end, a split line as one", async () => {
  assert.deepEqual(texts(await read(FIXTURE, { tail: 2 })), [
    "stderr:no fraction, Z zone\n",
    "stdout:tab\tand unicode ✓ kept as bytes\n",
    "stdout:unfinished at the end",
  ]);
  // the 6th entry from the end is the stderr line that came between the stdout pieces: the
  // pieces before it belong to the 5th, which must come out whole
  const six = texts(await read(FIXTURE, { tail: 6 }));
  assert.deepEqual(six.slice(0, 2), [
    "stderr:between the pieces\n",
    "stdout:first piece, second piece, last piece\n",
  ]);
  assert.equal(six.length, 7);
  assert.equal((await read(FIXTURE, { tail: 0 })).length, 0);
  assert.equal((await read(FIXTURE, { tail: 1000 })).length, 9);
});

test("readLogs tail agrees with a full read across 64 KiB blocks", async () => {
  const path = join(tmp, "big.log");
  const lines: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const stream = i % 3 ? "stdout" : "stderr";
    if (i % 10 === 0) lines.push(`2024-05-01T10:20:30.000000000+00:00 ${stream} P piece-${i}-`);
    lines.push(`2024-05-01T10:20:30.000000000+00:00 ${stream} F line ${i}`);
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
  const all = texts(await read(path));
  assert.equal(all.length, 20_000);
  for (const n of [1, 5, 999, 7_777, 19_999]) {
    assert.deepEqual(texts(await read(path, { tail: n })), all.slice(-n), `tail ${n}`);
  }
});

test("readLogs of a missing file is empty", async () => {
  assert.deepEqual(await read(join(tmp, "nothing-here.log")), []);
});

test("readLogs follow wakes on appended lines and ends after the abort with a last read", async () => {
  const path = join(tmp, "follow.log");
  writeFileSync(path, "2024-05-01T10:20:30.000000000+00:00 stdout F before\n");
  const ac = new AbortController();
  const seen: string[] = [];
  const done = (async () => {
    for await (const e of readLogs(path, { follow: true, signal: ac.signal })) {
      seen.push(e.data.toString());
      if (seen.length === 1) {
        // later, while the reader sleeps at the end of the file
        setTimeout(() => appendFileSync(path, "2024-05-01T10:20:31.000000000+00:00 stdout F appended\n"), 30);
      }
      if (seen.length === 2) {
        appendFileSync(path, "2024-05-01T10:20:32.000000000+00:00 stderr F written before the exit\n");
        ac.abort();
      }
    }
  })();
  await done;
  assert.deepEqual(seen, ["before\n", "appended\n", "written before the exit\n"]);
});

test("readLogs follow waits for the log to appear and stops when isRunning turns false", async () => {
  const path = join(tmp, "later.log");
  let running = true;
  const result = read(path, { follow: true, isRunning: () => running });
  setTimeout(() => writeFileSync(path, "2024-05-01T10:20:30.000000000+00:00 stdout F late\n"), 50);
  setTimeout(() => {
    running = false;
  }, 400);
  assert.deepEqual(texts(await result), ["stdout:late\n"]);
});

test("readLogs reads the rotated files first, and --tail reaches back into them", async () => {
  const dir = mkdtempSync(join(tmp, "rotated-"));
  const line = (n: number) => `2024-05-01T10:20:${String(n).padStart(2, "0")}.000000000Z stdout F n${n}\n`;
  const lines = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => line(from + i)).join("");
  const log = join(dir, "c-json.log");
  writeFileSync(`${log}.2`, lines(0, 3));
  writeFileSync(`${log}.1`, lines(3, 6));
  writeFileSync(log, lines(6, 8));
  const numbers = (entries: LogEntry[]) => entries.map((e) => e.data.toString().trim()).join(" ");
  assert.equal(numbers(await read(log)), "n0 n1 n2 n3 n4 n5 n6 n7");
  assert.equal(numbers(await read(log, { tail: 4 })), "n4 n5 n6 n7");
  assert.equal(numbers(await read(log, { tail: 2 })), "n6 n7");
  assert.equal(numbers(await read(log, { tail: 100 })), "n0 n1 n2 n3 n4 n5 n6 n7");
  assert.equal(numbers(await read(log, { tail: 0 })), "");
  assert.equal(
    numbers(
      await read(log, { since: new Date("2024-05-01T10:20:02Z"), until: new Date("2024-05-01T10:20:04Z") }),
    ),
    "n2 n3 n4",
  );
});
