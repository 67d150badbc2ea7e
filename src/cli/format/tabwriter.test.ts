import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DOCKER_TABLE_WRITER, TabWriter, type TabWriterOptions, tabwrite } from "./tabwriter.ts";

/**
 * The cases of Go's text/tabwriter test table, as vendored by docker/cli
 * (cli/command/formatter/tabwriter/tabwriter_test.go), less those of the escape and HTML
 * filter features docker never turns on.
 */
const GO_CASES: { name: string; options: TabWriterOptions; src: string; expected: string }[] = [
  {
    name: "1a",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: "." },
    src: "",
    expected: "",
  },
  {
    name: "1a debug",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: ".", debug: true },
    src: "",
    expected: "",
  },
  {
    name: "2",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: "." },
    src: "\n\n\n",
    expected: "\n\n\n",
  },
  {
    name: "3",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: "." },
    src: "a\nb\nc",
    expected: "a\nb\nc",
  },
  {
    name: "4a",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: "." },
    src: "\t",
    expected: "",
  },
  {
    name: "4b",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: ".", alignRight: true },
    src: "\t",
    expected: "",
  },
  {
    name: "5",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: "." },
    src: "*\t*",
    expected: "*.......*",
  },
  {
    name: "5b",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: "." },
    src: "*\t*\n",
    expected: "*.......*\n",
  },
  {
    name: "5c",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: "." },
    src: "*\t*\t",
    expected: "*.......*",
  },
  {
    name: "5c debug",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: ".", debug: true },
    src: "*\t*\t",
    expected: "*.......|*",
  },
  {
    name: "5d",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: ".", alignRight: true },
    src: "*\t*\t",
    expected: ".......**",
  },
  {
    name: "6",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: "." },
    src: "\t\n",
    expected: "........\n",
  },
  {
    name: "7a",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: "." },
    src: "a) foo",
    expected: "a) foo",
  },
  {
    name: "7b",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: " " },
    src: "b) foo\tbar",
    expected: "b) foo  bar",
  },
  {
    name: "7c",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: "." },
    src: "c) foo\tbar\t",
    expected: "c) foo..bar",
  },
  {
    name: "7d",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: "." },
    src: "d) foo\tbar\n",
    expected: "d) foo..bar\n",
  },
  {
    name: "7e",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: "." },
    src: "e) foo\tbar\t\n",
    expected: "e) foo..bar.....\n",
  },
  {
    name: "8",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: "*" },
    src: "Hello, world!\n",
    expected: "Hello, world!\n",
  },
  {
    name: "9a",
    options: { minWidth: 1, tabWidth: 0, padding: 0, padChar: "." },
    src: "1\t2\t3\t4\n11\t222\t3333\t44444\n",
    expected: "1.2..3...4\n11222333344444\n",
  },
  {
    name: "9c",
    options: { minWidth: 1, tabWidth: 0, padding: 0, padChar: "." },
    src: "1\t2\t3\t4\f11\t222\t3333\t44444\n",
    expected: "1234\n11222333344444\n",
  },
  {
    name: "9c debug",
    options: { minWidth: 1, tabWidth: 0, padding: 0, padChar: ".", debug: true },
    src: "1\t2\t3\t4\f11\t222\t3333\t44444\n",
    expected: "1|2|3|4\n---\n11|222|3333|44444\n",
  },
  {
    name: "10a",
    options: { minWidth: 5, tabWidth: 0, padding: 0, padChar: "." },
    src: "1\t2\t3\t4\n",
    expected: "1....2....3....4\n",
  },
  {
    name: "10b",
    options: { minWidth: 5, tabWidth: 0, padding: 0, padChar: "." },
    src: "1\t2\t3\t4\t\n",
    expected: "1....2....3....4....\n",
  },
  {
    name: "11",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: "." },
    src: "本\tb\tc\naa\t本本本\tcccc\tddddd\naaa\tbbbb\n",
    expected: "本......b.......c\naa......本本本..cccc....ddddd\naaa.....bbbb\n",
  },
  {
    name: "12a",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: " ", alignRight: true },
    src: "a\tè\tc\t\naa\tèèè\tcccc\tddddd\t\naaa\tèèèè\t\n",
    expected: "       a       è       c\n      aa     èèè    cccc   ddddd\n     aaa    èèèè\n",
  },
  {
    name: "12b",
    options: { minWidth: 2, tabWidth: 0, padding: 0, padChar: " " },
    src: "a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n",
    expected: "a  b  c\naa bbbcccc\naaabbbb\n",
  },
  {
    name: "12c",
    options: { minWidth: 8, tabWidth: 0, padding: 1, padChar: "_" },
    src: "a\tb\tc\naa\tbbb\tcccc\naaa\tbbbb\n",
    expected: "a_______b_______c\naa______bbb_____cccc\naaa_____bbbb\n",
  },
  {
    name: "13a",
    options: { minWidth: 4, tabWidth: 0, padding: 1, padChar: "-" },
    src: "4444\t日本語\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n",
    expected:
      "4444------日本語-22--1---333\n999999999-22\n7---------22\n------------------88888888\n\n666666-666666-666666----4444\n1------1------999999999-0000000000\n",
  },
  {
    name: "13b",
    options: { minWidth: 4, tabWidth: 0, padding: 3, padChar: "." },
    src: "4444\t333\t22\t1\t333\n999999999\t22\n7\t22\n\t\t\t88888888\n\n666666\t666666\t666666\t4444\n1\t1\t999999999\t0000000000\n",
    expected:
      "4444........333...22...1...333\n999999999...22\n7...........22\n....................88888888\n\n666666...666666...666666......4444\n1........1........999999999...0000000000\n",
  },
  {
    name: "14",
    options: { minWidth: 1, tabWidth: 0, padding: 2, padChar: " ", alignRight: true },
    src: ".0\t.3\t2.4\t-5.1\t\n23.0\t12345678.9\t2.4\t-989.4\t\n5.1\t12.0\t2.4\t-7.0\t\n.0\t0.0\t332.0\t8908.0\t\n.0\t-.3\t456.4\t22.1\t\n.0\t1.2\t44.4\t-13.3\t\t",
    expected:
      "    .0          .3    2.4    -5.1\n  23.0  12345678.9    2.4  -989.4\n   5.1        12.0    2.4    -7.0\n    .0         0.0  332.0  8908.0\n    .0         -.3  456.4    22.1\n    .0         1.2   44.4   -13.3",
  },
  {
    name: "14 debug",
    options: { minWidth: 1, tabWidth: 0, padding: 2, padChar: " ", alignRight: true, debug: true },
    src: ".0\t.3\t2.4\t-5.1\t\n23.0\t12345678.9\t2.4\t-989.4\t\n5.1\t12.0\t2.4\t-7.0\t\n.0\t0.0\t332.0\t8908.0\t\n.0\t-.3\t456.4\t22.1\t\n.0\t1.2\t44.4\t-13.3\t\t",
    expected:
      "    .0|          .3|    2.4|    -5.1|\n  23.0|  12345678.9|    2.4|  -989.4|\n   5.1|        12.0|    2.4|    -7.0|\n    .0|         0.0|  332.0|  8908.0|\n    .0|         -.3|  456.4|    22.1|\n    .0|         1.2|   44.4|   -13.3|",
  },
  {
    name: "15a",
    options: { minWidth: 4, tabWidth: 0, padding: 0, padChar: "." },
    src: "a\t\tb",
    expected: "a.......b",
  },
  {
    name: "15b",
    options: { minWidth: 4, tabWidth: 0, padding: 0, padChar: ".", discardEmptyColumns: true },
    src: "a\t\tb",
    expected: "a.......b",
  },
  {
    name: "15c",
    options: { minWidth: 4, tabWidth: 0, padding: 0, padChar: ".", discardEmptyColumns: true },
    src: "a\u000b\u000bb",
    expected: "a...b",
  },
  {
    name: "15d",
    options: {
      minWidth: 4,
      tabWidth: 0,
      padding: 0,
      padChar: ".",
      alignRight: true,
      discardEmptyColumns: true,
    },
    src: "a\u000b\u000bb",
    expected: "...ab",
  },
  {
    name: "16a",
    options: { minWidth: 100, tabWidth: 100, padding: 0, padChar: "\t" },
    src: "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n",
    expected: "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n",
  },
  {
    name: "16b",
    options: { minWidth: 100, tabWidth: 100, padding: 0, padChar: "\t", discardEmptyColumns: true },
    src: "a\u000bb\u000b\u000bd\na\u000bb\u000b\u000bd\u000be\na\na\u000bb\u000bc\u000bd\na\u000bb\u000bc\u000bd\u000be\n",
    expected: "a\tb\td\na\tb\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n",
  },
  {
    name: "16b debug",
    options: {
      minWidth: 100,
      tabWidth: 100,
      padding: 0,
      padChar: "\t",
      discardEmptyColumns: true,
      debug: true,
    },
    src: "a\u000bb\u000b\u000bd\na\u000bb\u000b\u000bd\u000be\na\na\u000bb\u000bc\u000bd\na\u000bb\u000bc\u000bd\u000be\n",
    expected: "a\t|b\t||d\na\t|b\t||d\t|e\na\na\t|b\t|c\t|d\na\t|b\t|c\t|d\t|e\n",
  },
  {
    name: "16c",
    options: { minWidth: 100, tabWidth: 100, padding: 0, padChar: "\t", discardEmptyColumns: true },
    src: "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n",
    expected: "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n",
  },
  {
    name: "16c debug",
    options: {
      minWidth: 100,
      tabWidth: 100,
      padding: 0,
      padChar: "\t",
      discardEmptyColumns: true,
      debug: true,
    },
    src: "a\tb\t\td\na\tb\t\td\te\na\na\tb\tc\td\na\tb\tc\td\te\n",
    expected: "a\t|b\t|\t|d\na\t|b\t|\t|d\t|e\na\na\t|b\t|c\t|d\na\t|b\t|c\t|d\t|e\n",
  },
];

describe("TabWriter", () => {
  for (const c of GO_CASES) {
    it(`formats Go's case ${JSON.stringify(c.name)} written whole`, () => {
      const w = new TabWriter(c.options);
      w.write(c.src);
      assert.equal(w.flush(), c.expected);
    });
    it(`formats Go's case ${JSON.stringify(c.name)} written one character at a time`, () => {
      const w = new TabWriter(c.options);
      for (const ch of c.src) w.write(ch);
      assert.equal(w.flush(), c.expected);
    });
  }

  it("pads docker's columns to the widest cell plus 3, at least 10, and never pads the last one", () => {
    const out = tabwrite("CONTAINER ID\tIMAGE\tNAMES\nabc\tbusybox:latest\tweb\n");
    assert.equal(out, "CONTAINER ID   IMAGE            NAMES\nabc            busybox:latest   web\n");
  });

  it("keeps a column at the minimum width of 10 when its cells are short", () => {
    assert.equal(tabwrite("A\tB\nx\ty\n"), "A         B\nx         y\n");
  });

  it("measures East Asian wide characters as two columns", () => {
    assert.equal(tabwrite("名前名前名前\tB\nx\ty\n"), "名前名前名前   B\nx              y\n");
  });

  it("realigns the columns after a line without tabs", () => {
    const out = tabwrite("a\tb\nheading\nlonger-cell\tc\n", DOCKER_TABLE_WRITER);
    assert.equal(out, "a         b\nheading\nlonger-cell   c\n");
  });

  it("leaves text after the last newline pending until flush", () => {
    const w = new TabWriter();
    w.write("a\tb\nc\td");
    assert.equal(w.flush(), "a         b\nc         d");
  });

  it("rejects negative sizes as Go's Init does", () => {
    assert.throws(
      () => new TabWriter({ minWidth: -1, tabWidth: 0, padding: 0, padChar: " " }),
      /negative minwidth/,
    );
  });
});
