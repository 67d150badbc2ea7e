import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { omitEmpty } from "../go-json.ts";
import { goStruct, goTypedStruct } from "../go-print.ts";
import { HEADER_FUNCS } from "./funcs.ts";
import { GoTemplate } from "./go-template.ts";
import { TemplateError } from "./template-error.ts";

const run = (text: string, data: unknown, options = {}) => GoTemplate.parse(text, options).execute(data);

const INSPECT = {
  Id: "0123456789abcdef",
  Name: "/web",
  State: { Status: "running", Running: true, Pid: 4242, ExitCode: 0 },
  Config: {
    Cmd: ["sh", "-c", "echo hi"],
    Labels: { "com.example.app": "web", version: "1" },
    ExposedPorts: { "80/tcp": {} },
  },
  NetworkSettings: {
    Ports: { "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }], "443/tcp": null },
    Networks: { bridge: { IPAddress: "172.17.0.2" } },
  },
  Mounts: [
    { Type: "volume", Name: "data", Destination: "/data" },
    { Type: "bind", Source: "/host", Destination: "/mnt" },
  ],
  SizeRw: 1234,
};

describe("GoTemplate on docker inspect data", () => {
  it("reads nested fields", () => {
    assert.equal(run("{{.State.Status}} {{.State.Pid}} {{.Name}}", INSPECT), "running 4242 /web");
  });

  it("indexes maps with keys that are not identifiers", () => {
    assert.equal(run('{{index .Config.Labels "com.example.app"}}', INSPECT), "web");
    assert.equal(run('{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}', INSPECT), "8080");
  });

  it("gives an empty string for a missing key of a string map, as Docker's typed labels do", () => {
    assert.equal(run('[{{index .Config.Labels "nope"}}]', INSPECT), "[]");
    assert.equal(run('[{{index .NetworkSettings.Ports "nope"}}]', INSPECT), "[<no value>]");
  });

  it("ranges over slices and over maps by sorted key", () => {
    assert.equal(run("{{range .Mounts}}{{.Destination}} {{end}}", INSPECT), "/data /mnt ");
    assert.equal(
      run("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}", INSPECT),
      "com.example.app=web;version=1;",
    );
    assert.equal(
      run("{{range $net, $conf := .NetworkSettings.Networks}}{{$net}} {{$conf.IPAddress}}{{end}}", INSPECT),
      "bridge 172.17.0.2",
    );
  });

  it("prints JSON of a sub-object in the daemon's key order", () => {
    assert.equal(
      run("{{json .State}}", INSPECT),
      '{"Status":"running","Running":true,"Pid":4242,"ExitCode":0}',
    );
    assert.equal(run("{{json .Config.Cmd}}", INSPECT), '["sh","-c","echo hi"]');
  });

  it("does not escape HTML characters in JSON, as docker's encoder does not", () => {
    assert.equal(run("{{json .}}", { a: "<&>" }), '{"a":"<&>"}');
  });

  it("joins string slices, and slices of anything, with a separator", () => {
    assert.equal(run('{{join .Config.Cmd " "}}', INSPECT), "sh -c echo hi");
    assert.equal(run('{{join . ","}}', [1, "a", true]), "1,a,true");
    assert.equal(run('{{join .Config.Labels ","}}', INSPECT), "1,web");
  });

  it("prints integral numbers as integers", () => {
    assert.equal(run('{{.SizeRw}} {{printf "%d" .SizeRw}}', INSPECT), "1234 1234");
    assert.equal(run("{{.n}}", { n: 1_000_000 }), "1000000");
  });

  it("compares numbers of the API with integer literals", () => {
    assert.equal(run("{{if eq .State.Pid 4242}}yes{{end}}", INSPECT), "yes");
    assert.equal(run("{{if gt .State.Pid 0}}up{{end}}", INSPECT), "up");
  });

  it("prints <no value> for a missing field by default", () => {
    assert.equal(run("{{.Nope}}", INSPECT), "<no value>");
    assert.equal(run("{{.Nope.Deeper}}", INSPECT), "<no value>");
  });

  it("fails on a missing key with missingKey error, as docker inspect's raw fallback does", () => {
    assert.throws(() => run("{{.Nope}}", INSPECT, { missingKey: "error" }), {
      message: 'template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"',
    });
    assert.throws(() => run("{{.State.Nope.X}}", INSPECT, { missingKey: "error" }), {
      message: 'template: :1:8: executing "" at <.State.Nope.X>: map has no entry for key "Nope"',
    });
  });

  it("gives the zero value for a missing key with missingKey zero", () => {
    assert.equal(run("[{{.Config.Labels.nope}}]", INSPECT, { missingKey: "zero" }), "[]");
    assert.equal(run("[{{.State.Nope}}]", INSPECT, { missingKey: "zero" }), "[<no value>]");
  });

  it("switches missingKey on a parsed template", () => {
    const t = GoTemplate.parse("{{.Nope}}");
    assert.equal(t.execute({}), "<no value>");
    assert.throws(() => t.withMissingKey("error").execute({}), TemplateError);
  });
});

describe("GoTemplate on Go structs (docker's formatter contexts)", () => {
  const row = goStruct(
    {
      ID: "abc",
      Names: "web",
      Label: (name: string) => (name === "a" ? "1" : ""),
      Upper: () => "UP",
    },
    "*formatter.ContainerContext",
  );

  it("calls methods, with arguments", () => {
    assert.equal(run('{{.Label "a"}}|{{.Label "b"}}|{{.Upper}}', row), "1||UP");
    assert.equal(run('{{"a" | .Label}}', row), "1");
  });

  it("fails on an unknown field naming the struct type", () => {
    assert.throws(() => run("{{.Nope}}", row), {
      message:
        'template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext',
    });
  });

  it("fails on arguments given to a field", () => {
    assert.throws(() => run('{{.ID "x"}}', row), {
      message: 'template: :1:2: executing "" at <.ID>: ID has arguments but cannot be invoked as function',
    });
  });

  it("rejects arguments to a map entry", () => {
    assert.throws(() => run('{{.ID "x"}}', { ID: "a" }), {
      message: 'template: :1:2: executing "" at <.ID>: ID is not a method but has arguments',
    });
  });

  it("reports an error thrown by a method as Go reports a failed call", () => {
    const failing = goStruct(
      {
        Boom: () => {
          throw new Error("kaput");
        },
      },
      "T",
    );
    assert.throws(() => run("{{.Boom}}", failing), {
      message: 'template: :1:2: executing "" at <.Boom>: error calling Boom: kaput',
    });
  });

  it("never reaches Object.prototype through a field name", () => {
    assert.equal(run("{{.constructor}}", {}), "<no value>");
    assert.equal(run("{{.toString}}", { a: 1 }), "<no value>");
  });
});

describe("GoTemplate control flow", () => {
  it("defines and runs named templates, with block defaults", () => {
    assert.equal(
      run('{{define "item"}}[{{.}}]{{end}}{{range .}}{{template "item" .}}{{end}}', ["a", "b"]),
      "[a][b]",
    );
    assert.equal(run('{{block "x" .}}<{{.}}>{{end}}', "v"), "<v>");
    assert.equal(GoTemplate.parse('{{define "t"}}T{{.}}{{end}}').execute("x", "t"), "Tx");
  });

  it("rejects two definitions of one template", () => {
    assert.throws(() => GoTemplate.parse('{{define "a"}}x{{end}}{{define "a"}}y{{end}}'), {
      message: 'template: :1: template: multiple definition of template "a"',
    });
  });

  it("gives templates no access to the caller's variables", () => {
    assert.throws(() => GoTemplate.parse('{{$x := 1}}{{define "t"}}{{$x}}{{end}}'), {
      message: 'template: :1: undefined variable "$x"',
    });
  });

  it("keeps declared variables until the enclosing end, and assigns with =", () => {
    assert.equal(run("{{$n := 0}}{{range .}}{{$n = .}}{{end}}{{$n}}", [1, 2, 3]), "3");
    assert.equal(run("{{with $x := .a}}{{$x}}{{end}}", { a: "v" }), "v");
    assert.throws(() => GoTemplate.parse("{{if true}}{{$y := 1}}{{end}}{{$y}}"), {
      message: 'template: :1: undefined variable "$y"',
    });
  });

  it("reads $ as the data at any depth", () => {
    assert.equal(
      run("{{range .items}}{{$.prefix}}{{.}} {{end}}", { prefix: "-", items: ["a", "b"] }),
      "-a -b ",
    );
  });

  it("stops and skips range iterations with break and continue", () => {
    assert.equal(run("{{range .}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}", [1, 2, 3, 4]), "12");
    assert.equal(run("{{range .}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}", [1, 2, 3]), "13");
    assert.equal(run("{{range 5}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}", null), "01");
  });

  it("short-circuits and/or, evaluating no argument after the deciding one", () => {
    assert.equal(run("{{and .a (index .a 5)}}", { a: null }), "<no value>");
    assert.equal(run("{{or .a (index .b 5)}}", { a: "x", b: null }), "x");
    assert.equal(run("{{if or .Missing .b}}y{{end}}", { b: true }), "y");
  });

  it("chains else if and else with", () => {
    const t = GoTemplate.parse("{{if eq . 1}}one{{else if eq . 2}}two{{else}}many{{end}}");
    assert.deepEqual(
      [1, 2, 3].map((n) => t.execute(n)),
      ["one", "two", "many"],
    );
    assert.equal(run("{{with .a}}A{{else with .b}}B{{.}}{{else}}none{{end}}", { b: "x" }), "Bx");
  });

  it("trims whitespace around trim markers, newlines included", () => {
    assert.equal(run("a  \n {{- .x -}} \n\t b", { x: "X" }), "aXb");
    assert.equal(run("{{- /* a comment */ -}}\n  {{.x}}", { x: "X" }), "X");
  });

  it("reads actions spread over several lines", () => {
    assert.equal(run('{{printf "%d-%d"\n  .a\n  .b}}', { a: 1, b: 2 }), "1-2");
  });

  it("prints a newline with println", () => {
    assert.equal(run("{{println .a}}", { a: "x" }), "x\n");
  });
});

describe("GoTemplate errors", () => {
  it("locates an execution error by line and byte column", () => {
    assert.throws(() => run("line one\n  {{.a.b}}", { a: "s" }), {
      message: 'template: :2:6: executing "" at <.a.b>: can\'t evaluate field b in type interface {}',
    });
    assert.throws(() => run("héllo {{.a.b}}", { a: "s" }), {
      message: 'template: :1:11: executing "" at <.a.b>: can\'t evaluate field b in type interface {}',
    });
  });

  it("names the template in errors when given a name", () => {
    assert.throws(() => GoTemplate.parse("{{foo}}", { name: "version" }), {
      message: 'template: version:1: function "foo" not defined',
    });
  });

  it("reports an unclosed action on a later line with where it started", () => {
    assert.throws(() => GoTemplate.parse("{{if .a\n\n"), {
      message: "template: :3: unclosed action started at :1",
    });
  });

  it("throws TemplateError, a KapselError of kind invalid", () => {
    try {
      GoTemplate.parse("{{");
      assert.fail("no error");
    } catch (err) {
      assert.ok(err instanceof TemplateError);
      assert.equal(err.kind, "invalid");
      assert.equal(err.message, "template: :1: unclosed action");
    }
  });

  it("checks argument types as Go's reflection does", () => {
    assert.throws(() => run("{{upper .n}}", { n: 1 }), {
      message: 'template: :1:8: executing "" at <.n>: wrong type for value; expected string; got int',
    });
    assert.throws(() => run("{{pad .s 1.5 1}}", { s: "x" }), {
      message: 'template: :1:9: executing "" at <1.5>: expected integer; found 1.5',
    });
    assert.throws(() => run("{{index}}", {}), {
      message:
        'template: :1:2: executing "" at <index>: wrong number of args for index: want at least 1 got 0',
    });
  });
});

describe("GoTemplate functions", () => {
  it("adds caller functions, plain or typed", () => {
    const t = GoTemplate.parse('{{twice .x}} {{greet "bob"}}', {
      funcs: {
        twice: (s: string) => s + s,
        greet: { params: ["string"], fn: ((n: string) => `hi ${n}`) as never },
      },
    });
    assert.equal(t.execute({ x: "ab" }), "abab hi bob");
  });

  it("replaces functions by name on a parsed template, as docker's header rendering does", () => {
    const t = GoTemplate.parse("{{upper .Names}}|{{json .Image}}|{{pad .Ports 1 1}}").withFuncs(HEADER_FUNCS);
    assert.equal(t.execute({ Names: "NAMES", Image: "IMAGE", Ports: "PORTS" }), "NAMES|IMAGE| PORTS ");
  });

  it("implements docker's string helpers", () => {
    assert.equal(run('{{split . ","}}', "a,b,c"), "[a b c]");
    assert.equal(
      run("{{upper .}} {{lower .}} {{title .}}", "héllo wörld"),
      "HÉLLO WÖRLD héllo wörld Héllo Wörld",
    );
    assert.equal(run("{{truncate . 5}}|{{truncate . 50}}", "0123456789"), "01234|0123456789");
    assert.equal(run('{{pad "x" 1 2}}|{{pad "" 1 2}}|', null), " x  ||");
  });

  it("escapes for HTML, JavaScript and URL queries", () => {
    assert.equal(run(`{{html "<a href='x'>&</a>"}}`, null), "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
    assert.equal(run(`{{js "it's <b>"}}`, null), "it\\'s \\u003Cb\\u003E");
    assert.equal(run('{{urlquery "a b&c=d/é"}}', null), "a+b%26c%3Dd%2F%C3%A9");
  });

  it("measures len in bytes for strings, as Go does", () => {
    assert.equal(run("{{len .}}", "héllo"), "6");
  });

  it("slices strings and slices", () => {
    assert.equal(run("{{slice . 1 3}}", "abcd"), "bc");
    assert.equal(run("{{slice . 1}}", ["a", "b", "c"]), "[b c]");
  });

  it("calls a function value with call", () => {
    assert.equal(run("{{call .f 2}}", { f: (n: number) => n * 21 }), "42");
    assert.throws(() => run("{{call .s}}", { s: "x" }), {
      message:
        'template: :1:2: executing "" at <call .s>: error calling call: non-function .s of type string',
    });
  });
});

describe("typed Go structs and failures", () => {
  it("reads Go field names and marshals by the struct's json tags, without HTML escaping", () => {
    const v = goTypedStruct({ APIVersion: "1.50", Note: "<b>" }, "*types.Version", () => ({
      ApiVersion: "1.50",
      Note: "<b>",
    }));
    assert.equal(run("{{.APIVersion}} {{json .}}", v), '1.50 {"ApiVersion":"1.50","Note":"<b>"}');
    assert.throws(() => run("{{.ApiVersion}}", v), /can't evaluate field ApiVersion in type \*types.Version/);
    assert.deepEqual(omitEmpty({ a: "", b: 0, c: false, d: [], e: {}, f: null, g: "x" }), { g: "x" });
  });

  it("keeps what a failing template wrote before it failed", () => {
    try {
      run("a {{.X}} b {{.Nope}} c", goStruct({ X: 1 }, "T"));
      assert.fail("no error");
    } catch (err) {
      assert.ok(err instanceof TemplateError);
      assert.equal(err.output, "a 1 b ");
    }
  });
});
