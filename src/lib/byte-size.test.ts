import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromHumanSize, memorySwapBytes, ramInBytes } from "./byte-size.ts";

const KB = 1000;
const MB = 1000 * KB;
const KiB = 1024;
const MiB = 1024 * KiB;

describe("fromHumanSize (go-units size_test.go)", () => {
  const ok: [string, number][] = [
    ["0", 0],
    ["0b", 0],
    ["0B", 0],
    ["0 B", 0],
    ["32", 32],
    ["32b", 32],
    ["32k", 32 * KB],
    ["32K", 32 * KB],
    ["32kb", 32 * KB],
    ["32Kb", 32 * KB],
    ["32Mb", 32 * MB],
    ["32Gb", 32e9],
    ["32Tb", 32e12],
    ["32Pb", 32e15],
    ["32.5kB", 32.5 * KB],
    ["32.5 kB", 32.5 * KB],
    ["32.5 B", 32],
    ["0.3 K", 300],
    [".3kB", 300],
    ["0.", 0],
    ["0. ", 0],
    ["0.b", 0],
    ["-0", 0],
    ["-0 B", 0],
    ["32.", 32],
    ["32. b", 32],
    ["0 ", 0],
  ];
  for (const [s, n] of ok) it(`reads ${JSON.stringify(s)} as ${n}`, () => assert.equal(fromHumanSize(s), n));

  const bad = [
    " 0",
    " 0b",
    "0b ",
    "0 B ",
    "",
    "hello",
    ".",
    ". ",
    " ",
    "-32",
    "-32b",
    "-32 B",
    "32b.",
    "32 bb",
    "32 b b",
    "32  b",
    " 32 ",
    "32m b",
    "32bm",
  ];
  for (const s of bad) it(`rejects ${JSON.stringify(s)}`, () => assert.throws(() => fromHumanSize(s)));
});

describe("ramInBytes (docker's -m, --memory)", () => {
  const ok: [string, number][] = [
    ["32", 32],
    ["32b", 32],
    ["32k", 32 * KiB],
    ["32Kib", 32 * KiB],
    ["32KIB", 32 * KiB],
    ["32Mb", 32 * MiB],
    ["512m", 512 * MiB],
    ["1g", 2 ** 30],
    ["32PB", 32 * 2 ** 50],
    ["32.3", 32],
    ["32.3 mb", Math.trunc(32.3 * MiB)],
    ["0.3MB", Math.trunc(0.3 * MiB)],
  ];
  for (const [s, n] of ok) it(`reads ${JSON.stringify(s)} as ${n}`, () => assert.equal(ramInBytes(s), n));

  it("words its errors as go-units does", () => {
    assert.throws(() => ramInBytes("hello"), { message: "invalid size: 'hello'" });
    assert.throws(() => ramInBytes("-32"), { message: "invalid size: '-32'" });
    assert.throws(() => ramInBytes("5x"), { message: "invalid suffix: 'x'" });
    assert.throws(() => ramInBytes("32bm"), { message: "invalid suffix: 'bm'" });
    assert.throws(() => ramInBytes(""), { message: "invalid size: ''" });
  });

  it("takes -1 as unlimited swap", () => {
    assert.equal(memorySwapBytes("-1"), -1);
    assert.equal(memorySwapBytes("1g"), 2 ** 30);
  });
});
