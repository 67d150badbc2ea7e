import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FlagError } from "./flag-error.ts";
import type { FlagSpec } from "./flag-spec.ts";
import { validateEnv } from "./key-value.ts";
import { parseArgs } from "./parse-args.ts";

const RUN: FlagSpec[] = [
  { name: "detach", short: "d", type: "bool", description: "Run container in background" },
  { name: "interactive", short: "i", type: "bool", description: "Keep STDIN open" },
  { name: "tty", short: "t", type: "bool", description: "Allocate a pseudo-TTY" },
  { name: "rm", type: "bool", description: "Remove when it exits" },
  { name: "name", type: "string", description: "Assign a name" },
  { name: "env", short: "e", type: "list", description: "Set environment variables" },
  { name: "publish", short: "p", type: "list", description: "Publish ports" },
  { name: "hostname", short: "h", type: "string", description: "Container host name" },
  { name: "help", type: "bool", description: "Print usage" },
  { name: "memory", short: "m", type: "bytes", description: "Memory limit" },
  { name: "health-interval", type: "duration", description: "Time between checks" },
  { name: "sysctl", type: "map", description: "Sysctl options" },
  { name: "stop-timeout", type: "int", description: "Timeout" },
  { name: "restart", type: "string", default: "no", description: "Restart policy" },
];

const PS: FlagSpec[] = [
  { name: "all", short: "a", type: "bool", description: "Show all containers" },
  { name: "last", short: "n", type: "int", default: -1, description: "Show n last created containers" },
  { name: "quiet", short: "q", type: "bool", description: "Only display container IDs" },
  { name: "filter", short: "f", type: "stringArray", description: "Filter output", typeName: "filter" },
  { name: "format", type: "string", description: "Format output" },
];

const run = (...argv: string[]) => parseArgs(argv, RUN, { interspersed: false });
const ps = (...argv: string[]) => parseArgs(argv, PS);
const fails = (f: () => unknown, message: string) =>
  assert.throws(f, (err: unknown) => {
    assert.ok(err instanceof FlagError);
    assert.equal(err.message, message);
    assert.equal(err.status, 125);
    return true;
  });

describe("parseArgs: pflag's grammar", () => {
  it("reads long flags with a separate or an attached value", () => {
    assert.equal(run("--name", "web", "img").flags.name, "web");
    assert.equal(run("--name=web", "img").flags.name, "web");
    assert.equal(run("--name=", "img").flags.name, "");
    assert.equal(run("--name=a=b", "img").flags.name, "a=b");
  });

  it("reads shorthands with a separate, attached or = value", () => {
    assert.deepEqual(run("-e", "A=1", "img").flags.env, ["A=1"]);
    assert.deepEqual(run("-eA=1", "img").flags.env, ["A=1"]);
    assert.deepEqual(run("-e=A=1", "img").flags.env, ["A=1"]);
  });

  it("takes `-n=` as the value '=' and `--last=` as an empty value, as pflag does", () => {
    fails(
      () => ps("-n="),
      'invalid argument "=" for "-n, --last" flag: strconv.ParseInt: parsing "=": invalid syntax',
    );
    fails(
      () => ps("--last="),
      'invalid argument "" for "-n, --last" flag: strconv.ParseInt: parsing "": invalid syntax',
    );
  });

  it("sets clustered booleans", () => {
    const { flags } = run("-itd", "img");
    assert.equal(flags.interactive, true);
    assert.equal(flags.tty, true);
    assert.equal(flags.detach, true);
  });

  it("ends a cluster at a flag that takes a value, which takes the rest or the next word", () => {
    assert.deepEqual(run("-dp", "80:80", "img").flags.publish, ["80:80"]);
    assert.deepEqual(run("-dp80:80", "img").flags.publish, ["80:80"]);
    assert.deepEqual(run("-itp=8080:80", "img").flags.publish, ["8080:80"]);
    assert.deepEqual(run("-ep", "img").flags.env, ["p"]);
  });

  it("accepts Go's boolean spellings after =", () => {
    assert.equal(run("--rm=false", "img").flags.rm, false);
    assert.equal(run("--rm=1", "img").flags.rm, true);
    assert.equal(run("-d=T", "img").flags.detach, true);
    fails(
      () => ps("--all=maybe"),
      'invalid argument "maybe" for "-a, --all" flag: strconv.ParseBool: parsing "maybe": invalid syntax',
    );
  });

  it("never takes a boolean's value from the next word", () => {
    const r = run("--rm", "false");
    assert.equal(r.flags.rm, true);
    assert.deepEqual(r.args, ["false"]);
  });

  it("accumulates repeated list flags", () => {
    assert.deepEqual(run("-e", "A", "-e", "B=2", "--env=C=3", "img").flags.env, ["A", "B=2", "C=3"]);
  });

  it("replaces a stringArray default on first use, as pflag does, then appends", () => {
    const specs: FlagSpec[] = [{ name: "f", type: "stringArray", default: ["x"], description: "" }];
    assert.deepEqual(parseArgs([], specs).flags.f, ["x"]);
    assert.deepEqual(parseArgs(["--f", "a", "--f", "b"], specs).flags.f, ["a", "b"]);
  });

  it("collects map flags as KEY=VALUE pairs", () => {
    assert.deepEqual(
      run("--sysctl", "net.a=1", "--sysctl", "net.b", "--sysctl=net.a=2", "img").flags.sysctl,
      {
        "net.a": "2",
        "net.b": "",
      },
    );
  });

  it("parses ints as strconv.ParseInt with base 0", () => {
    assert.equal(ps("-n", "0x10").flags.last, 16);
    assert.equal(ps("-n", "-1").flags.last, -1);
    assert.equal(ps("--last=017").flags.last, 15);
    assert.equal(ps("-n3").flags.last, 3);
    fails(
      () => ps("--last", "x"),
      'invalid argument "x" for "-n, --last" flag: strconv.ParseInt: parsing "x": invalid syntax',
    );
    fails(
      () => ps("-n", "99999999999999999999"),
      'invalid argument "99999999999999999999" for "-n, --last" flag: strconv.ParseInt: parsing "99999999999999999999": value out of range',
    );
    fails(
      () => ps("-an3x"),
      'invalid argument "3x" for "-n, --last" flag: strconv.ParseInt: parsing "3x": invalid syntax',
    );
  });

  it("parses durations and memory sizes", () => {
    assert.equal(run("--health-interval", "1m30s", "img").flags["health-interval"], 90e9);
    assert.equal(run("-m", "512m", "img").flags.memory, 512 * 2 ** 20);
    fails(
      () => run("--health-interval", "5"),
      'invalid argument "5" for "--health-interval" flag: time: missing unit in duration "5"',
    );
    fails(
      () => run("--health-interval", "x"),
      'invalid argument "x" for "--health-interval" flag: time: invalid duration "x"',
    );
    fails(() => run("-m", "5x"), `invalid argument "5x" for "-m, --memory" flag: invalid suffix: 'x'`);
  });

  it("fills defaults, and records which flags were given", () => {
    const r = ps("-a");
    assert.equal(r.flags.last, -1);
    assert.equal(r.flags.quiet, false);
    assert.deepEqual(r.flags.filter, []);
    assert.equal(r.flags.format, "");
    assert.deepEqual([...r.changed], ["all"]);
    assert.equal(run("img").flags.restart, "no");
  });

  it("runs a flag's validator on each value", () => {
    const specs: FlagSpec[] = [
      {
        name: "env",
        short: "e",
        type: "list",
        description: "",
        validate: (v) => validateEnv(v, (k) => (k === "HOME" ? "/root" : undefined)),
      },
    ];
    assert.deepEqual(parseArgs(["-e", "HOME", "-e", "NOPE", "-e", "A=1"], specs).flags.env, [
      "HOME=/root",
      "NOPE",
      "A=1",
    ]);
    fails(
      () => parseArgs(["-e", "=x"], specs),
      'invalid argument "=x" for "-e, --env" flag: invalid environment variable: =x',
    );
  });
});

describe("parseArgs: positional arguments", () => {
  it("ends flags at the first argument when not interspersed, as docker run does", () => {
    const r = run("--rm", "busybox", "ls", "-la", "--rm");
    assert.deepEqual(r.args, ["busybox", "ls", "-la", "--rm"]);
    assert.equal(r.flags.rm, true);
  });

  it("mixes flags and arguments when interspersed", () => {
    const r = ps("x", "-a", "y", "-q");
    assert.deepEqual(r.args, ["x", "y"]);
    assert.equal(r.flags.all, true);
    assert.equal(r.flags.quiet, true);
  });

  it("ends flags at --, which is dropped", () => {
    assert.deepEqual(ps("-a", "--", "-q", "--x").args, ["-q", "--x"]);
    assert.equal(ps("-a", "--", "-q").flags.quiet, false);
    assert.deepEqual(run("--", "img", "--rm").args, ["img", "--rm"]);
  });

  it("takes a lone dash as an argument", () => {
    assert.deepEqual(ps("-", "-a").args, ["-"]);
  });

  it("takes a value that looks like a flag after a flag needing one", () => {
    assert.equal(run("--name", "--rm", "img").flags.name, "--rm");
    assert.deepEqual(ps("--filter", "-a").flags.filter, ["-a"]);
  });
});

describe("parseArgs: errors in pflag's words", () => {
  it("rejects unknown long flags", () => {
    fails(() => run("--foo"), "unknown flag: --foo");
    fails(() => run("--foo=bar"), "unknown flag: --foo");
  });

  it("rejects unknown shorthands naming what is left of the cluster", () => {
    fails(() => run("-z"), "unknown shorthand flag: 'z' in -z");
    fails(() => ps("-az"), "unknown shorthand flag: 'z' in -z");
    fails(() => ps("-aqz"), "unknown shorthand flag: 'z' in -z");
    fails(() => ps("-za"), "unknown shorthand flag: 'z' in -za");
  });

  it("asks for a missing value", () => {
    fails(() => ps("--filter"), "flag needs an argument: --filter");
    fails(() => run("-e"), "flag needs an argument: 'e' in -e");
    fails(() => ps("-af"), "flag needs an argument: 'f' in -f");
  });

  it("rejects bad flag syntax", () => {
    fails(() => ps("---x"), "bad flag syntax: ---x");
    fails(() => ps("--=x"), "bad flag syntax: --=x");
  });

  it("reports the first error, even after --help", () => {
    fails(() => ps("--help", "--foo"), "unknown flag: --foo");
  });
});

describe("parseArgs: help", () => {
  it("recognises --help and -h on commands that do not declare them", () => {
    assert.equal(ps("--help").help, true);
    assert.equal(ps("-h").help, true);
    assert.equal(ps("--help=false").help, false);
    assert.equal(ps("-a").help, false);
  });

  it("warns that -h is deprecated, as docker does", () => {
    assert.deepEqual(ps("-h").warnings, ["Flag shorthand -h has been deprecated, use --help"]);
  });

  it("leaves -h to a command's own flag", () => {
    const r = run("-h", "box", "img");
    assert.equal(r.flags.hostname, "box");
    assert.equal(r.help, false);
    assert.equal(run("--help").help, true);
  });

  it("treats --help after the image of docker run as the container's argument", () => {
    const r = run("img", "--help");
    assert.equal(r.help, false);
    assert.deepEqual(r.args, ["img", "--help"]);
  });
});

describe("parseArgs: optional values and deprecation", () => {
  const specs: FlagSpec[] = [
    { name: "progress", type: "string", optionalValue: "auto", description: "" },
    { name: "old", type: "bool", deprecated: "use --new", description: "" },
  ];

  it("uses a flag's optional value when it is given bare", () => {
    assert.equal(parseArgs(["--progress"], specs).flags.progress, "auto");
    assert.equal(parseArgs(["--progress=plain"], specs).flags.progress, "plain");
    assert.deepEqual(parseArgs(["--progress", "plain"], specs).args, ["plain"]);
  });

  it("accepts deprecated flags with pflag's warning", () => {
    const r = parseArgs(["--old"], specs);
    assert.equal(r.flags.old, true);
    assert.deepEqual(r.warnings, ["Flag --old has been deprecated, use --new"]);
  });
});
