import assert from "node:assert/strict";
import { PassThrough, Readable } from "node:stream";
import { test } from "node:test";
import { demuxStdcopy, encodeFrame, STDERR, STDIN, STDOUT, StdcopyDecoder, SYSTEMERR } from "./stdcopy.ts";

function collect(stream: PassThrough): () => string {
  const parts: Buffer[] = [];
  stream.on("data", (c: Buffer) => parts.push(c));
  return () => Buffer.concat(parts).toString();
}

test("encodeFrame writes Docker's 8-byte header then the payload", () => {
  const frame = encodeFrame(STDERR, "hi");
  assert.deepEqual([...frame], [2, 0, 0, 0, 0, 0, 0, 2, 0x68, 0x69]);
});

test("StdcopyDecoder splits frames cut at every possible byte boundary", () => {
  const wire = Buffer.concat([
    encodeFrame(STDOUT, "hello "),
    encodeFrame(STDERR, "oops"),
    encodeFrame(STDOUT, "world"),
  ]);
  for (let cut = 0; cut <= wire.length; cut++) {
    const dec = new StdcopyDecoder();
    const pieces = [...dec.push(wire.subarray(0, cut)), ...dec.push(wire.subarray(cut))];
    const out = Buffer.concat(pieces.filter((p) => p.stream === STDOUT).map((p) => p.data)).toString();
    const err = Buffer.concat(pieces.filter((p) => p.stream === STDERR).map((p) => p.data)).toString();
    assert.equal(out, "hello world", `cut at ${cut}`);
    assert.equal(err, "oops");
    assert.ok(dec.atBoundary);
  }
});

test("StdcopyDecoder passes on a frame's payload before the whole frame has arrived", () => {
  const dec = new StdcopyDecoder();
  const frame = encodeFrame(STDOUT, "abcdef");
  const first = dec.push(frame.subarray(0, 10));
  assert.deepEqual(
    first.map((p) => p.data.toString()),
    ["ab"],
  );
  assert.equal(dec.atBoundary, false);
});

test("StdcopyDecoder accepts an empty frame", () => {
  const dec = new StdcopyDecoder();
  assert.deepEqual(dec.push(Buffer.concat([encodeFrame(STDOUT, ""), encodeFrame(STDOUT, "x")])).length, 1);
});

test("StdcopyDecoder rejects a stream byte that is not 0-3", () => {
  assert.throws(
    () => new StdcopyDecoder().push(Buffer.from("hello world")),
    /Unrecognized input header: 104/,
  );
});

test("demuxStdcopy copies stdout and stdin frames to stdout and stderr frames to stderr", async () => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out = collect(stdout);
  const err = collect(stderr);
  const wire = [encodeFrame(STDOUT, "a"), encodeFrame(STDERR, "b"), encodeFrame(STDIN, "c")];
  const n = await demuxStdcopy(Readable.from(wire), stdout, stderr);
  assert.equal(n, 3);
  assert.equal(out(), "ac");
  assert.equal(err(), "b");
});

test("demuxStdcopy ends with the daemon's message on a systemErr frame", async () => {
  const wire = [encodeFrame(STDOUT, "a"), encodeFrame(SYSTEMERR, "exec failed")];
  await assert.rejects(demuxStdcopy(Readable.from(wire), new PassThrough(), null), /exec failed/);
});

test("demuxStdcopy waits for a full destination to drain", async () => {
  const stdout = new PassThrough({ highWaterMark: 4 });
  const big = "x".repeat(64);
  const done = demuxStdcopy(
    Readable.from([encodeFrame(STDOUT, big), encodeFrame(STDOUT, big)]),
    stdout,
    null,
  );
  let got = "";
  stdout.on("data", (c: Buffer) => (got += c.toString()));
  await done;
  assert.equal(got.length, 128);
});
