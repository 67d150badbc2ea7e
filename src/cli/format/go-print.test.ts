import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canBackquote, goQuote, goQuoteRune, goUnquote } from "../../lib/go-quote.ts";
import { formatFloat } from "./go-float.ts";
import { formatGoValue, goSprint, goSprintf, goSprintln, goStruct, goTypeName } from "./go-print.ts";

describe("formatGoValue", () => {
  it("prints scalars as Go's %v does", () => {
    assert.equal(formatGoValue("hi"), "hi");
    assert.equal(formatGoValue(true), "true");
    assert.equal(formatGoValue(42), "42");
    assert.equal(formatGoValue(-3), "-3");
    assert.equal(formatGoValue(1.5), "1.5");
    assert.equal(formatGoValue(0.00001), "1e-05");
    assert.equal(formatGoValue(123456.5), "123456.5");
    assert.equal(formatGoValue(1234567.5), "1.2345675e+06");
    assert.equal(formatGoValue(null), "<nil>");
  });

  it("prints integral numbers as the int64 they are in Docker's structs", () => {
    assert.equal(formatGoValue(1_000_000), "1000000");
    assert.equal(formatGoValue(1e21), "1000000000000000000000");
  });

  it("prints slices and maps with sorted keys and <nil> elements", () => {
    assert.equal(formatGoValue([1, "a", null, [2, 3], { k: "v" }]), "[1 a <nil> [2 3] map[k:v]]");
    assert.equal(formatGoValue({ b: 2, a: 1, "a b": "y" }), "map[a:1 a b:y b:2]");
    assert.equal(formatGoValue({}), "map[]");
    assert.equal(formatGoValue([]), "[]");
  });

  it("prints a struct's fields in order, without its methods", () => {
    assert.equal(formatGoValue(goStruct({ Name: "x", N: 1, M: () => 1 }, "T")), "{x 1}");
  });

  it("names Go types as fmt's %T does", () => {
    assert.deepEqual([1, 1.5, "s", true, [], {}, null].map(goTypeName), [
      "int",
      "float64",
      "string",
      "bool",
      "[]interface {}",
      "map[string]interface {}",
      "<nil>",
    ]);
  });
});

describe("goSprintf", () => {
  const cases: [string, unknown[], string][] = [
    ["%s-%d", ["a", 5], "a-5"],
    ["%5.2f|%-6s|%06.1f", [1.5, "hi", 1.5], " 1.50|hi    |0001.5"],
    ["%x %X %o %b %c %U %q", [255, 255, 8, 5, 65, 65, 65], "ff FF 10 101 A U+0041 'A'"],
    ["%#x %#o %+d % d %05d %-5d|", [255, 8, 5, 5, -42, 7], "0xff 010 +5  5 -0042 7    |"],
    ["%x %X % x %#x", ["hi", "hi", "hi", "hi"], "6869 6869 68 69 0x6869"],
    ["%q %#q %q", ['a"b', "ab", "tab\there"], '"a\\"b" `ab` "tab\\there"'],
    ["%.2s|%5s|%-5s|%05s", ["abc", "ab", "ab", "ab"], "ab|   ab|ab   |000ab"],
    [
      "%e %E %g %G %.3g %.3e",
      [123456.5, 123456.5, 123456.5, 1e-5, 123456.5, 1e-5],
      "1.234565e+05 1.234565E+05 123456.5 1E-05 1.23e+05 1.000e-05",
    ],
    ["%.2f %.0f %.1f %.2f", [2.675, 0.5, 0.25, 1.005], "2.67 0 0.2 1.00"],
    ["%t %v", [true, false], "true false"],
    [
      "%v %d",
      [
        [1, 2],
        [1, 2],
      ],
      "[1 2] [1 2]",
    ],
    ["%s", [[1, "a", null]], "[%!s(int=1) a <nil>]"],
    ["%d %s", ["x"], "%!d(string=x) %!s(MISSING)"],
    ["%s", ["a", "b", 1.5], "a%!(EXTRA string=b, float64=1.5)"],
    ["%z", ["a"], "%!z(string=a)"],
    ["%", [], "%!(NOVERB)"],
    ["%d%%", [5], "5%"],
    ["%s %v %d", [null, null, null], "%!s(<nil>) <nil> %!d(<nil>)"],
    ["%[2]s %[1]s", ["a", "b"], "b a"],
    ["%*d|%-*d|%.*f", [5, 1, 5, 1, 2, 1.23456], "    1|1    |1.23"],
    ["%T %T %T", ["s", 1.5, {}], "string float64 map[string]interface {}"],
    ["%6.2v|%.3v", [1.5, "hello"], "   1.5|hel"],
    ["%8.3f|%-8.3f|%+.1e", [1.23456, 1.23456, 12345.678], "   1.235|1.235   |+1.2e+04"],
  ];
  for (const [format, args, expected] of cases) {
    it(`formats ${JSON.stringify(format)} with ${JSON.stringify(args)} as Go does`, () => {
      assert.equal(goSprintf(format, args), expected);
    });
  }
});

describe("goSprint and goSprintln", () => {
  it("puts spaces only between non-string operands in Sprint", () => {
    assert.equal(goSprint([1, 2, "a", "b", 3, null, [1]]), "1 2ab3 <nil> [1]");
  });

  it("puts spaces between all operands and a newline in Sprintln", () => {
    assert.equal(goSprintln([1, "a", { k: 1 }]), "1 a map[k:1]\n");
  });
});

describe("formatFloat", () => {
  const cases: [number, "e" | "E" | "f" | "g" | "G", number, string][] = [
    [1000000, "g", -1, "1e+06"],
    [123456, "g", -1, "123456"],
    [0.0001, "g", -1, "0.0001"],
    [0.00001, "g", -1, "1e-05"],
    [0, "g", -1, "0"],
    [0, "e", -1, "0e+00"],
    [-2.5, "f", -1, "-2.5"],
    [999.999, "g", 3, "1e+03"],
    [1.125, "g", 3, "1.12"],
    [1.135, "g", 3, "1.14"],
    [2.5, "f", 0, "2"],
    [3.5, "f", 0, "4"],
    [100, "g", 3, "100"],
    [1e100, "g", -1, "1e+100"],
    [5e-324, "g", -1, "5e-324"],
    [Number.NaN, "g", -1, "NaN"],
    [Number.NEGATIVE_INFINITY, "f", 2, "-Inf"],
  ];
  for (const [x, fmt, prec, expected] of cases) {
    it(`formats ${x} with '${fmt}' precision ${prec} as ${expected}`, () =>
      assert.equal(formatFloat(x, fmt, prec), expected));
  }
});

describe("goQuote", () => {
  it("quotes like strconv.Quote, escaping what is not printable", () => {
    assert.equal(goQuote("sh -c 'echo hi'"), `"sh -c 'echo hi'"`);
    assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(goQuote("tab\there\x01\u00a0é\u2028"), '"tab\\there\\x01\\u00a0é\\u2028"');
    assert.equal(goQuote("\x7f\x07\v"), '"\\x7f\\a\\v"');
    assert.equal(goQuote("héllo wörld 你好 🐳"), '"héllo wörld 你好 🐳"');
  });

  it("quotes runes like strconv.QuoteRune", () => {
    assert.equal(goQuoteRune(65), "'A'");
    assert.equal(goQuoteRune(39), "'\\''");
    assert.equal(goQuoteRune(10), "'\\n'");
  });

  it("unquotes Go literals", () => {
    assert.equal(goUnquote('"\\x41\\u00e9\\101\\n"'), "AéA\n");
    assert.equal(goUnquote("`raw\\n`"), "raw\\n");
    assert.equal(goUnquote("'a'"), "a");
    assert.throws(() => goUnquote("'ab'"));
    assert.throws(() => goUnquote('"\\q"'));
  });

  it("tells what can be back-quoted", () => {
    assert.equal(canBackquote("a\tb"), true);
    assert.equal(canBackquote("a`b"), false);
    assert.equal(canBackquote("a\nb"), false);
  });
});
