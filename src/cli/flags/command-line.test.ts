import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseCommandLine } from "./command-line.ts";
import { UsageError } from "./flag-error.ts";
import type { CommandSpec } from "./flag-spec.ts";

const RUN: CommandSpec = {
  path: "kapsel run",
  usage: "[OPTIONS] IMAGE [COMMAND] [ARG...]",
  short: "Create and run a new container from an image",
  flags: [
    { name: "rm", type: "bool", description: "Remove" },
    { name: "env", short: "e", type: "list", description: "Env" },
  ],
  interspersed: false,
  args: { kind: "min", n: 1 },
};

const usageError = (argv: string[], status: number, message: string) =>
  assert.throws(
    () => parseCommandLine(RUN, argv),
    (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.equal(err.status, status);
      assert.equal(err.message, message);
      return true;
    },
  );

describe("parseCommandLine", () => {
  it("returns flags and arguments of a good command line", () => {
    const r = parseCommandLine(RUN, ["--rm", "-e", "A=1", "busybox", "sh", "-c", "true"]);
    assert.equal(r.flags.rm, true);
    assert.deepEqual(r.flags.env, ["A=1"]);
    assert.deepEqual(r.args, ["busybox", "sh", "-c", "true"]);
  });

  it("fails a bad flag with docker's text and status 125", () => {
    usageError(
      ["--foo", "busybox"],
      125,
      "unknown flag: --foo\n\nUsage:  kapsel run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'kapsel run --help' for more information",
    );
    usageError(
      ["-e"],
      125,
      "flag needs an argument: 'e' in -e\n\nUsage:  kapsel run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun 'kapsel run --help' for more information",
    );
  });

  it("keeps the bare parser message as the reason", () => {
    try {
      parseCommandLine(RUN, ["-z"]);
      assert.fail("no error");
    } catch (err) {
      assert.ok(err instanceof UsageError);
      assert.equal(err.reason, "unknown shorthand flag: 'z' in -z");
      assert.equal(err.kind, "invalid");
    }
  });

  it("fails a wrong argument count with docker's text and status 1", () => {
    usageError(
      ["--rm"],
      1,
      "kapsel: 'kapsel run' requires at least 1 argument\n\nUsage:  kapsel run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nSee 'kapsel run --help' for more information",
    );
  });

  it("skips the argument check when help is asked for", () => {
    assert.equal(parseCommandLine(RUN, ["--help"]).help, true);
  });
});
