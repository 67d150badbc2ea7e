import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GoTemplate } from "./go-template.ts";

/**
 * Expectations recorded from Go itself: each template was run by the docker 28.2 CLI
 * (`docker context inspect --format`, whose context metadata holds DATA as JSON-decoded
 * map[string]interface{}), error columns shifted to the bare template. Go decodes JSON numbers
 * as float64 there, so DATA keeps integral numbers small (Go prints float64 1e6 as "1e+06",
 * kapsel prints integral numbers as the int64 they are in Docker's typed structs).
 * One deliberate difference: `json` keeps an object's key order (the daemon's, which follows
 * Docker's struct order) where Go sorts a map's keys.
 */
const DATA = {
  s: "hi",
  n: 1000,
  f: 1.5,
  small: 1e-5,
  g: 123456.5,
  neg: -3,
  zero: 0,
  b: true,
  bf: false,
  nil: null,
  arr: [1, "a", null, [2, 3], { k: "v" }],
  strs: ["x", "y", "z"],
  m: { b: 2, a: 1 },
  empty: {},
  ea: [],
  es: "",
  labels: { "com.x": "1", "a b": "y" },
  u: "héllo wörld",
  Cmd: ["sh", "-c", "echo hi"],
  State: { Status: "running", Running: true, Pid: 42 },
  Ports: { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }], "443/tcp": null },
};

const CASES: [string, string | { error: string }][] = [
  [
    "{{.}}",
    "map[Cmd:[sh -c echo hi] Ports:map[443/tcp:<nil> 80/tcp:[map[HostIp:0.0.0.0 HostPort:8080]]] State:map[Pid:42 Running:true Status:running] arr:[1 a <nil> [2 3] map[k:v]] b:true bf:false ea:[] empty:map[] es: f:1.5 g:123456.5 labels:map[a b:y com.x:1] m:map[a:1 b:2] n:1000 neg:-3 nil:<nil> s:hi small:1e-05 strs:[x y z] u:héllo wörld zero:0]",
  ],
  [
    "{{.s}} {{.nope}} {{.nil}} {{.b}} {{.neg}} {{.f}} {{.small}} {{.g}} {{.zero}}",
    "hi <no value> <no value> true -3 1.5 1e-05 123456.5 0",
  ],
  ["{{.State.Status}}/{{.State.Pid}}/{{.State.Running}}", "running/42/true"],
  [
    "{{.arr}}|{{index .arr 3 1}}|{{len .m}}|{{len .strs}}|{{len .s}}|{{len .u}}",
    "[1 a <nil> [2 3] map[k:v]]|3|2|3|2|13",
  ],
  ["{{.m}} {{.empty}} {{.ea}} {{.labels}}", "map[a:1 b:2] map[] [] map[a b:y com.x:1]"],
  [
    '{{index .labels "com.x"}} {{index .Ports "80/tcp"}} {{index .Ports "nope"}}',
    "1 [map[HostIp:0.0.0.0 HostPort:8080]] <no value>",
  ],
  ['{{(index (index .Ports "80/tcp") 0).HostPort}}', "8080"],
  [
    "{{range $p, $conf := .Ports}}{{$p}} -> {{$conf}};{{end}}",
    "443/tcp -> <no value>;80/tcp -> [map[HostIp:0.0.0.0 HostPort:8080]];",
  ],
  ["{{range .m}}{{.}}{{end}}|{{range $k,$v := .m}}{{$k}}{{$v}}{{end}}", "12|a1b2"],
  ["{{range $i, $e := .arr}}{{$i}}={{$e}};{{end}}", "0=1;1=a;2=<no value>;3=[2 3];4=map[k:v];"],
  [
    "{{range .ea}}x{{else}}empty{{end}}{{range .empty}}x{{else}}empty2{{end}}{{range .nope}}x{{else}}empty3{{end}}",
    "emptyempty2empty3",
  ],
  ["{{range 3}}{{.}}{{end}}", "012"],
  ['{{range $i, $e := .strs}}{{if eq $e "y"}}{{break}}{{end}}{{$e}}{{end}}', "x"],
  ['{{range $i, $e := .strs}}{{if eq $e "y"}}{{continue}}{{end}}{{$e}}{{end}}', "xz"],
  ["{{range $i, $v := .strs}}{{if $i}}, {{end}}{{$v}}{{end}}", "x, y, z"],
  ["{{if .es}}a{{else if .ea}}b{{else if .empty}}c{{else}}d{{end}}", "d"],
  ["{{with .es}}a{{else with .s}}b{{.}}{{end}}", "bhi"],
  ["{{with .nope}}a{{else}}b{{end}}", "b"],
  ["{{with $x := .s}}{{$x}}{{.}}{{end}}", "hihi"],
  ['{{$x := 1}}{{$x}}{{$x = "two"}}{{$x}}', "1two"],
  ["{{if true}}{{$y := 1}}{{$y}}{{end}}", "1"],
  ['{{- "a" -}}  {{"b"}}', "ab"],
  ["{{.s}}{{- /* comment */ -}}   {{.s}}", "hihi"],
  ["{{.s -}}\n\n  {{- .s}}", "hihi"],
  ["a  {{- .s}}", "ahi"],
  ["{{ .s  -}}  y", "hiy"],
  ["{{/* c */}}x", "x"],
  ["{{-3}} {{ -3 }}", "-3 -3"],
  ['{{.s | len}} {{"abc" | printf "%s-%s" "x"}}', "2 x-abc"],
  ['{{"a" | printf "%s%s" "b" | upper}}', "BA"],
  ['{{.s | printf "%s" | len | printf "%03d"}}', "002"],
  [
    '{{printf "%5.2f|%-6s|%06.1f|%x|%X|%q|%v|%T|%T|%T" .f .s .f .s .s .u .arr .s .f .m}}',
    ' 1.50|hi    |0001.5|6869|6869|"héllo wörld"|[1 a <nil> [2 3] map[k:v]]|string|float64|map[string]interface {}',
  ],
  ['{{printf "%d %s" .s}}', "%!d(string=hi) %!s(MISSING)"],
  ['{{printf "%s" .s .s .f}}', "hi%!(EXTRA string=hi, float64=1.5)"],
  ['{{printf "%"}}', "%!(NOVERB)"],
  ['{{printf "%z" .s}}', "%!z(string=hi)"],
  [
    '{{printf "%e %E %g %G %.3g %.3e" .g .g .g .small .g .small}}',
    "1.234565e+05 1.234565E+05 123456.5 1E-05 1.23e+05 1.000e-05",
  ],
  ['{{printf "%+v %#q % x %8.3s|" .s .s .s .u}}', "hi `hi` 68 69      hél|"],
  ['{{printf "%t %v" .b .bf}}', "true false"],
  ['{{printf "%s" .nil}} {{printf "%v" .nil}} {{printf "%d" .nil}}', "%!s(<nil>) <nil> %!d(<nil>)"],
  ['{{printf "%c|%U|%q|%x" 65 65 65 255}}', "A|U+0041|'A'|ff"],
  [
    '{{printf "%08.3f|%+d|% d|%-5d|%5s|%-5s|%.1s" 3.14159 5 5 5 "ab" "ab" "xyz"}}',
    "0003.142|+5| 5|5    |   ab|ab   |x",
  ],
  ['{{printf "%[2]s %[1]s" "a" "b"}}', "b a"],
  ['{{printf "%*d|%-*d|%.*f" 5 1 5 1 2 3.14159}}', "    1|1    |3.14"],
  [
    '{{printf "%v" .empty}} {{printf "%v" .ea}} {{printf "%d" .strs}}',
    "map[] [] [%!d(string=x) %!d(string=y) %!d(string=z)]",
  ],
  ['{{printf "%6.2v|%.3v" .f .s}}', "   1.5|hi"],
  ['{{printf "%.2f %.0f %.1f %.2f" 2.675 0.5 0.25 1.005}}', "2.67 0 0.2 1.00"],
  [
    '{{printf "%.3g|%.3g|%.4g|%.3g|%.3g" 999.999 1.125 1.86 100.0 0.0001234}}',
    "1e+03|1.12|1.86|100|0.000123",
  ],
  ['{{printf "%g %g %e" 1e-5 1e-4 0.0}}', "1e-05 0.0001 0.000000e+00"],
  ['{{print 1 2 "a" "b" 3 .nil .arr}}', "1 2ab3 <nil> [1 a <nil> [2 3] map[k:v]]"],
  ['{{println 1 "a" .m}}', "1 a map[a:1 b:2]\n"],
  [
    "{{json .m}} {{json .s}} {{json .nil}} {{json .arr}} {{json .u}} {{json .labels}}",
    '{"b":2,"a":1} "hi" null [1,"a",null,[2,3],{"k":"v"}] "héllo wörld" {"com.x":"1","a b":"y"}',
  ],
  ['{{split "a,b,c" ","}} {{len (split "a,b" ",")}} {{index (split "a,b" ",") 1}}', "[a b c] 2 b"],
  ['{{split .u ""}}', "[h é l l o   w ö r l d]"],
  [
    '{{upper .s}} {{lower "ABC"}} {{title "hello wOrld foo_bar a-b"}} {{title .u}}',
    "HI abc Hello WOrld Foo_bar A-B Héllo Wörld",
  ],
  ["{{truncate .s 1}}|{{truncate .s 5}}", "h|hi"],
  ["{{pad .s 2 3}}|{{pad .es 2 3}}|", "  hi   ||"],
  [
    '{{eq .s "hi"}} {{eq .s "x" "hi"}} {{ne .s "hi"}} {{lt "a" "b"}} {{ge "a" "b"}} {{eq .nope "x"}} {{eq .nil .nope}}',
    "true true false true false false true",
  ],
  [
    '{{and 1 0 2}} {{and 1 2}} {{or 0 "" "x"}} {{or 0 ""}} {{not .es}} {{not .s}} {{and .nope .s}}',
    "0 2 x  true false <no value>",
  ],
  ["{{if and .s .b}}yes{{else}}no{{end}}", "yes"],
  ["{{if gt (len .strs) 2}}many{{end}}", "many"],
  ['{{if and (eq .s "hi") (not .es)}}ok{{end}}', "ok"],
  ['{{.arr | len | printf "%d items"}}', "5 items"],
  ["{{slice .strs 1 2}} {{slice .s 1}} {{slice .strs}}", "[y] i [x y z]"],
  [
    '{{html "<a href=\'x\'>&</a>"}} {{urlquery "a b&c=d/é"}}',
    "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt; a+b%26c%3Dd%2F%C3%A9",
  ],
  ['{{block "y" .s}}<{{.}}>{{end}}', "<hi>"],
  ["{{.labels.nope}}", "<no value>"],
  [
    '{{.u | printf "%q"}} {{printf "%q" "tab\\there\\x01\\u00a0é"}}',
    '"héllo wörld" "tab\\there\\x01\\u00a0é"',
  ],
  [
    "{{.s.x}}",
    { error: 'template: :1:4: executing "" at <.s.x>: can\'t evaluate field x in type interface {}' },
  ],
  [
    "{{.arr.x}}",
    { error: 'template: :1:6: executing "" at <.arr.x>: can\'t evaluate field x in type interface {}' },
  ],
  [
    "{{.nil.x}}",
    { error: 'template: :1:6: executing "" at <.nil.x>: nil pointer evaluating interface {}.x' },
  ],
  [
    "{{.State.Status.Deep}}",
    {
      error:
        'template: :1:8: executing "" at <.State.Status.Deep>: can\'t evaluate field Deep in type interface {}',
    },
  ],
  ["{{len 3}}", { error: 'template: :1:2: executing "" at <len 3>: error calling len: len of type int' }],
  ["{{upper .nope}}", { error: 'template: :1:8: executing "" at <.nope>: invalid value; expected string' }],
  [
    "{{upper .nil}}",
    {
      error:
        'template: :1:8: executing "" at <.nil>: wrong type for value; expected string; got interface {}',
    },
  ],
  [
    "{{upper .f}}",
    { error: 'template: :1:8: executing "" at <.f>: wrong type for value; expected string; got float64' },
  ],
  ["{{upper 3}}", { error: 'template: :1:8: executing "" at <3>: expected string; found 3' }],
  ['{{truncate .s "x"}}', { error: 'template: :1:14: executing "" at <"x">: expected integer; found "x"' }],
  [
    "{{eq .s 1}}",
    {
      error: 'template: :1:2: executing "" at <eq .s 1>: error calling eq: incompatible types for comparison',
    },
  ],
  [
    "{{lt .b .bf}}",
    { error: 'template: :1:2: executing "" at <lt .b .bf>: error calling lt: invalid type for comparison' },
  ],
  [
    "{{eq}}",
    { error: 'template: :1:2: executing "" at <eq>: wrong number of args for eq: want at least 1 got 0' },
  ],
  [
    "{{index .arr 9}}",
    { error: 'template: :1:2: executing "" at <index .arr 9>: error calling index: index out of range: 9' },
  ],
  [
    '{{index .arr "x"}}',
    {
      error:
        'template: :1:2: executing "" at <index .arr "x">: error calling index: cannot index slice/array with type string',
    },
  ],
  [
    "{{index .m 1}}",
    {
      error:
        'template: :1:2: executing "" at <index .m 1>: error calling index: value has type int; should be string',
    },
  ],
  [
    "{{index .nope 1}}",
    { error: 'template: :1:2: executing "" at <index .nope 1>: error calling index: index of untyped nil' },
  ],
  [
    "{{index .nil 1}}",
    { error: 'template: :1:2: executing "" at <index .nil 1>: error calling index: index of untyped nil' },
  ],
  [
    "{{slice .strs 2 1}}",
    {
      error:
        'template: :1:2: executing "" at <slice .strs 2 1>: error calling slice: invalid slice index: 2 > 1',
    },
  ],
  ["{{1 .s}}", { error: 'template: :1:2: executing "" at <1>: can\'t give argument to non-function 1' }],
  ["{{.s 1}}", { error: 'template: :1:2: executing "" at <.s>: s is not a method but has arguments' }],
  ["{{nil}}", { error: 'template: :1:2: executing "" at <nil>: nil is not a command' }],
  ["{{range .s}}x{{end}}", { error: 'template: :1:8: executing "" at <.s>: range can\'t iterate over hi' }],
  [
    '{{template "x" .}}',
    { error: 'template: :1:11: executing "" at <{{template "x" .}}>: template "x" not defined' },
  ],
  [
    "{{call .s}}",
    {
      error: 'template: :1:2: executing "" at <call .s>: error calling call: non-function .s of type string',
    },
  ],
  ["{{ne .s}}", { error: 'template: :1:2: executing "" at <ne>: wrong number of args for ne: want 2 got 1' }],
  [
    '{{lt 1 "a"}}',
    {
      error:
        'template: :1:2: executing "" at <lt 1 "a">: error calling lt: incompatible types for comparison',
    },
  ],
  ["{{if}}{{end}}", { error: "template: :1: missing value for if" }],
  ["{{range $a, $b, $c := .}}{{end}}", { error: "template: :1: too many declarations in range" }],
  ["{{range $a, 1}}{{end}}", { error: "template: :1: range can only initialize variables" }],
  ['{{.A | "x"}}', { error: "template: :1: non executable command in pipeline stage 2" }],
  ["{{$x}}", { error: 'template: :1: undefined variable "$x"' }],
  ['{{"abc}}', { error: "template: :1: unterminated quoted string" }],
  ["{{(.A}}", { error: "template: :1: unclosed left paren" }],
  ["{{.A)}}", { error: "template: :1: unexpected right paren" }],
  ["{{.A.}}", { error: "template: :1: unexpected <.> in operand" }],
  ["{{/* x */ .A}}", { error: "template: :1: comment ends before closing delimiter" }],
  ["{{/* unclosed", { error: "template: :1: unclosed comment" }],
  ["{{3x}}", { error: 'template: :1: bad number syntax: "3x"' }],
  ["{{foo}}", { error: 'template: :1: function "foo" not defined' }],
  ["{{end}}", { error: "template: :1: unexpected {{end}}" }],
  ["{{if .s}}", { error: "template: :1: unexpected EOF" }],
  ["{{break}}", { error: "template: :1: {{break}} outside {{range}}" }],
  ['{{"a".b}}', { error: 'template: :1: unexpected . after term "\\"a\\""' }],
  ["{{.s}}\n{{if .s}}\n{{end}", { error: "template: :3: bad character U+007D '}'" }],
  ["{{.s}}\n{{.s\n| len}}", "hi\n2"],
  ["{{if .s}}x{{else}}y{{else}}z{{end}}", { error: "template: :1: expected end; found {{else}}" }],
  ["{{range .s}}{{else if .s}}{{end}}", { error: "template: :1: unexpected <if> in input" }],
  ["{{.s | }}", "hi"],
  ["{{| .s}}", { error: 'template: :1: unexpected "|" in command' }],
  ["{{:=}}", { error: 'template: :1: unexpected ":=" in command' }],
  ["{{$x := }}", { error: "template: :1: missing value for command" }],
  ["{{if true}}{{$y := 1}}{{end}}{{$y}}", { error: 'template: :1: undefined variable "$y"' }],
  ["{{template}}", { error: 'template: :1: unexpected "}}" in template clause' }],
  [
    "{{printf}}",
    {
      error:
        'template: :1:2: executing "" at <printf>: wrong number of args for printf: want at least 1 got 0',
    },
  ],
  [
    "{{index}}",
    {
      error: 'template: :1:2: executing "" at <index>: wrong number of args for index: want at least 1 got 0',
    },
  ],
  [
    "{{not 1 2}}",
    { error: 'template: :1:2: executing "" at <not>: wrong number of args for not: want 1 got 2' },
  ],
  ["{{.s-}}", { error: "template: :1: bad character U+002D '-'" }],
  ["{{0x}}", { error: 'template: :1: illegal number syntax: "0x"' }],
  ["{{99999999999999999999}}", { error: 'template: :1: integer overflow: "99999999999999999999"' }],
];

describe("GoTemplate against Go's text/template", () => {
  for (const [text, expected] of CASES) {
    it(`${JSON.stringify(text)} gives what Go gives`, () => {
      const run = () => GoTemplate.parse(text).execute(DATA);
      if (typeof expected === "string") assert.equal(run(), expected);
      else
        assert.throws(run, (err: Error) => {
          assert.equal(err.message, expected.error);
          return true;
        });
    });
  }
});
